// A real, local Kubernetes cluster for the integration tests: etcd, kube-apiserver,
// kube-controller-manager, and Flux's source-controller and helm-controller, Argo's
// workflow-controller, all running out of cluster against it; with Argo, also kube-scheduler and
// one real node (node/: containerd, runc, CNI, kubelet, kube-proxy) that runs Argo's step pods from
// images built here. Namespace `orkestra` gets the executor's RBAC and the orkestra-helmrelease
// WorkflowTemplate; the ClusterWorkflowTemplate twin is installed too. Each process logs to
// <dir>/logs/<name>.log. Without a node everything listens on 127.0.0.1; with one, what pods must
// reach listens on a private address instead: the API server on the node's (NODE_IP), the chart
// repository and the registry on the chart host's (CHART_HOST_IP), as a real chart host would.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildReport, ensureBinaries } from './binaries.ts';
import { crdFiles, installCrds, kubeconfigYaml, serviceAccountToken } from './bootstrap.ts';
import { type ChartRepository, startChartRepository } from './chart-repo.ts';
import {
  ARGO_NAMESPACE,
  apiServerFlags,
  controllerManagerFlags,
  etcdFlags,
  schedulerFlags,
  type WORKFLOW_CONTROLLER_ENV,
} from './control-plane-flags.ts';
import { httpRequest } from './http.ts';
import { createLauncher } from './launcher.ts';
import { cleanHost, ensureHostPackages, lockHost, prepareHost, unlockHost } from './node/host.ts';
import { type BuiltImage, ensureImages } from './node/images.ts';
import { nodeTokenLines, startNode } from './node/node.ts';
import { CHART_HOST_IP, NODE_IP } from './node/node-config.ts';
import { controllerMetricsUrl, helmInstallOrkestra } from './orkestra-install.ts';
import { freePort } from './ports.ts';
import { type Managed, releaseFolder, removeOnExit, stopProcess } from './processes.ts';
import { registryConfigYaml, registryReady, registryServe } from './registry.ts';
import { TEMPLATES_NAMESPACE } from './templates.ts';
import { launchArgo, launchFlux } from './workloads.ts';

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  token: string;
  charts: ChartRepository;
  /**
   * The OCI registry (plain HTTP) that serves test charts and that subcharts are staged to:
   * oci://CHART_HOST_IP:PORT with the node, oci://127.0.0.1:PORT without.
   */
  registry: string;
  /** The real node's folder (with Argo only). */
  nodeDir?: string;
  /** The images built for the node and loaded into it (with Argo only). */
  images: BuiltImage[];
  /** The argo CLI built with the workflow-controller. */
  argo: string;
  /** orkestra-controller's /metrics URL, when it runs. */
  controllerMetrics?: string;
  /** The kubeconfig of orkestra-controller's ServiceAccount, when it runs. */
  controllerKubeconfig?: string;
  processes: Managed[];
  build: BuildReport;
  /** Seconds from the first process started to everything ready (binaries already built). */
  startSeconds: number;
  stop: () => Promise<void>;
  /** Stops one component (e.g. `kube-apiserver`), as an outage would. */
  stopComponent: (name: string) => Promise<void>;
  /** helm upgrade of Orkestra with its controller's Workflows running steps as pods or in the plugin. */
  setExecutorFlavour: (flavour: 'pod' | 'plugin') => Promise<void>;
  /**
   * Starts a stopped component again with the same flags and waits until it is ready; with `env`,
   * that environment instead of the one it had.
   */
  startComponent: (name: string, env?: NodeJS.ProcessEnv) => Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Keep the data folder after stop (for debugging). */
  keep?: boolean;
  /**
   * Also run Argo's workflow-controller (default true). It serves /healthz on the fixed port 6060
   * (hard-coded upstream), so only one control plane at a time can run it.
   */
  argo?: boolean;
  /** Also install Orkestra with its chart, the controller a pod on the node (default: with Argo). */
  controller?: boolean;
  /**
   * Keys of extra helm-controller shards at Flux's default settings (helm-controller-<key>), each
   * reconciling the HelmReleases labelled `sharding.fluxcd.io/key=<key>` (benchmarks).
   */
  fluxShards?: string[];
  /** The workflow-controller's settings (control-plane-flags.ts WORKFLOW_CONTROLLER_ENV); default tuned. */
  argoSettings?: keyof typeof WORKFLOW_CONTROLLER_ENV;
}

export { ARGO_NAMESPACE };
/** A group with this label is left to a controller the test started itself, not the harness's. */
export const TEST_CONTROLLER_LABEL = 'orkestra.test/controller';

