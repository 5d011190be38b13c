// The test kubelet: the one part of a cluster the harness plays (there is no kubelet or container
// runtime here). It watches the step pods Argo's workflow-controller creates and does for each what
// a node's kubelet and Argo's own argoexec (init, wait, emissary) would do:
//
//   1. binds the pod to the node `orkestra-test-node`, reports init done and wait + main running;
//   2. mounts the pod's ServiceAccount token: a TokenRequest bound to the pod, written as a
//      kubeconfig (server, CA, token, the pod's namespace) — the in-cluster config the container
//      would read — so the program has exactly the RBAC of its ServiceAccount;
//   3. as `wait` does on start, creates the WorkflowTaskResult (report-outputs-completed "false"),
//      with the same token (on AlreadyExists, for a pod Argo created again, it patches it);
//   4. runs the main container's program (pod-plan.ts) as a local process group with the
//      container's env, its command and args expanded as the kubelet does (`$(VAR)` from the
//      container's env, `$$` → `$`; service-link variables are not modelled). Files: each
//      emptyDir is a folder, a writable root filesystem another, a read-only one nothing (pod-plan.ts hostPathOf); TMPDIR points at the container's /tmp, or
//      where nothing can be written when /tmp is on a read-only root. As the emissary does, args
//      Argo offloaded to a ConfigMap are read from it and those over 128 KiB passed as `@file`
//      (the file's path on this machine: the process does not see the container's paths).
//      Output goes to <dir>/pods/<namespace>/<pod>/<uid>/main.log;
//   5. as `wait` does at the end, reads the output parameters from their paths, merge-patches them
//      into the task result, then sets report-outputs-completed "true";
//   6. reports every container terminated (main with the program's exit code, 128 + N after signal
//      N, 64 when it could not start, as the emissary reports them; wait 64 with its first error)
//      and the phase, Succeeded or Failed, in one update.
//
// Stopping: when Argo decides to stop a running step (`argo stop`/`terminate`, a workflow
// deadline) it marks the node Failed — "workflow shutdown with strategy: …" or "Step exceeded its
// deadline" (workflow/controller/exec_control.go) — and runs `argoexec kill 15 1` in each running
// container by `pods/exec` (workflow/signal/signal.go), which the API server proxies to the node's
// kubelet. There is no kubelet endpoint here, so the exec fails; the test kubelet follows the
// Workflow's node messages instead and sends SIGTERM, then SIGKILL after the pod's grace period. As
// in a real pod, where `wait` is signalled together with `main` and collects outputs at once,
// outputs of a stopped step are read when the signal is sent (usually their defaults).
//
// A deleted pod's program is stopped the same way; only then is the deletion confirmed (a pod
// bound to a node is removed when its kubelet says so), so `wait` can still report with the pod's
// token. Unknown images and pods it cannot run fail with status.message naming the problem.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
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
import pRetry from 'p-retry';
import { isTransient, statusOf } from '../../../executor/src/kube-errors.ts';
import type { LocalImage } from '../images.ts';
import {
  collectOutputs,
  hostPathOf,
  initialTaskResult,
  offloadConfigMapName,
  offloadLargeArguments,
  planPod,
  REPORT_OUTPUTS_COMPLETED,
  referencedSecrets,
  type StepPlan,
  type TemplateOutputs,
  WORKFLOW_LABEL,
} from './pod-plan.ts';
import { type ContainerExit, finishedStatus, rejectedStatus, runningStatus } from './pod-status.ts';

