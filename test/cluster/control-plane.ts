// A real, local Kubernetes control plane for the integration tests: etcd, kube-apiserver,
// kube-controller-manager (garbage collector, namespaces, service accounts), and Flux's
// source-controller and helm-controller, Argo's workflow-controller, all running out of cluster
// against it on 127.0.0.1, and the test kubelet (kubelet/) that runs Argo's step pods as local
// processes. Namespace `orkestra` gets the executor's RBAC and the orkestra-helmrelease
// WorkflowTemplate; the ClusterWorkflowTemplate twin is installed too. Each process logs to
// <dir>/logs/<name>.log.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildReport, ensureBinaries } from './binaries.ts';
import { crdFiles, installCrds, kubeconfigYaml, serverSideApply, serviceAccountToken } from './bootstrap.ts';
import { type ChartRepository, startChartRepository } from './chart-repo.ts';
import { REPO_ROOT } from './components.ts';
import { httpRequest } from './http.ts';
import { freePort } from './ports.ts';
import { type Managed, releaseFolder, removeOnExit, startProcess, stopProcess } from './processes.ts';
import { registryConfigYaml, registryReady, registryServe } from './registry.ts';
import {
  clusterTemplateObjects,
  controllerObjects,
  namespacedTemplateObjects,
  TEMPLATES_NAMESPACE,
} from './templates.ts';
import { waitFor } from './wait.ts';

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  token: string;
  charts: ChartRepository;
  /** The OCI registry subcharts are staged to (plain HTTP): oci://127.0.0.1:PORT */
  registry: string;
  /** The test kubelet's folder: pods/<namespace>/<pod>/{kubeconfig, main.log, tmp/} (with Argo only). */
  kubeletDir: string;
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
  /** Starts a stopped component again with the same flags and waits until it is ready. */
  startComponent: (name: string) => Promise<void>;
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
  /** Also run orkestra-controller (default: with Argo), from dist/ as the image would. */
  controller?: boolean;
}

export const ARGO_NAMESPACE = 'argo';
/** A group with this label is left to a controller the test started itself, not the harness's. */
export const TEST_CONTROLLER_LABEL = 'orkestra.test/controller';

/** The workflow-controller's ConfigMap: no metrics or telemetry servers (they would listen on all interfaces). */
function workflowControllerConfigMap() {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'workflow-controller-configmap', namespace: ARGO_NAMESPACE },
    data: { metricsConfig: 'enabled: false\n', telemetryConfig: 'enabled: false\n' },
  };
}