export async function startControlPlane({
  log = () => {},
  keep = false,
  argo = true,
  controller = argo,
  fluxShards = [],
  argoSettings = 'tuned',
}: StartOptions = {}): Promise<ControlPlane> {
  if (controller && !argo) throw new Error('The controller runs as a pod: it needs Argo and the node too.');
  const build = await ensureBinaries(log);
  const crds = crdFiles(build);
  const bin = build.paths;
  // The real node runs Argo's step pods: one per machine, as root (host.ts).
  const node = argo;
  let images: BuiltImage[] = [];
  if (node) {
    ensureHostPackages(log);
    images = await ensureImages({ argoexec: bin.argoexec as string, registry: bin.registry as string, log });
    if (lockHost().stale) cleanHost(undefined, bin['kube-proxy']);
  }
  // The API server's address, and the chart repository's and registry's: never the same one with a
  // node, since Orkestra's default policy refuses chart sources at the node's or API server's address.
  const address = node ? NODE_IP : '127.0.0.1';
  const chartHost = node ? CHART_HOST_IP : '127.0.0.1';
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-cluster-'));
  if (!keep) removeOnExit(dir);
  const logDir = join(dir, 'logs');
  const pki = join(dir, 'pki');
  const nodeDir = node ? join(dir, 'node') : undefined;
  for (const sub of [logDir, pki, join(dir, 'etcd'), join(dir, 'artifacts')])
    mkdirSync(sub, { recursive: true });
  const { launch, processes, stopOne, relaunch } = createLauncher({ logDir, bin, started, log });
  let charts: ChartRepository | undefined;
  let controllerMetrics: string | undefined;

  const stop = async () => {
    for (const managed of [...processes].reverse()) await stopProcess(managed);
    await charts?.stop();
    if (node) {
      cleanHost(nodeDir, bin['kube-proxy']);
      unlockHost();
    }
    if (!keep) {
      rmSync(dir, { recursive: true, force: true });
      releaseFolder(dir);
    }
  };

  try {
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedulerPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const token = randomBytes(24).toString('hex');
    const nodeTokens = {
      kubelet: randomBytes(24).toString('hex'),
      kubeProxy: randomBytes(24).toString('hex'),
    };
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(pki, 'sa.pub'), publicKey);
    writeFileSync(join(pki, 'sa.key'), privateKey);
    writeFileSync(
      join(pki, 'tokens.csv'),
      `${token},admin,admin,"system:masters"\n${node ? nodeTokenLines(nodeTokens) : ''}`,
    );
    if (node) prepareHost();

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await launch('etcd', etcdFlags(join(dir, 'etcd'), etcdClient, etcdPeer), async () =>
      (await httpRequest(`${etcdUrl}/health`)).body.includes('"health":"true"'),
    );

    const server = `https://${address}:${apiPort}`;
    await launch(
      'kube-apiserver',
      apiServerFlags({ etcdUrl, pki, address, port: apiPort, node }),
      async () => (await httpRequest(`${server}/readyz`, { token })).status === 200,
    );

    // The API server made a self-signed serving certificate in --cert-dir, for its advertised
    // address and the `kubernetes` Service (10.96.0.1, kubernetes.default.svc).
    const caData = readFileSync(join(pki, 'apiserver.crt')).toString('base64');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(server, caData, token));

    await installCrds(server, token, crds);
    log(`CRDs established after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    await launch(
      'kube-controller-manager',
      controllerManagerFlags(kubeconfig, pki, kcmPort, node),
      async () => (await httpRequest(`https://127.0.0.1:${kcmPort}/healthz`)).status === 200,
    );
    if (node) {
      await launch(
        'kube-scheduler',
        schedulerFlags(kubeconfig, pki, schedulerPort),
        async () => (await httpRequest(`https://127.0.0.1:${schedulerPort}/healthz`)).status === 200,
      );
      await startNode({
        dir: nodeDir as string,
        server,
        caData,
        adminToken: token,
        kubeletToken: nodeTokens.kubelet,
        kubeProxyToken: nodeTokens.kubeProxy,
        images,
        launch,
        log,
      });
    }

    charts = await startChartRepository({ host: chartHost });
    const registryPort = await freePort();
    const registryConfig = join(dir, 'registry.yaml');
    writeFileSync(
      registryConfig,
      registryConfigYaml(join(dir, 'registry'), registryPort, { host: chartHost }),
    );
    const registry = `oci://${chartHost}:${registryPort}`;
    await launch('registry', registryServe(registryConfig), () => registryReady(registryPort, chartHost));
    await launchFlux(launch, {
      kubeconfig,
      artifacts: join(dir, 'artifacts'),
      fluxShards,
      helmController: bin['helm-controller'] as string,
    });
    if (argo)
      await launchArgo(launch, { server, token, kubeconfig, node, withTemplates: !controller, argoSettings });

    const install = { testControllerLabel: TEST_CONTROLLER_LABEL };
    let installedFlavour: 'pod' | 'plugin' = 'pod';
    if (controller) {
      // As users install it: the chart, the controller a pod on the node (orkestra-install.ts).
      const installed = performance.now();
      await helmInstallOrkestra(kubeconfig, TEMPLATES_NAMESPACE, install);
      log(
        `helm install orkestra: controller Ready in ${((performance.now() - installed) / 1000).toFixed(1)} s`,
      );
      controllerMetrics = await controllerMetricsUrl(server, token, TEMPLATES_NAMESPACE);
      // For a test's own controllers: the identity the chart gives the controller.
      const saToken = await serviceAccountToken(server, token, TEMPLATES_NAMESPACE, 'orkestra-controller');
      writeFileSync(
        join(dir, 'orkestra-controller.kubeconfig'),
        kubeconfigYaml(server, caData, saToken, {
          user: 'orkestra-controller',
          namespace: TEMPLATES_NAMESPACE,
        }),
      );
    }

    return {
      dir,
      kubeconfig,
      server,
      token,
      charts,
      registry,
      nodeDir,
      images,
      argo: bin.argo as string,
      controllerMetrics,
      controllerKubeconfig: controller ? join(dir, 'orkestra-controller.kubeconfig') : undefined,
      processes,
      build,
      startSeconds: (performance.now() - started) / 1000,
      stop,
      setExecutorFlavour: async (flavour) => {
        if (!controller) throw new Error('Orkestra is not installed in this control plane');
        // A helm upgrade rolls the controller's pod: only when the flavour changes.
        if (flavour === installedFlavour) return;
        await helmInstallOrkestra(kubeconfig, TEMPLATES_NAMESPACE, { ...install, flavour });
        installedFlavour = flavour;
      },
      stopComponent: stopOne,
      startComponent: relaunch,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
