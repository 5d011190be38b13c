// Orkestra installed into the test cluster as users install it: `helm install orkestra
// chart/orkestra` with the real helm, the controller running as a pod on the real node from the
// image built from Dockerfile.controller. Only what differs from a real cluster is set: the staging
// registry is the harness's, and groups labelled for a test's own controller are left alone.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './components.ts';
import { httpRequest } from './http.ts';
import { ensureTools } from './tools.ts';

const execFileAsync = promisify(execFile);

export const RELEASE = 'orkestra';

export interface OrkestraInstall {
  /** oci://HOST:PORT/PATH the controller stages subcharts to (plain HTTP). */
  stagingUrl: string;
  /** Groups with this label are left to a controller the test started itself. */
  testControllerLabel: string;
  /** How steps run (the chart's executor.flavour); default pod. */
  flavour?: 'pod' | 'plugin';
}

/** The `--set` values of the test install. */
export function testValues({ stagingUrl, testControllerLabel, flavour = 'pod' }: OrkestraInstall): string[] {
  return [
    `executor.flavour=${flavour}`,
    `staging.url=${stagingUrl}`,
    'staging.plainHttp=true',
    'staging.registry.enabled=false',
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
    '--timeout=3m',
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
