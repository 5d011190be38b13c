// What runs beside the API server on the host: Flux's source-controller and helm-controller where
// there is no node (the chart runs them as pods where there is one), the benchmark's helm-controller
// shards at Flux's defaults, and the "cluster's own" Argo and Flux of the bring-your-own e2e.
import {
  HOST_WORKFLOW_CONTROLLER_ENV,
  helmControllerFlags,
  helmControllerShardFlags,
  hostWorkflowControllerFlags,
  sourceControllerFlags,
} from './control-plane-flags.ts';
import { httpRequest } from './http.ts';
import type { Launcher } from './launcher.ts';
import { freePort } from './ports.ts';

const healthy = (url: string) => async () => (await httpRequest(url)).status === 200;

export async function launchFlux(
  launch: Launcher['launch'],
  {
    kubeconfig,
    artifacts,
    fluxShards,
    helmController,
    leaveShardsAlone = fluxShards.length > 0,
  }: {
    kubeconfig: string;
    artifacts: string;
    fluxShards: string[];
    helmController: string;
    /** Leave what is labelled for a Flux shard alone (both controllers). */
    leaveShardsAlone?: boolean;
  },
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
    sourceControllerFlags(
      artifacts,
      { storage, health: sourceHealth, metrics: sourceMetrics },
      leaveShardsAlone,
    ),
    healthy(`http://127.0.0.1:${sourceHealth}/readyz`),
    fluxEnv,
  );
  const helmEnv = { ...fluxEnv, SOURCE_CONTROLLER_LOCALHOST: `127.0.0.1:${storage}` };
  await launch(
    'helm-controller',
    helmControllerFlags({ health: helmHealth, metrics: helmMetrics }, leaveShardsAlone),
    healthy(`http://127.0.0.1:${helmHealth}/readyz`),
    helmEnv,
  );
  await launchHelmControllerShards(launch, { kubeconfig, fluxShards, helmController, env: helmEnv });
}

/**
 * helm-controllers at Flux's defaults, each a shard reconciling the HelmReleases labelled
 * `sharding.fluxcd.io/key=<key>` (the benchmark's baseline). With the chart's Flux they fetch
 * artifacts from its source-controller's Service (kube-proxy routes its address from the host too).
 */
export async function launchHelmControllerShards(
  launch: Launcher['launch'],
  {
    kubeconfig,
    fluxShards,
    helmController,
    env = { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: 'flux-system' },
  }: { kubeconfig: string; fluxShards: string[]; helmController: string; env?: NodeJS.ProcessEnv },
): Promise<void> {
  for (const key of fluxShards) {
    const [health, metrics] = await Promise.all([freePort(), freePort()]);
    await launch(
      `helm-controller-${key}`,
      helmControllerShardFlags(key, { health, metrics }),
      healthy(`http://127.0.0.1:${health}/readyz`),
      env,
      helmController,
    );
  }
}

/**
 * A workflow-controller on the host as a cluster's own Argo (no instance ID), its ConfigMap in
 * `namespace`; Argo serves /healthz on the fixed port 6060 (hard-coded upstream).
 */
export async function launchHostArgo(
  launch: Launcher['launch'],
  { kubeconfig, namespace, executorImage }: { kubeconfig: string; namespace: string; executorImage: string },
  apply: (object: object) => Promise<unknown>,
): Promise<void> {
  await apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'workflow-controller-configmap', namespace },
    // No metrics or telemetry servers on every interface; argoexec is the image built here.
    data: {
      metricsConfig: 'enabled: false\n',
      telemetryConfig: 'enabled: false\n',
      executor: 'imagePullPolicy: Never\n',
    },
  });
  await launch(
    'workflow-controller',
    hostWorkflowControllerFlags(kubeconfig, namespace, executorImage),
    healthy('http://127.0.0.1:6060/healthz'),
    HOST_WORKFLOW_CONTROLLER_ENV,
  );
}
