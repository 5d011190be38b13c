// PURE: the Pod statuses a real kubelet reports for an Argo step pod, as merge-patch bodies for the
// status subresource. Times come in as RFC 3339 strings.
//
// What Argo v4's controller reads (workflow/controller/operator.go, assessNodeStatus and
// inferFailedReason): the pod phase; for a Failed pod, status.message if set, else the terminated
// state of init, main and wait (`main: Error (exit code 1)`), any container still waiting making
// the node Error; the main container's exitCode as the node's (and retryStrategy's lastRetry)
// exit code; FinishedAt as the latest container finishedAt. A Running pod whose main container has
// terminated makes the controller try `pods/exec` into it (cleanUpPod), which needs a real kubelet,
// so a step goes from Running straight to its final phase with every container terminated.
import type {
  V1ContainerState,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
} from '@kubernetes/client-node';

export interface ContainerExit {
  exitCode: number;
  /** Termination message (argoexec writes its error there). */
  message?: string;
}

const HOST_IP = '127.0.0.1';

function containerStatus(
  pod: V1Pod,
  name: string,
  state: V1ContainerState,
  ready: boolean,
): V1ContainerStatus {
  const container = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (c) => c.name === name,
  );
  return {
    name,
    image: container?.image ?? '',
    imageID: '',
    containerID: `orkestra-test://${pod.metadata?.uid}/${name}`,
    ready,
    started: state.running !== undefined,
    restartCount: 0,
    state,
  };
}

const terminated = (exit: ContainerExit, startedAt: string, finishedAt: string): V1ContainerState => ({
  terminated: {
    exitCode: exit.exitCode,
    reason: exit.exitCode === 0 ? 'Completed' : 'Error',
    ...(exit.message ? { message: exit.message } : {}),
    startedAt: startedAt as unknown as Date,
    finishedAt: finishedAt as unknown as Date,
  },
});

function conditions(ready: boolean, at: string, reason?: string): V1PodCondition[] {
  const condition = (type: string, status: boolean): V1PodCondition => ({
    type,
    status: status ? 'True' : 'False',
    lastTransitionTime: at as unknown as Date,
    ...(status || !reason ? {} : { reason }),
  });
  return [
    condition('PodScheduled', true),
    condition('Initialized', true),
    condition('ContainersReady', ready),
    condition('Ready', ready),
  ];
}

const initDone = (pod: V1Pod, startedAt: string) =>
  (pod.spec?.initContainers ?? []).map((c) =>
    containerStatus(pod, c.name, terminated({ exitCode: 0 }, startedAt, startedAt), false),
  );

/** Init done, wait and main running. */
export function runningStatus(pod: V1Pod, startedAt: string): V1PodStatus {
  return {
    phase: 'Running',
    hostIP: HOST_IP,
    podIP: HOST_IP,
    podIPs: [{ ip: HOST_IP }],
    startTime: startedAt as unknown as Date,
    conditions: conditions(true, startedAt),
    initContainerStatuses: initDone(pod, startedAt),
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      containerStatus(pod, c.name, { running: { startedAt: startedAt as unknown as Date } }, true),
    ),
  };
}

/** Every container terminated: Succeeded when all exited 0, else Failed. */
export function finishedStatus(
  pod: V1Pod,
  exits: Record<string, ContainerExit>,
  startedAt: string,
  finishedAt: string,
): V1PodStatus {
  const succeeded = Object.values(exits).every((e) => e.exitCode === 0);
  return {
    phase: succeeded ? 'Succeeded' : 'Failed',
    hostIP: HOST_IP,
    podIP: HOST_IP,
    podIPs: [{ ip: HOST_IP }],
    startTime: startedAt as unknown as Date,
    conditions: conditions(false, finishedAt, 'PodCompleted'),
    initContainerStatuses: initDone(pod, startedAt),
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      containerStatus(
        pod,
        c.name,
        terminated(exits[c.name] ?? { exitCode: 0 }, startedAt, finishedAt),
        false,
      ),
    ),
  };
}

/** A pod the test kubelet cannot run: Failed with a message (Argo shows it as the node's message). */
export function rejectedStatus(message: string, at: string): V1PodStatus {
  return {
    phase: 'Failed',
    reason: 'TestKubeletRejected',
    message: `test kubelet: ${message}`,
    hostIP: HOST_IP,
    startTime: at as unknown as Date,
    conditions: conditions(false, at, 'PodFailed'),
  };
}
