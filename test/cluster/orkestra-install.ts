// Orkestra installed into the test cluster as users install it: `helm install orkestra
// chart/orkestra` with the real helm, the controller, its staging registry and its own Argo and Flux
// running as pods on the real node. Only what differs from a real cluster is set: Orkestra's images
// are the ones built here (upstream's are built here under their own names), the Services the host
// and the node reach have fixed addresses (the node resolves no Service names), and groups labelled
// for a test's own controller are left alone.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './components.ts';
import { httpRequest } from './http.ts';
import { projectImageRefs, REGISTRY_IMAGE } from './node/images.ts';
import { ensureTools } from './tools.ts';

const execFileAsync = promisify(execFile);

export const RELEASE = 'orkestra';

/** The staging registry's Service address in the test install (in SERVICE_CIDR, node-config.ts). */
export const STAGING_REGISTRY_IP = '10.96.0.50';
/** The chart's source-controller's Service address, where helm-controllers fetch charts. */
export const SOURCE_CONTROLLER_IP = '10.96.0.51';
/** Where the test install's controller stages subcharts (the chart's registry, plain HTTP). */
export const STAGING_URL = `oci://${STAGING_REGISTRY_IP}:5000/staging`;

export interface OrkestraInstall {
  /** Groups with this label are left to a controller the test started itself. */
  testControllerLabel: string;
  /** How steps run (the chart's executor.flavour); default the chart's (plugin, with its own Argo). */
  flavour?: 'pod' | 'plugin';
  /** The workflow-controller's environment: the chart's (tuned, the default) or Argo's defaults. */
  argoSettings?: ArgoSettings;
  /** Use the cluster's own Argo and Flux (argo.install=false, flux.install=false). */
  bringYourOwn?: boolean;
}

export type ArgoSettings = 'tuned' | 'defaults';

/** The `--set` values of the test install: the images are the ones built for the node (required). */
export function testValues({
  testControllerLabel,
  flavour,
  argoSettings = 'tuned',
  bringYourOwn = false,
}: OrkestraInstall): string[] {
  const images = projectImageRefs();
  return [
    `executor.image=${images.executor}`,
    `controller.image=${images.controller}`,
    ...(flavour ? [`executor.flavour=${flavour}`] : []),
    // The chart's own staging registry (token auth, each namespace its folder), from the image built
    // here, and its source-controller, at fixed Service addresses: the node resolves no Service name.
    `staging.registry.image=${REGISTRY_IMAGE}`,
    `staging.registry.serviceIP=${STAGING_REGISTRY_IP}`,
    `flux.sourceController.serviceIP=${SOURCE_CONTROLLER_IP}`,
    // Argo at its own settings: none of the chart's workflow-controller environment.
    ...(argoSettings === 'defaults' ? ['argo.workflowController.env=null'] : []),
    ...(bringYourOwn ? ['argo.install=false', 'flux.install=false'] : []),
    `controller.watchLabelSelector=!${testControllerLabel}`,
    'controller.logLevel=debug',
    'controller.resync=1m',
  ];
}

/** `helm upgrade --install --wait`: returns once the controller's pod is Ready. */
export async function helmInstallOrkestra(
  kubeconfig: string,
  namespace: string,
  install: OrkestraInstall,
): Promise<void> {
  const args = [
    'upgrade',
    '--install',
    RELEASE,
    join(REPO_ROOT, 'chart/orkestra'),
    '--namespace',
    namespace,
    '--create-namespace',
    '--wait',
    '--timeout=5m',
    ...testValues(install).flatMap((value) => ['--set', value]),
  ];
  try {
    await execFileAsync(ensureTools().helm, args, { env: { ...process.env, KUBECONFIG: kubeconfig } });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`helm ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error });
  }
}

/** The controller's /metrics through its Service (kube-proxy routes the Service IP from the host too). */
export async function controllerMetricsUrl(
  server: string,
  token: string,
  namespace: string,
): Promise<string> {
  const response = await httpRequest(
    `${server}/api/v1/namespaces/${namespace}/services/orkestra-controller-metrics`,
    { token },
  );
  if (response.status !== 200)
    throw new Error(`Service orkestra-controller-metrics: ${response.status} ${response.body}`);
  const service = JSON.parse(response.body) as {
    spec: { clusterIP: string; ports: Array<{ port: number }> };
  };
  return `http://${service.spec.clusterIP}:${service.spec.ports[0]?.port}/metrics`;
}
