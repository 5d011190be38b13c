// The test kubelet: the one part of a cluster the harness plays (there is no kubelet or container
// runtime here). It watches the step pods Argo's workflow-controller creates and does for each what
// a node's kubelet and Argo's own argoexec (init, wait, emissary) would do:
//
//   1. binds the pod to the node `orkestra-test-node`, reports init done and wait + main running;
//   2. mounts the pod's ServiceAccount token: a TokenRequest bound to the pod, written as a
//      kubeconfig (server, CA, token, the pod's namespace) — the in-cluster config the container
//      would read — so the program has exactly the RBAC of its ServiceAccount;
//   3. as `wait` does on start, creates the WorkflowTaskResult (report-outputs-completed "false"),
//      with the same token;
//   4. runs the main container's program (pod-plan.ts) as a local process with the container's
//      env, a private TMPDIR standing for the container's /tmp, stdout and stderr to
//      <dir>/pods/<namespace>/<pod>/<uid>/main.log;
//   5. as `wait` does at the end, reads the output parameters from their paths, merge-patches them
//      into the task result, then sets report-outputs-completed "true";
//   6. reports every container terminated (main with the program's exit code; 128 + N after signal
//      N, as the emissary reports it) and the phase, Succeeded or Failed, in one update.
//
// Stopping: Argo delivers `argo stop`/`terminate` (and deadlines) by `pods/exec` of
// `argoexec kill 15 1` into each running container (workflow/signal/signal.go), which the API
// server proxies to the kubelet. With no kubelet endpoint the exec fails; the test kubelet instead
// watches the Workflows' spec.shutdown (what the exec is a consequence of) and sends SIGTERM, then
// SIGKILL after the pod's grace period. As in a real pod, where `wait` is signalled together with
// `main` and collects outputs at once, outputs of a stopped step are read when the signal is sent
// (usually their defaults). A deleted pod's process is killed the same way and the pod removed.
//
// Unknown images and pods it cannot run fail with status.message naming the problem.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node';
import type { LocalImage } from '../images.ts';
import {
  collectOutputs,
  initialTaskResult,
  planPod,
  REPORT_OUTPUTS_COMPLETED,
  type StepPlan,
  type TemplateOutputs,
  WORKFLOW_LABEL,
} from './pod-plan.ts';
import { type ContainerExit, finishedStatus, rejectedStatus, runningStatus } from './pod-status.ts';

export const NODE_NAME = 'orkestra-test-node';
const ARGO = { group: 'argoproj.io', version: 'v1alpha1' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const now = () => new Date().toISOString();

export interface KubeletOptions {
  kube: KubeConfig;
  /** Where each pod gets its folder: pods/<namespace>/<pod>/<uid>/{tmp/, kubeconfig, main.log}. */
  dir: string;
  images: ReadonlyMap<string, LocalImage>;
  log: (line: string) => void;
}

interface Step {
  pod: V1Pod;
  plan: StepPlan;
  /** Sends SIGTERM (then SIGKILL after the grace period) once; `why` is logged. */
  terminate: (why: string) => void;
  /** Settles when the step is over: outputs reported, final pod status written. */
  finished: Promise<void>;
}

interface Workflow extends KubernetesObject {
  spec?: { shutdown?: string };
}

/** Each pod's own folder; by UID, since Argo may create a pod again under the same name. */
export function podFolder(dir: string, pod: Pick<KubernetesObject, 'metadata'>): string {
  return join(dir, 'pods', pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', pod.metadata?.uid ?? '');
}

/** A kubeconfig as the in-cluster service-account files would configure a client. */
function serviceAccountKubeconfig(kube: KubeConfig, token: string, namespace: string): string {
  const cluster = kube.getCurrentCluster();
  if (!cluster) throw new Error('the test kubelet’s kubeconfig has no current cluster');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'in-cluster',
        cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData },
      },
    ],
    users: [{ name: 'service-account', user: { token } }],
    contexts: [
      { name: 'in-cluster', context: { cluster: 'in-cluster', user: 'service-account', namespace } },
    ],
    'current-context': 'in-cluster',
  });
}

