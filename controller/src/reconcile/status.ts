// PURE: the group's status from its state, in kstatus' terms so that `kubectl wait
// --for=condition=Ready`, Flux health checks and Argo CD read it without special code: `Ready`
// (True / False / Unknown while rolling out), `Reconciling` and `Stalled` only while true, each with a
// reason and a message, and `observedGeneration`. Time comes in as `now`.
import type { ApplicationGroupStatus } from '../../../lib/api/application-group.ts';
import type { Condition } from '../../../lib/api/meta.ts';
import type { GroupState, OwnedWorkflow } from './state.ts';
import { describe } from './status-describe.ts';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';
export type ConditionReason =
  | 'Progressing'
  | 'Succeeded'
  | 'Failed'
  | 'InvalidSpec'
  | 'PolicyDenied'
  | 'Conflict'
  | 'Stopping'
  | 'Deleting'
  | 'DeletionFailed'
  | 'ExecutorMissing'
  | 'SpecTooLarge'
  | 'WorkflowRefused'
  | 'Remediating'
  | 'RolledBack'
  | 'Uninstalled'
  | 'RemediationFailed';

export interface Wanted {
  type: ConditionType;
  status: Condition['status'];
  reason: ConditionReason;
  message: string;
}

/** The CRD caps a condition's message at 32768 characters; status stays well under it. */
export const MAX_MESSAGE = 4096;

const bounded = (message: string) =>
  message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;

/** The conditions wanted now; a condition whose status did not change keeps its transition time. */
export function nextConditions(
  previous: readonly Condition[] | undefined,
  wanted: readonly Wanted[],
  generation: number,
  now: string,
): Condition[] {
  return wanted.map((w) => {
    const before = previous?.find((c) => c.type === w.type);
    return {
      ...w,
      message: bounded(w.message),
      observedGeneration: generation,
      lastTransitionTime: before?.status === w.status ? before.lastTransitionTime : now,
    };
  });
}

/** A state only the user can get out of: not Ready, and Stalled, for the same reason. */
/** The Workflow of the group status describes, with its type and Argo's phase. */
function workflowRef(workflow: OwnedWorkflow): NonNullable<ApplicationGroupStatus['workflow']> {
  return { name: workflow.name, type: workflow.type, phase: workflow.workflow.status?.phase || 'Pending' };
}

export interface Blocked {
  reason: ConditionReason;
  message: string;
}

/** A reconcile request this pass handled: it started another attempt. */
export interface HandledRetry {
  request: string;
}

/** The status to write for the group now. */
export function groupStatus(
  state: GroupState,
  now: string,
  blocked?: Blocked,
  retry?: HandledRetry,
): ApplicationGroupStatus {
  const status = statusNow(state, now, blocked);
  // What the controller keeps for itself: the last request it acted on, and the attempt it runs.
  const previous = state.group.status ?? {};
  const lastHandledReconcileAt = retry?.request ?? previous.lastHandledReconcileAt;
  const attempt = retry ? state.attempt + 1 : state.attempt;
  return {
    ...status,
    ...(lastHandledReconcileAt !== undefined ? { lastHandledReconcileAt } : {}),
    ...(attempt > 0 ? { attempt: { generation: state.generation, number: attempt } } : {}),
  };
}

/**
 * The last generation that rolled out successfully: this one when it just did, else the latest of
 * what status said and the record says (an older generation's success may be recorded late).
 */
function lastSucceeded(
  state: GroupState,
  now: boolean,
): Pick<ApplicationGroupStatus, 'lastSucceededGeneration'> {
  const known = [
    now ? state.generation : undefined,
    state.record.succeeded?.generation,
    state.group.status?.lastSucceededGeneration,
  ].filter((g): g is number => g !== undefined);
  return known.length > 0 ? { lastSucceededGeneration: Math.max(...known) } : {};
}

function statusNow(state: GroupState, now: string, blocked?: Blocked): ApplicationGroupStatus {
  const previous = state.group.status ?? {};
  if (blocked) {
    return {
      ...previous,
      observedGeneration: state.generation,
      conditions: nextConditions(
        previous.conditions,
        [
          { type: 'Ready', status: 'False', ...blocked },
          { type: 'Stalled', status: 'True', ...blocked },
        ],
        state.generation,
        now,
      ),
    };
  }
  // This generation (or its remediation) finished and its Workflow is gone: what was recorded stays true.
  if (
    !state.deleting &&
    state.problems.length === 0 &&
    state.policyProblems.length === 0 &&
    ((!state.forward && !state.rollback && state.forwardGone) ||
      (state.forward?.outcome === 'Failed' && !state.rollback && state.rollbackFinishedAndGone))
  ) {
    return { ...previous, observedGeneration: state.generation, ...lastSucceeded(state, false) };
  }
  const { wanted, applications, workflow, succeeded } = describe(state);
  return {
    observedGeneration: state.generation,
    ...lastSucceeded(state, Boolean(succeeded)),
    conditions: nextConditions(previous.conditions, wanted, state.generation, now),
    ...(applications
      ? { applications }
      : previous.applications
        ? { applications: previous.applications }
        : {}),
    ...(workflow
      ? { workflow: workflowRef(workflow) }
      : previous.workflow
        ? { workflow: previous.workflow }
        : {}),
  };
}