export const NODE_NAME = 'orkestra-test-node';
const ARGO = { group: 'argoproj.io', version: 'v1alpha1' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const now = () => new Date().toISOString();
/** argoexec's exit code for its own failures (cmd/argoexec/main.go). */
const ARGOEXEC_FAILED = 64;
/** Node messages with which Argo's controller stops a running step (exec_control.go). */
const STOPPING_NODE = /^(workflow shutdown with strategy|Step exceeded its deadline)/;

export interface KubeletOptions {
  kube: KubeConfig;
  /** Where each pod gets its folder: pods/<namespace>/<pod>/<uid>/{volumes/, kubeconfig, main.log}. */
  dir: string;
  images: ReadonlyMap<string, LocalImage>;
  log: (line: string) => void;
}

interface Step {
  pod: V1Pod;
  workflowUid?: string;
  nodeId?: string;
  /** Stops the program (SIGTERM, SIGKILL after `graceSeconds`), or keeps it from starting. */
  terminate: (why: string, graceSeconds?: number) => void;
  /** Settles when the step is over: outputs reported, final pod status written. */
  finished: Promise<void>;
}

interface Workflow extends KubernetesObject {
  status?: { nodes?: Record<string, { message?: string }> };
}

/** Each pod's own folder; by UID, since Argo may create a pod again under the same name. */
export function podFolder(dir: string, pod: Pick<KubernetesObject, 'metadata'>): string {
  return join(dir, 'pods', pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', pod.metadata?.uid ?? '');
}

/** For a /tmp on a read-only root: a path below a plain file, where every write fails. */
function unwritableFolder(podFolder: string): string {
  const file = join(podFolder, 'read-only-root-filesystem');
  writeFileSync(file, 'The container’s root filesystem is read-only.\n');
  return join(file, 'tmp');
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

/** Retries API calls that got no answer, 429 or 5xx (the executor's rule), as argoexec and the kubelet do. */
function retrying<T>(call: () => Promise<T>): Promise<T> {
  return pRetry(call, {
    retries: 8,
    minTimeout: 100,
    maxTimeout: 2_000,
    shouldRetry: ({ error }) => isTransient(error),
  });
}

/** What `wait` does last: merge-patch the outputs into the task result, then mark it complete. */
async function reportOutputs(
  api: CustomObjectsApi,
  namespace: string,
  nodeId: string,
  outputs: TemplateOutputs | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  const patch = (body: object) =>
    retrying(() =>
      api.patchNamespacedCustomObject(
        { ...ARGO, namespace, plural: 'workflowtaskresults', name: nodeId, body },
        mergePatch,
      ),
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
}: KubeletOptions): Promise<{ stop: () => Promise<void> }> {
  const core = kube.makeApiClient(CoreV1Api);
  const custom = kube.makeApiClient(CustomObjectsApi);
  const seen = new Set<string>();
  const steps = new Map<string, Step>();

  const describe = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const patchPodStatus = (pod: V1Pod, status: V1PodStatus) =>
    retrying(() =>
      core.patchNamespacedPodStatus(
        {
          name: pod.metadata?.name as string,
          namespace: pod.metadata?.namespace as string,
          body: { status },
        },
        mergePatch,
      ),
    );

  async function bind(pod: V1Pod): Promise<void> {
    if (pod.spec?.nodeName) return;
    await retrying(() =>
      core.createNamespacedPodBinding({
        name: pod.metadata?.name as string,
        namespace: pod.metadata?.namespace as string,
        body: {
          metadata: { name: pod.metadata?.name as string },
          target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME },
        },
      }),
    );
  }

  async function reject(pod: V1Pod, message: string): Promise<void> {
    log(`Rejected pod ${describe(pod)}: ${message}`);
    await patchPodStatus(pod, rejectedStatus(message, now()));
  }

  /** Runs one step pod from start to its final status; `step` is registered before it starts. */
  async function runStep(pod: V1Pod, step: Step, cancelled: () => boolean): Promise<void> {
    const namespace = pod.metadata?.namespace as string;
    const name = pod.metadata?.name as string;
    await bind(pod);
    const offloadName = offloadConfigMapName(pod);
    const offloaded = offloadName
      ? ((await retrying(() => core.readNamespacedConfigMap({ name: offloadName, namespace }))).data ?? {})
      : {};
    const secrets = new Map<string, Record<string, string>>();
    for (const secretName of referencedSecrets(pod.spec?.containers?.find((c) => c.name === 'main'))) {
      const secret = await retrying(() => core.readNamespacedSecret({ name: secretName, namespace })).catch(
        (error) => {
          if (statusOf(error) === 404) return undefined;
          throw error;
        },
      );
      if (secret) {
        const data = Object.entries(secret.data ?? {}).map(([key, value]) => [
          key,
          Buffer.from(value, 'base64').toString('utf8'),
        ]);
        secrets.set(secretName, Object.fromEntries(data));
      }
    }
    const plan = planPod(pod, images, offloaded, secrets);
    if (plan.kind === 'reject') return reject(pod, plan.message);
    step.workflowUid = plan.workflow.uid;
    step.nodeId = plan.nodeId;

    let token: string;
    try {
      const request = await retrying(() =>
        core.createNamespacedServiceAccountToken({
          name: plan.serviceAccount,
          namespace,
          body: {
            spec: {
              audiences: [],
              expirationSeconds: 3600,
              boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata?.uid },
            },
          },
        }),
      );
      token = request.status?.token as string;
    } catch (error) {
      return reject(pod, `no token for ServiceAccount ${plan.serviceAccount}: ${(error as Error).message}`);
    }
    const folder = podFolder(dir, pod);
    const containerFiles = prepareFilesystem(plan, folder);
    const kubeconfigPath = join(folder, 'kubeconfig');
    writeFileSync(kubeconfigPath, serviceAccountKubeconfig(kube, token, namespace), { mode: 0o600 });
    const podKube = new KubeConfig();
    podKube.loadFromFile(kubeconfigPath);
    const podCustom = podKube.makeApiClient(CustomObjectsApi);

    // `wait` starts: the task result exists (not complete) before main runs.
    const waitProblems: string[] = [];
    try {
      await retrying(() =>
        podCustom.createNamespacedCustomObject({
          ...ARGO,
          namespace,
          plural: 'workflowtaskresults',
          body: initialTaskResult(namespace, plan),
        }),
      ).catch((error: unknown) => {
        if (statusOf(error) !== 409) throw error;
        return reportOutputs(podCustom, namespace, plan.nodeId, undefined).then(() => undefined);
      });
    } catch (error) {
      waitProblems.push(`creating WorkflowTaskResult ${plan.nodeId}: ${(error as Error).message}`);
    }

    const startedAt = now();
    await patchPodStatus(pod, runningStatus(pod, startedAt));
    let mainExit: ContainerExit;
    let outputsAtSignal: ReturnType<typeof collectOutputs> | undefined;
    const offload = plan.argsFromFile
      ? offloadLargeArguments(plan.command, containerFiles.write)
      : { command: plan.command };
    if (cancelled()) {
      mainExit = { exitCode: 128 + constants.signals.SIGTERM };
    } else if ('problem' in offload) {
      mainExit = { exitCode: ARGOEXEC_FAILED, message: offload.problem };
    } else {
      const [program, ...args] = offload.command;
      const logFd = openSync(join(folder, 'main.log'), 'a');
      const child = spawn(program as string, args, {
        cwd: folder,
        detached: true, // its own process group, which the emissary signals as a whole
        env: {
          PATH: process.env.PATH,
          HOSTNAME: name,
          HOME: containerFiles.tmp,
          ...plan.env,
          TMPDIR: containerFiles.tmp,
          KUBECONFIG: kubeconfigPath,
        },
        stdio: ['ignore', logFd, logFd],
      });
      closeSync(logFd);
      log(`Started pod ${describe(pod)} (node ${plan.nodeId}): ${offload.command.join(' ').slice(0, 300)}`);
      const exited = new Promise<ContainerExit>((resolve) => {
        child.once('error', (error) => resolve({ exitCode: ARGOEXEC_FAILED, message: error.message }));
        child.once('exit', (code, signal) =>
          resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) }),
        );
      });
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-(child.pid as number), signal);
        } catch {
          // Already gone.
        }
      };
      let signalled = false;
      step.terminate = (why, graceSeconds = plan.graceSeconds) => {
        if (signalled || child.exitCode !== null || child.signalCode !== null) return;
        signalled = true;
        outputsAtSignal = collectOutputs(plan.outputs, containerFiles.read);
        log(`Sending SIGTERM to pod ${describe(pod)}: ${why}`);
        signalGroup('SIGTERM');
        const kill = setTimeout(() => signalGroup('SIGKILL'), graceSeconds * 1000);
        void exited.then(() => clearTimeout(kill));
      };
      mainExit = await exited;
      log(`Pod ${describe(pod)} main exited ${mainExit.exitCode}`);
    }

    // `wait` ends: report outputs, then mark them complete (always, or the node would hang).
    const collected = outputsAtSignal ?? collectOutputs(plan.outputs, containerFiles.read);
    if ('problem' in collected) waitProblems.push(collected.problem);
    const outputs = 'outputs' in collected ? collected.outputs : undefined;
    waitProblems.push(...(await reportOutputs(podCustom, namespace, plan.nodeId, outputs)));
    // argoexec exits with its first error as the termination message.
    const waitExit: ContainerExit = waitProblems.length
      ? { exitCode: ARGOEXEC_FAILED, message: waitProblems[0] }
      : { exitCode: 0 };
    if (waitProblems.length) log(`Pod ${describe(pod)} wait failed: ${waitProblems.join('; ')}`);
    await patchPodStatus(pod, finishedStatus(pod, { main: mainExit, wait: waitExit }, startedAt, now()));
  }

  /** Folders for the pod's emptyDirs and root filesystem; reads and writes by container path. */
  function prepareFilesystem(plan: StepPlan, folder: string) {
    mkdirSync(folder, { recursive: true });
    for (const { volume } of plan.filesystem.emptyDirs)
      mkdirSync(join(folder, 'volumes', volume), { recursive: true });
    if (!plan.filesystem.readOnlyRoot) mkdirSync(join(folder, 'rootfs', 'tmp'), { recursive: true });
    const hostPath = (path: string) => hostPathOf(plan.filesystem, folder, path);
    return {
      tmp: hostPath('/tmp') ?? unwritableFolder(folder),
      read: (path: string) => {
        const at = hostPath(path);
        try {
          return at === undefined ? undefined : readFileSync(at, 'utf8');
        } catch {
          return undefined;
        }
      },
      write: (path: string, content: string) => {
        const at = hostPath(path);
        if (at === undefined) return undefined;
        mkdirSync(dirname(at), { recursive: true });
        writeFileSync(at, content);
        return at;
      },
    };
  }

  function startStep(pod: V1Pod): void {
    const uid = pod.metadata?.uid as string;
    let cancelled = false;
    let markFinished = () => {};
    const step: Step = {
      pod,
      // Until the program runs, stopping means it never starts.
      terminate: () => {
        cancelled = true;
      },
      finished: new Promise<void>((resolve) => {
        markFinished = resolve;
      }),
    };
    steps.set(uid, step);
    runStep(pod, step, () => cancelled)
      .catch(async (error: Error) => {
        // Whatever went wrong, the pod ends: Argo must not wait for it forever.
        log(`Pod ${describe(pod)} failed in the test kubelet: ${error.message}`);
        await reject(pod, `failed to run the pod: ${error.message}`).catch(() => {});
      })
      .finally(() => {
        steps.delete(uid);
        markFinished();
      });
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
    const step = steps.get(uid);
    if (step) {
      step.terminate('pod deleted', pod.metadata?.deletionGracePeriodSeconds);
      await step.finished;
    }
    if (pod.spec?.nodeName !== NODE_NAME) return;
    try {
      await retrying(() =>
        core.deleteNamespacedPod({
          name: pod.metadata?.name as string,
          namespace: pod.metadata?.namespace as string,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        }),
      );
      log(`Confirmed the deletion of pod ${describe(pod)}`);
    } catch (error) {
      if (statusOf(error) !== 404) log(`Deleting pod ${describe(pod)} failed: ${(error as Error).message}`);
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
    if (phase === 'Pending') {
      startStep(pod);
      return;
    }
    // Running, but not by this process: it restarted. Report the step failed, wait included, and
    // complete its task result, as `wait` would on its way out.
    const nodeId = pod.metadata?.annotations?.['workflows.argoproj.io/node-id'];
    const at = now();
    const exits = {
      main: { exitCode: 137, message: 'the test kubelet restarted while this pod was running' },
      wait: { exitCode: ARGOEXEC_FAILED, message: 'the test kubelet restarted while this pod was running' },
    };
    void Promise.all([
      nodeId ? reportOutputs(custom, pod.metadata?.namespace as string, nodeId, undefined) : undefined,
      patchPodStatus(pod, finishedStatus(pod, exits, at, at)),
    ]).catch((error: Error) => log(`Pod ${describe(pod)}: ${error.message}`));
  }

  function onWorkflow(workflow: Workflow): void {
    const nodes = workflow.status?.nodes ?? {};
    for (const step of steps.values()) {
      if (step.workflowUid !== workflow.metadata?.uid || !step.nodeId) continue;
      const message = nodes[step.nodeId]?.message;
      if (message && STOPPING_NODE.test(message)) step.terminate(message);
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
  pods.on('delete', (pod) => steps.get(pod.metadata?.uid as string)?.terminate('pod deleted'));

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
    /** Stops watching, and every running program; resolves once their pods are reported. */
    stop: async () => {
      stopped = true;
      void pods.stop();
      void workflows.stop();
      for (const step of steps.values()) step.terminate('test kubelet stopped');
      await Promise.all([...steps.values()].map((step) => step.finished));
    },
  };
}