/** What `wait` does last: merge-patch the outputs into the task result, then mark it complete. */
async function reportOutputs(
  api: CustomObjectsApi,
  namespace: string,
  nodeId: string,
  collected: ReturnType<typeof collectOutputs>,
): Promise<string[]> {
  const problems: string[] = 'problem' in collected ? [collected.problem] : [];
  const outputs: TemplateOutputs | undefined = 'outputs' in collected ? collected.outputs : undefined;
  const patch = (body: object) =>
    api.patchNamespacedCustomObject(
      { ...ARGO, namespace, plural: 'workflowtaskresults', name: nodeId, body },
      mergePatch,
    );
  try {
    if (outputs) await patch({ outputs });
  } catch (error) {
    problems.push(`reporting outputs: ${(error as Error).message}`);
  }
  try {
    await patch({ metadata: { labels: { [REPORT_OUTPUTS_COMPLETED]: 'true' } } });
  } catch (error) {
    problems.push(`finalizing outputs: ${(error as Error).message}`);
  }
  return problems;
}

export async function startKubelet({
  kube,
  dir,
  images,
  log,
}: KubeletOptions): Promise<{ stop: () => void }> {
  const core = kube.makeApiClient(CoreV1Api);
  const custom = kube.makeApiClient(CustomObjectsApi);
  const seen = new Set<string>();
  const running = new Map<string, Step>();

  const patchPodStatus = (pod: V1Pod, status: V1PodStatus) =>
    core.patchNamespacedPodStatus(
      { name: pod.metadata?.name as string, namespace: pod.metadata?.namespace as string, body: { status } },
      mergePatch,
    );

  const describe = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

  async function bind(pod: V1Pod): Promise<void> {
    if (pod.spec?.nodeName) return;
    await core.createNamespacedPodBinding({
      name: pod.metadata?.name as string,
      namespace: pod.metadata?.namespace as string,
      body: {
        metadata: { name: pod.metadata?.name as string },
        target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME },
      },
    });
  }

  async function reject(pod: V1Pod, message: string): Promise<void> {
    log(`Rejected pod ${describe(pod)}: ${message}`);
    await patchPodStatus(pod, rejectedStatus(message, now()));
  }

  /** Runs one step pod from start to its final status. */
  async function runStep(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace as string;
    const name = pod.metadata?.name as string;
    const plan = planPod(pod, images);
    await bind(pod);
    if (plan.kind === 'reject') return reject(pod, plan.message);

    let token: string;
    try {
      const request = await core.createNamespacedServiceAccountToken({
        name: plan.serviceAccount,
        namespace,
        body: {
          spec: {
            audiences: [],
            expirationSeconds: 3600,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata?.uid },
          },
        },
      });
      token = request.status?.token as string;
    } catch (error) {
      return reject(pod, `no token for ServiceAccount ${plan.serviceAccount}: ${(error as Error).message}`);
    }
    const folder = podFolder(dir, pod);
    const tmp = join(folder, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const kubeconfigPath = join(folder, 'kubeconfig');
    writeFileSync(kubeconfigPath, serviceAccountKubeconfig(kube, token, namespace), { mode: 0o600 });
    const podKube = new KubeConfig();
    podKube.loadFromFile(kubeconfigPath);
    const podCustom = podKube.makeApiClient(CustomObjectsApi);

    // `wait` starts: the task result exists (not complete) before main runs.
    const waitProblems: string[] = [];
    try {
      await podCustom.createNamespacedCustomObject({
        ...ARGO,
        namespace,
        plural: 'workflowtaskresults',
        body: initialTaskResult(namespace, plan),
      });
    } catch (error) {
      waitProblems.push(`creating WorkflowTaskResult ${plan.nodeId}: ${(error as Error).message}`);
    }

    const startedAt = now();
    await patchPodStatus(pod, runningStatus(pod, startedAt));
    const logFd = openSync(join(folder, 'main.log'), 'a');
    const [program, ...args] = plan.command;
    const child = spawn(program as string, args, {
      cwd: folder,
      env: {
        PATH: process.env.PATH,
        HOSTNAME: name,
        HOME: folder,
        ...plan.env,
        TMPDIR: tmp,
        KUBECONFIG: kubeconfigPath,
      },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    log(`Started pod ${describe(pod)} (node ${plan.nodeId}): ${plan.command.join(' ')}`);

    const readContainerFile = (path: string) => {
      if (!path.startsWith('/tmp/')) return undefined;
      try {
        return readFileSync(join(tmp, path.slice('/tmp/'.length)), 'utf8');
      } catch {
        return undefined;
      }
    };
    let outputsAtSignal: ReturnType<typeof collectOutputs> | undefined;
    let signalled = false;
    let markFinished = () => {};
    const uid = pod.metadata?.uid as string;
    running.set(uid, {
      pod,
      plan,
      finished: new Promise<void>((resolve) => {
        markFinished = resolve;
      }),
      terminate: (why) => {
        if (signalled || child.exitCode !== null || child.signalCode !== null) return;
        signalled = true;
        outputsAtSignal = collectOutputs(plan.outputs, readContainerFile);
        log(`Sending SIGTERM to pod ${describe(pod)}: ${why}`);
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), plan.graceSeconds * 1000);
        child.once('exit', () => clearTimeout(kill));
      },
    });

    try {
      const mainExit = await new Promise<ContainerExit>((resolve) => {
        child.once('error', (error) => resolve({ exitCode: 128, message: error.message }));
        child.once('exit', (code, signal) =>
          resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) }),
        );
      });
      log(`Pod ${describe(pod)} main exited ${mainExit.exitCode}`);
      // `wait` ends: report outputs, then mark them complete (always, or the node would hang).
      const collected = outputsAtSignal ?? collectOutputs(plan.outputs, readContainerFile);
      waitProblems.push(...(await reportOutputs(podCustom, namespace, plan.nodeId, collected)));
      const waitExit: ContainerExit = waitProblems.length
        ? { exitCode: 1, message: waitProblems.join('; ') }
        : { exitCode: 0 };
      if (waitProblems.length) log(`Pod ${describe(pod)} wait failed: ${waitProblems.join('; ')}`);
      await patchPodStatus(pod, finishedStatus(pod, { main: mainExit, wait: waitExit }, startedAt, now()));
    } finally {
      running.delete(uid);
      markFinished();
    }
  }

  /**
   * Pod deleted: a pod bound to this node is gone only when its kubelet says so, after stopping its
   * containers (while the pod exists, its token stays valid, so `wait` can still report outputs).
   */
  const removing = new Set<string>();
  async function removePod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid as string;
    if (removing.has(uid)) return;
    removing.add(uid);
    const step = running.get(uid);
    if (step) {
      step.terminate('pod deleted');
      await step.finished;
    }
    if (pod.spec?.nodeName !== NODE_NAME) return;
    try {
      await core.deleteNamespacedPod({
        name: pod.metadata?.name as string,
        namespace: pod.metadata?.namespace as string,
        gracePeriodSeconds: 0,
      });
    } catch {
      // Already gone.
    }
  }

  function onPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid as string;
    if (pod.metadata?.deletionTimestamp) {
      void removePod(pod);
      return;
    }
    if (seen.has(uid)) return;
    seen.add(uid);
    const phase = pod.status?.phase ?? 'Pending';
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const work =
      phase === 'Pending'
        ? runStep(pod)
        : reject(pod, 'the test kubelet restarted while this pod was running');
    work.catch((error: Error) => log(`Pod ${describe(pod)} failed in the test kubelet: ${error.message}`));
  }

  function onWorkflow(workflow: Workflow): void {
    const strategy = workflow.spec?.shutdown;
    if (!strategy) return;
    for (const step of running.values()) {
      if (step.pod.metadata?.namespace !== workflow.metadata?.namespace) continue;
      if (step.plan.workflow.uid !== workflow.metadata?.uid) continue;
      // Exit handlers still run under Stop (workflow/controller/exec_control.go).
      if (strategy === 'Stop' && step.plan.onExit) continue;
      step.terminate(`workflow shutdown with strategy ${strategy}`);
    }
  }

  const pods = makeInformer<V1Pod>(
    kube,
    '/api/v1/pods',
    () => core.listPodForAllNamespaces({ labelSelector: WORKFLOW_LABEL }),
    WORKFLOW_LABEL,
  );
  pods.on('add', onPod);
  pods.on('update', onPod);
  pods.on('delete', (pod) => running.get(pod.metadata?.uid as string)?.terminate('pod deleted'));

  const workflows = makeInformer<Workflow>(
    kube,
    `/apis/${ARGO.group}/${ARGO.version}/workflows`,
    () => custom.listClusterCustomObject({ ...ARGO, plural: 'workflows' }) as never,
  );
  workflows.on('add', onWorkflow);
  workflows.on('update', onWorkflow);

  // A watch that ends with an error other than 410 Gone stops the informer: start it again.
  let stopped = false;
  for (const informer of [pods, workflows]) {
    informer.on('error', (error: unknown) => {
      if (stopped) return;
      log(`Watch failed (${(error as Error)?.message ?? error}); starting it again`);
      setTimeout(() => {
        if (!stopped) void informer.start().catch(() => {});
      }, 1_000);
    });
  }
  await Promise.all([pods.start(), workflows.start()]);
  return {
    stop: () => {
      stopped = true;
      void pods.stop();
      void workflows.stop();
      for (const step of running.values()) step.terminate('test kubelet stopped');
    },
  };
}
