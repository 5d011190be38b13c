// PURE: the one thing to do next for a group in a given state, as helm-controller's
// atomic_release.go actionForState picks one action per pass. The reconciler performs it, then the
// next event (the Workflow moving on, the group changing) brings the next pass; status is written
// after every pass from the state alone (status.ts).
import type { Success } from './rollout-record.ts';
import { type GroupState, type OwnedWorkflow, remediationOf } from './state.ts';

export type Action =
  /** Hold the group until its releases are uninstalled: before anything is created for it. */
  | { type: 'AddFinalizer' }
  /** Render this generation's (and attempt's) Workflow of that type and create it, with its bundles. */
  | { type: 'CreateWorkflow'; workflow: 'forward' | 'reverse' | 'rollback' }
  /** Ask Argo to stop a running Workflow (spec.shutdown: Stop); its running step ends on SIGTERM. */
  | { type: 'StopWorkflow'; name: string; why: string }
  /** Record a forward Workflow's spec as the last one that rolled out (for updates and rollbacks). */
  | { type: 'RecordSucceeded'; success: Success }
  /** Record that the remediation left only what it says installed (the last successful spec, or nothing). */
  | { type: 'RecordRemediated' }
  /** A reconcile request: start another attempt at this generation (its Workflows are named -r<attempt>-). */
  | { type: 'HandleRetry'; request: string }
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
  // A rollout or remediation still running would race the uninstall: stop it and wait until it ended.
  const rollouts = [state.forward, state.rollback, ...state.others]
    .filter(running)
    .filter((w) => w.type !== 'reverse');
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
  // First of all: a rollout that succeeded (or a remediation) is recorded — even if a newer
  // generation came since, or the spec turned invalid.
  if (state.successToRecord) return { type: 'RecordSucceeded', success: state.successToRecord };
  if (state.remediationToRecord) return { type: 'RecordRemediated' };
  if (state.problems.length > 0) return { type: 'Wait', why: 'the spec is invalid' };
  // Nothing of a spec the namespace's policy refuses is applied, not even a finalizer.
  if (state.policyProblems.length > 0) return { type: 'Wait', why: 'the policy refuses the spec' };
  if (!state.hasFinalizer) return { type: 'AddFinalizer' };
  // A Workflow of an older generation or attempt still running is stopped before this one starts.
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

  const { forward, rollback } = state;
  if (state.retryRequested !== undefined) {
    // Only a finished attempt is run again: a request made while it runs waits for its end.
    const busy = [forward, rollback].find(running);
    if (busy) return { type: 'Wait', why: `the reconcile request waits for Workflow ${busy.name} to finish` };
    return { type: 'HandleRetry', request: state.retryRequested };
  }
  // How the rollout went: its Workflow's outcome, or (once deleted) what status and its rollback say.
  const outcome = forward?.outcome ?? state.forwardGone;
  const name = forward?.name ?? `the forward Workflow of generation ${state.generation}`;
  if (!outcome) return { type: 'CreateWorkflow', workflow: 'forward' };
  if (forward?.deleting) return { type: 'Wait', why: `Workflow ${forward.name} is being deleted` };
  if (outcome === 'Running') return { type: 'Wait', why: `Workflow ${name} is rolling out` };
  if (outcome === 'Succeeded') {
    return {
      type: 'Wait',
      why: forward
        ? `Workflow ${name} succeeded`
        : 'this generation has rolled out; its Workflow was deleted since',
    };
  }
  // The rollout failed: remediate once, as the strategy says; a remediation that fails is not retried.
  const remediation = remediationOf(state);
  if (remediation.how === 'none') {
    return {
      type: 'Wait',
      why: `${name} failed; not remediated${remediation.why ? `: ${remediation.why}` : ''}`,
    };
  }
  if (!rollback && state.rollbackFinishedAndGone) {
    return { type: 'Wait', why: 'this generation was remediated; its Workflow was deleted since' };
  }
  // Created again if someone deleted it while it ran.
  if (!rollback) return { type: 'CreateWorkflow', workflow: 'rollback' };
  return {
    type: 'Wait',
    why: `Workflow ${rollback.name} ${rollback.outcome === 'Running' ? 'is remediating' : 'finished'}`,
  };
}
