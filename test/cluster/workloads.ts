// What runs beside the API server as controllers: Flux's source-controller and helm-controller
// (plus helm-controller shards at Flux's defaults) and Argo's workflow-controller.
import { serverSideApply } from './bootstrap.ts';
import {
  ARGO_NAMESPACE,
  helmControllerFlags,
  helmControllerShardFlags,
  sourceControllerFlags,
  type WORKFLOW_CONTROLLER_ENV,
  workflowControllerConfigMap,
  workflowControllerEnv,
  workflowControllerFlags,
} from './control-plane-flags.ts';
import { httpRequest } from './http.ts';
import type { Launcher } from './launcher.ts';
import { freePort } from './ports.ts';
import { clusterTemplateObjects, namespacedTemplateObjects, TEMPLATES_NAMESPACE } from './templates.ts';

const healthy = (url: string) => async () => (await httpRequest(url)).status === 200;

export async function launchFlux(
  launch: Launcher['launch'],
  {
    kubeconfig,
    artifacts,
    fluxShards,
    helmController,
  }: { kubeconfig: string; artifacts: string; fluxShards: string[]; helmController: string },
): Promise<void> {
  const [storage, sourceHealth, sourceMetrics, helmHealth, helmMetrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const fluxEnv = { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: 'flux-system' };
  await launch(
    'source-controller',
    sourceControllerFlags(artifacts, { storage, health: sourceHealth, metrics: sourceMetrics }),
    healthy(`http://127.0.0.1:${sourceHealth}/readyz`),
    fluxEnv,
  );
  const helmEnv = { ...fluxEnv, SOURCE_CONTROLLER_LOCALHOST: `127.0.0.1:${storage}` };
  await launch(
    'helm-controller',
    helmControllerFlags({ health: helmHealth, metrics: helmMetrics }, fluxShards.length > 0),
    healthy(`http://127.0.0.1:${helmHealth}/readyz`),
    helmEnv,
  );
  for (const key of fluxShards) {
    const [health, metrics] = await Promise.all([freePort(), freePort()]);
    await launch(
      `helm-controller-${key}`,
      helmControllerShardFlags(key, { health, metrics }),
      healthy(`http://127.0.0.1:${health}/readyz`),
      helmEnv,
      helmController,
    );
  }
}

/**
 * Argo's workflow-controller, with its namespace and ConfigMap; `withTemplates` (no chart to
 * install them): the templates and the executor's RBAC as the chart installs them.
 */
export async function launchArgo(
  launch: Launcher['launch'],
  {
    server,
    token,
    kubeconfig,
    node,
    withTemplates,
    argoSettings,
  }: {
    server: string;
    token: string;
    kubeconfig: string;
    node: boolean;
    withTemplates: boolean;
    argoSettings: keyof typeof WORKFLOW_CONTROLLER_ENV;
  },
): Promise<void> {
  for (const object of [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGO_NAMESPACE } },
    workflowControllerConfigMap(node),
    ...(withTemplates
      ? [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEMPLATES_NAMESPACE } },
          ...namespacedTemplateObjects(TEMPLATES_NAMESPACE),
          ...clusterTemplateObjects(),
        ]
      : []),
  ]) {
    await serverSideApply(server, token, object);
  }
  await launch(
    'workflow-controller',
    workflowControllerFlags(kubeconfig, node),
    // Argo serves /healthz on the fixed port 6060 (hard-coded upstream).
    healthy('http://127.0.0.1:6060/healthz'),
    workflowControllerEnv(argoSettings),
  );
}