export async function startControlPlane({
  log = () => {},
  keep = false,
  argo = true,
  controller = argo,
}: StartOptions = {}): Promise<ControlPlane> {
  const build = await ensureBinaries(log);
  const crds = crdFiles(build);
  const bin = build.paths;
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-cluster-'));
  if (!keep) removeOnExit(dir);
  const logDir = join(dir, 'logs');
  const pki = join(dir, 'pki');
  const kubeletDir = join(dir, 'kubelet');
  for (const sub of [logDir, pki, join(dir, 'etcd'), join(dir, 'artifacts'), kubeletDir])
    mkdirSync(sub, { recursive: true });
  const processes: Managed[] = [];
  let charts: ChartRepository | undefined;
  let controllerMetrics: string | undefined;

  const stop = async () => {
    for (const managed of [...processes].reverse()) await stopProcess(managed);
    await charts?.stop();
    if (!keep) {
      rmSync(dir, { recursive: true, force: true });
      releaseFolder(dir);
    }
  };

  /** Starts a process and waits until `ready` holds; on failure prints its log tail. */
  const launched = new Map<
    string,
    { args: string[]; ready: () => Promise<boolean>; env?: NodeJS.ProcessEnv; command?: string }
  >();
  const launch = async (
    name: string,
    args: string[],
    ready: () => Promise<boolean>,
    env?: NodeJS.ProcessEnv,
    command = bin[name] as string,
  ): Promise<void> => {
    launched.set(name, { args, ready, env, command });
    const managed = startProcess(name, command, args, { logDir, env });
    processes.push(managed);
    try {
      await Promise.race([
        waitFor(`${name} to become ready`, ready, { timeoutMs: 90_000, intervalMs: 100 }),
        managed.exited.then((code) => {
          throw new Error(`${name} exited with code ${code} while starting`);
        }),
      ]);
      log(`${name} ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- last lines of ${managed.logFile} ---\n${managed.tail()}`,
        {
          cause: error,
        },
      );
    }
  };

  try {
    const [
      etcdClient,
      etcdPeer,
      apiPort,
      kcmPort,
      storagePort,
      sourceHealth,
      sourceMetrics,
      helmHealth,
      helmMetrics,
    ] = await Promise.all(Array.from({ length: 9 }, freePort));
    const token = randomBytes(24).toString('hex');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(pki, 'sa.pub'), publicKey);
    writeFileSync(join(pki, 'sa.key'), privateKey);
    writeFileSync(join(pki, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await launch(
      'etcd',
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        // Argo's full CRDs are close to 3 MB each.
        '--max-request-bytes=16777216',
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      async () => (await httpRequest(`${etcdUrl}/health`)).body.includes('"health":"true"'),
    );

    const server = `https://127.0.0.1:${apiPort}`;
    await launch(
      'kube-apiserver',
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${pki}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        // Compact etcd often, so tests meet expired watches (410 Gone) as long-running clusters do.
        '--etcd-compaction-interval=5s',
        '--v=0',
      ],
      async () => (await httpRequest(`${server}/readyz`, { token })).status === 200,
    );

    // The API server made a self-signed serving certificate for 127.0.0.1 in --cert-dir.
    const caData = readFileSync(join(pki, 'apiserver.crt')).toString('base64');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(server, caData, token));

    await installCrds(server, token, crds);
    log(`CRDs established after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    await launch(
      'kube-controller-manager',
      [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--authorization-always-allow-paths=/healthz,/readyz,/livez',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(pki, 'kcm')}`,
        '--leader-elect=false',
        // resourcequota-controller: a ResourceQuota is enforced only once it has counted what is used.
        '--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,resourcequota-controller',
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        `--root-ca-file=${join(pki, 'apiserver.crt')}`,
        '--use-service-account-credentials=false',
      ],
      async () => (await httpRequest(`https://127.0.0.1:${kcmPort}/healthz`)).status === 200,
    );

    charts = await startChartRepository();
    const registryPort = await freePort();
    const registryConfig = join(dir, 'registry.yaml');
    writeFileSync(registryConfig, registryConfigYaml(join(dir, 'registry'), registryPort));
    const registry = `oci://127.0.0.1:${registryPort}`;
    await launch('registry', registryServe(registryConfig), () => registryReady(registryPort));
    const fluxEnv = { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: 'flux-system' };
    await launch(
      'source-controller',
      [
        `--storage-path=${join(dir, 'artifacts')}`,
        `--storage-addr=127.0.0.1:${storagePort}`,
        `--storage-adv-addr=127.0.0.1:${storagePort}`,
        `--health-addr=127.0.0.1:${sourceHealth}`,
        `--metrics-addr=127.0.0.1:${sourceMetrics}`,
        '--events-addr=',
        '--log-level=info',
      ],
      async () => (await httpRequest(`http://127.0.0.1:${sourceHealth}/readyz`)).status === 200,
      fluxEnv,
    );
    await launch(
      'helm-controller',
      [
        `--health-addr=127.0.0.1:${helmHealth}`,
        `--metrics-addr=127.0.0.1:${helmMetrics}`,
        '--events-addr=',
        '--requeue-dependency=5s',
        '--http-retry=1',
        '--max-retry-delay=10s',
        '--log-level=info',
      ],
      async () => (await httpRequest(`http://127.0.0.1:${helmHealth}/readyz`)).status === 200,
      { ...fluxEnv, SOURCE_CONTROLLER_LOCALHOST: `127.0.0.1:${storagePort}` },
    );

    if (argo) {
      for (const object of [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGO_NAMESPACE } },
        workflowControllerConfigMap(),
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEMPLATES_NAMESPACE } },
        ...namespacedTemplateObjects(TEMPLATES_NAMESPACE),
        ...clusterTemplateObjects(),
      ]) {
        await serverSideApply(server, token, object);
      }
      await launch(
        'test-kubelet',
        [join(import.meta.dirname, 'kubelet/main.ts'), `--kubeconfig=${kubeconfig}`, `--dir=${kubeletDir}`],
        async () => existsSync(join(kubeletDir, 'ready')),
        undefined,
        process.execPath,
      );
      await launch(
        'workflow-controller',
        [
          `--kubeconfig=${kubeconfig}`,
          `--namespace=${ARGO_NAMESPACE}`,
          '--configmap=workflow-controller-configmap',
          '--loglevel=info',
        ],
        async () => (await httpRequest('http://127.0.0.1:6060/healthz')).status === 200,
        // Argo's own knob for how soon a workflow is looked at again after an event (default 10 s;
        // Argo's docs suggest as low as 2 s for workflows of short steps, its dev setup uses 1 s).
        { LEADER_ELECTION_DISABLE: 'true', DEFAULT_REQUEUE_TIME: '1s' },
      );
    }

    if (controller) {
      // As the chart installs it: its own ServiceAccount and RBAC, nothing of the admin's.
      for (const object of controllerObjects(TEMPLATES_NAMESPACE))
        await serverSideApply(server, token, object);
      const controllerKubeconfig = join(dir, 'orkestra-controller.kubeconfig');
      const saToken = await serviceAccountToken(server, token, TEMPLATES_NAMESPACE, 'orkestra-controller');
      writeFileSync(
        controllerKubeconfig,
        kubeconfigYaml(server, caData, saToken, {
          user: 'orkestra-controller',
          namespace: TEMPLATES_NAMESPACE,
        }),
      );
      const [healthPort, metricsPort] = await Promise.all([freePort(), freePort()]);
      controllerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
      await launch(
        'orkestra-controller',
        [
          join(REPO_ROOT, 'dist/orkestra-controller.js'),
          `--kubeconfig=${controllerKubeconfig}`,
          `--health-address=127.0.0.1:${healthPort}`,
          `--metrics-address=127.0.0.1:${metricsPort}`,
          '--resync=1m',
          // Groups so labelled belong to controllers a test starts itself (crash tests).
          `--watch-label-selector=!${TEST_CONTROLLER_LABEL}`,
          `--staging-url=${registry}/staging`,
          '--staging-plain-http',
        ],
        async () => (await httpRequest(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
        { ORKESTRA_LOG_LEVEL: 'debug' },
        process.execPath,
      );
    }

    return {
      dir,
      kubeconfig,
      server,
      token,
      charts,
      registry,
      kubeletDir,
      argo: bin.argo as string,
      controllerMetrics,
      controllerKubeconfig: controller ? join(dir, 'orkestra-controller.kubeconfig') : undefined,
      processes,
      build,
      startSeconds: (performance.now() - started) / 1000,
      stop,
      stopComponent: async (name) => {
        const managed = processes.find(
          (p) => p.name === name && p.child.exitCode === null && p.child.signalCode === null,
        );
        if (managed) await stopProcess(managed);
      },
      startComponent: async (name) => {
        const spec = launched.get(name);
        if (!spec) throw new Error(`no component ${name}`);
        await launch(name, spec.args, spec.ready, spec.env, spec.command);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
