// A real, local Kubernetes cluster for the integration tests: etcd, kube-apiserver and
// kube-controller-manager on the host; with Argo, also kube-scheduler and one real node (node/:
// containerd, runc, CNI, kubelet, kube-proxy) on which `helm install orkestra chart/orkestra` runs
// Orkestra's controller, its staging registry, and its own Argo workflow-controller and Flux
// source-controller and helm-controller as pods, from images built here (namespace `orkestra`,
// which also holds the orkestra-helmrelease WorkflowTemplate). Without Argo (no node), Flux runs on
// the host and the CRDs are applied directly. Each process logs to
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
import { apiServerFlags, controllerManagerFlags, etcdFlags, schedulerFlags } from './control-plane-flags.ts';
import { httpRequest } from './http.ts';
import { createLauncher } from './launcher.ts';
import { cleanHost, ensureHostPackages, lockHost, prepareHost, unlockHost } from './node/host.ts';
import { type BuiltImage, ensureImages, upstreamBinaries } from './node/images.ts';
import { nodeTokenLines, startNode } from './node/node.ts';
import { CHART_HOST_IP, NODE_IP } from './node/node-config.ts';
import {
  type ArgoSettings,
  controllerMetricsUrl,
  helmInstallOrkestra,
  type OrkestraInstall,
} from './orkestra-install.ts';
import { freePort } from './ports.ts';
import { type Managed, releaseFolder, removeOnExit, stopProcess } from './processes.ts';
import { registryConfigYaml, registryReady, registryServe } from './registry.ts';
import { TEMPLATES_NAMESPACE } from './templates.ts';
import { launchFlux, launchHelmControllerShards } from './workloads.ts';

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
  /** helm upgrade of Orkestra with its workflow-controller at these settings (orkestra-install.ts). */
  setArgoSettings: (settings: ArgoSettings) => Promise<void>;
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
   * A node with Orkestra installed by its chart, Argo and Flux its pods (default true): one per
   * machine. Without it, only Flux, on the host.
   */
  argo?: boolean;
  /**
   * Keys of extra helm-controller shards at Flux's default settings on the host
   * (helm-controller-<key>), each reconciling the HelmReleases labelled
   * `sharding.fluxcd.io/key=<key>` (benchmarks).
   */
  fluxShards?: string[];
}

/** A group with this label is left to a controller the test started itself, not the harness's. */
export const TEST_CONTROLLER_LABEL = 'orkestra.test/controller';

export async function startControlPlane({
  log = () => {},
  keep = false,
  argo = true,
  fluxShards = [],
}: StartOptions = {}): Promise<ControlPlane> {
  const build = await ensureBinaries(log);
  const bin = build.paths;
  // The real node runs Orkestra, its Argo and Flux and the steps' pods: one per machine, as root (host.ts).
  const node = argo;
  let images: BuiltImage[] = [];
  if (node) {
    ensureHostPackages(log);
    images = await ensureImages({ upstream: upstreamBinaries(bin), registry: bin.registry as string, log });
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

    // With a node, `helm install` creates every CRD, as it does for users.
    if (!node) {
      await installCrds(server, token, crdFiles());
      log(`CRDs established after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }

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
    // Without a node, Flux runs on the host; with one, the chart runs Flux and Argo as pods on it.
    if (!node)
      await launchFlux(launch, {
        kubeconfig,
        artifacts: join(dir, 'artifacts'),
        fluxShards,
        helmController: bin['helm-controller'] as string,
      });
    let installed: OrkestraInstall = { testControllerLabel: TEST_CONTROLLER_LABEL };
    if (node) {
      // As users install it: the chart, everything a pod on the node (orkestra-install.ts).
      const started = performance.now();
      await helmInstallOrkestra(kubeconfig, TEMPLATES_NAMESPACE, installed);
      log(`helm install orkestra: every pod Ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
      // The benchmark's helm-controllers at Flux's defaults, on the host, fetching charts from the
      // chart's source-controller.
      await launchHelmControllerShards(launch, {
        kubeconfig,
        fluxShards,
        helmController: bin['helm-controller'] as string,
      });
    }
    const upgrade = async (change: Partial<OrkestraInstall>) => {
      if (!node) throw new Error('Orkestra is not installed in this control plane');
      const next = { ...installed, ...change };
      // A helm upgrade rolls the pods it changes: only when something changes.
      if (JSON.stringify(next) === JSON.stringify(installed)) return;
      await helmInstallOrkestra(kubeconfig, TEMPLATES_NAMESPACE, next);
      installed = next;
    };

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
      controllerKubeconfig: node ? join(dir, 'orkestra-controller.kubeconfig') : undefined,
      processes,
      build,
      startSeconds: (performance.now() - started) / 1000,
      stop,
      setExecutorFlavour: (flavour) => upgrade({ flavour }),
      setArgoSettings: (argoSettings) => upgrade({ argoSettings }),
      stopComponent: stopOne,
      startComponent: relaunch,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
