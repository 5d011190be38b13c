// PURE: the one thing to do next for a group in a given state, as helm-controller's
// atomic_release.go actionForState picks one action per pass. The reconciler performs it, then the
// next event (the Workflow moving on, the group changing) brings the next pass; status is written
// after every pass from the state alone (status.ts).
import type { GroupState, OwnedWorkflow } from './state.ts';

export type Action =
  /** Hold the group until its releases are uninstalled: before anything is created for it. */
  | { type: 'AddFinalizer' }
  /** Render this generation's Workflow of that type and create it (with its release bundles). */
  | { type: 'CreateWorkflow'; workflow: 'forward' | 'reverse' }
  /** Ask Argo to stop a running Workflow (spec.shutdown: Stop); its running step ends on SIGTERM. */
  | { type: 'StopWorkflow'; name: string; why: string }
  /** Let the group go: its reverse Workflow uninstalled everything. */
  | { type: 'RemoveFinalizer' }
  /** Nothing to change until something moves; status still reflects the state. */
  | { type: 'Wait'; why: string };

const running = (w: OwnedWorkflow | undefined): w is OwnedWorkflow => w?.outcome === 'Running';

export function nextAction(state: GroupState): Action {
  return state.deleting ? nextDeletionAction(state) : nextRolloutAction(state);
}

function nextDeletionAction(state: GroupState): Action {
  if (!state.hasFinalizer) return { type: 'Wait', why: 'no finalizer: nothing to uninstall' };
  // A rollout still running would race the uninstall: stop it and wait until it has ended.
  const rollouts = [state.forward, ...state.others].filter(running).filter((w) => w.type !== 'reverse');
  const unstopped = rollouts.find((w) => !w.stopping);
  if (unstopped) return { type: 'StopWorkflow', name: unstopped.name, why: 'the group is being deleted' };
  if (rollouts.length > 0) return { type: 'Wait', why: `Workflow ${rollouts[0]?.name} is stopping` };
  // Any reverse Workflow of the group counts, whatever generation named it: the spec may be edited
  // while the group is being deleted, and that must not start a second uninstall beside the first.
  const reverses = [state.reverse, ...state.others].filter((w) => w?.type === 'reverse') as OwnedWorkflow[];
  const uninstalling = reverses.find((w) => w.outcome === 'Running' || w.deleting);
  if (uninstalling) return { type: 'Wait', why: `Workflow ${uninstalling.name} is uninstalling` };
  if (reverses.some((w) => w.outcome === 'Succeeded')) return { type: 'RemoveFinalizer' };
  const reverse = state.reverse;
  // Created again if someone deleted it (otherwise the group would hang on its finalizer); one of
  // an earlier generation that failed is retried under this generation's name once the spec changed.
  if (!reverse) return { type: 'CreateWorkflow', workflow: 'reverse' };
  return { type: 'Wait', why: `Workflow ${reverse.name} failed: the group stays until that is fixed` };
}

function nextRolloutAction(state: GroupState): Action {
  if (state.problems.length > 0) return { type: 'Wait', why: 'the spec is invalid' };
  if (!state.hasFinalizer) return { type: 'AddFinalizer' };
  // A Workflow of an older generation still running is stopped before this generation starts.
  const older = state.others.filter(running);
  const unstopped = older.find((w) => !w.stopping);
  if (unstopped) {
    return {
      type: 'StopWorkflow',
      name: unstopped.name,
      why: `generation ${state.generation} replaces generation ${unstopped.generation}`,
    };
  }
  if (older.length > 0) return { type: 'Wait', why: `Workflow ${older[0]?.name} is stopping` };
  const forward = state.forward;
  if (!forward && state.forwardFinishedAndGone) {
    return { type: 'Wait', why: 'this generation has rolled out; its Workflow was deleted since' };
  }
  if (!forward) return { type: 'CreateWorkflow', workflow: 'forward' };
  if (forward.deleting) return { type: 'Wait', why: `Workflow ${forward.name} is being deleted` };
  if (forward.outcome === 'Running') return { type: 'Wait', why: `Workflow ${forward.name} is rolling out` };
  return {
    type: 'Wait',
    why: `Workflow ${forward.name} ${forward.outcome === 'Succeeded' ? 'succeeded' : 'failed'}`,
  };
}
