// PURE: the group's status from its state, in kstatus' terms so that `kubectl wait
// --for=condition=Ready`, Flux health checks and Argo CD read it without special code: `Ready`
// (True / False / Unknown while rolling out), `Reconciling` and `Stalled` only while true, each with a
// reason and a message, and `observedGeneration`. Time comes in as `now`.
import type { ApplicationGroupStatus, ApplicationStatus } from '../../../lib/api/application-group.ts';
import type { Condition } from '../../../lib/api/meta.ts';
import { formatProblem } from '../../../lib/errors.ts';
import { workflowName } from '../expand/settings.ts';
import { type GroupState, type OwnedWorkflow, remediationOf } from './state.ts';
import { type WorkflowProgress, workflowProgress } from './workflow-progress.ts';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';
export type ConditionReason =
  | 'Progressing'
  | 'Succeeded'
  | 'Failed'
  | 'InvalidSpec'
  | 'Stopping'
  | 'Deleting'
  | 'DeletionFailed'
  | 'ExecutorMissing'
  | 'SpecTooLarge'
  | 'Remediating'
  | 'RolledBack'
  | 'Uninstalled'
  | 'RemediationFailed';

interface Wanted {
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
const stalled = (reason: ConditionReason, message: string): Wanted[] => [
  { type: 'Ready', status: 'False', reason, message },
  { type: 'Stalled', status: 'True', reason, message },
];

const count = (apps: readonly ApplicationStatus[], phase: ApplicationStatus['phase']) =>
  apps.filter((a) => a.phase === phase).length;

function describeFailure(progress: WorkflowProgress, workflow: OwnedWorkflow, verb: string): string {
  const failure = progress.failure;
  if (!failure)
    return `Workflow ${workflow.name} failed: ${workflow.workflow.status?.message ?? 'no step failed'}`;
  const what = failure.subchart
    ? `subchart ${failure.subchart} of application ${failure.application}`
    : `application ${failure.application}`;
  return `${what} failed to ${verb}: ${failure.message} (Workflow ${workflow.name})`;
}

/** A failed rollout and what its remediation did: the failure first, then what became of it. */
function describeRemediation(state: GroupState, forward: OwnedWorkflow | undefined): Described {
  const progress = forward ? workflowProgress(state.group, forward.workflow, 'apply') : undefined;
  // The forward Workflow may be gone (deleted by someone) while its remediation is still there.
  const failure =
    forward && progress
      ? describeFailure(progress, forward, 'install or upgrade')
      : `the rollout of generation ${state.generation} failed (Workflow ${workflowName(state.group, state.generation, 'forward', state.attempt)}, deleted since)`;
  const remediation = remediationOf(state);
  if (remediation.how === 'none') {
    const message = remediation.why ? `${failure}; not remediated: ${remediation.why}` : failure;
    return {
      wanted: [{ type: 'Ready', status: 'False', reason: 'Failed', message }],
      applications: progress?.applications,
      workflow: forward,
    };
  }
  const restored = remediation.how === 'rollback' ? remediation.to : undefined;
  const what = restored
    ? `rolling back to generation ${restored.generation}`
    : 'uninstalling every release of the group';
  const rollback = state.rollback;
  if (!rollback || rollback.outcome === 'Running') {
    const message = `${failure}; remediating: ${what}`;
    return {
      wanted: [
        { type: 'Ready', status: 'False', reason: 'Failed', message },
        { type: 'Reconciling', status: 'True', reason: 'Remediating', message },
      ],
      applications: progress?.applications,
      workflow: rollback ?? forward,
    };
  }
  // (The restored spec is unknown only if the record was lost while the rollback ran: the group's own then.)
  const restoredGroup = restored ? { ...state.group, spec: restored.spec ?? state.group.spec } : undefined;
  const remediationProgress = workflowProgress(
    restoredGroup ?? state.group,
    rollback.workflow,
    restoredGroup ? 'apply' : 'delete',
  );
  if (rollback.outcome === 'Failed') {
    const message = `${failure}; then ${describeFailure(remediationProgress, rollback, restored ? 'roll back' : 'uninstall')}`;
    return {
      wanted: stalled('RemediationFailed', message),
      applications: progress?.applications,
      workflow: rollback,
    };
  }
  // Remediated: what the last successful spec has is back at its chart version (those the failed
  // spec had removed too, listed after the group's own); the rest is gone.
  const back = new Map(
    (restored ? remediationProgress.applications : []).map((a) => [
      a.name,
      { ...a, phase: 'RolledBack' as const },
    ]),
  );
  const current = new Set(state.group.spec.applications.map((app) => app.name));
  const applications: ApplicationStatus[] = [
    ...state.group.spec.applications.map(
      (app) => back.get(app.name) ?? { name: app.name, phase: 'Deleted' as const },
    ),
    ...[...back.values()].filter((a) => !current.has(a.name)),
  ];
  const done = restored
    ? `rolled back to generation ${restored.generation}`
    : 'every release of the group was uninstalled';
  return {
    wanted: [
      {
        type: 'Ready',
        status: 'False',
        reason: restored ? 'RolledBack' : 'Uninstalled',
        message: `${failure}; ${done} (Workflow ${rollback.name})`,
      },
    ],
    applications,
    workflow: rollback,
  };
}

/** The Workflow of the group status describes, with its type and Argo's phase. */
function workflowRef(workflow: OwnedWorkflow): NonNullable<ApplicationGroupStatus['workflow']> {
  return { name: workflow.name, type: workflow.type, phase: workflow.workflow.status?.phase || 'Pending' };
}

interface Described {
  wanted: Wanted[];
  applications?: ApplicationStatus[];
  workflow?: OwnedWorkflow;
  succeeded?: boolean;
}

/** Ready, Reconciling and Stalled, the applications and the Workflow, for the state as it is. */
function describe(state: GroupState): Described {
  const group = state.group;
  const total = group.spec.applications.length;
  const reconciling = (reason: ConditionReason, message: string): Wanted[] => [
    { type: 'Ready', status: reason === 'Deleting' ? 'False' : 'Unknown', reason, message },
    { type: 'Reconciling', status: 'True', reason, message },
  ];

  if (state.deleting) {
    const reverse = state.reverse;
    const progress = reverse ? workflowProgress(group, reverse.workflow, 'delete') : undefined;
    if (reverse?.outcome === 'Failed' && progress) {
      const message = describeFailure(progress, reverse, 'uninstall');
      return {
        wanted: stalled('DeletionFailed', message),
        applications: progress.applications,
        workflow: reverse,
      };
    }
    const message = reverse
      ? `Uninstalling: ${count(progress?.applications ?? [], 'Deleted')}/${total} applications uninstalled (Workflow ${reverse.name})`
      : 'Uninstalling: stopping the rollout, then uninstalling dependents first';
    return {
      wanted: reconciling('Deleting', message),
      applications: progress?.applications,
      workflow: reverse,
    };
  }

  if (state.problems.length > 0) {
    const message = `The spec is invalid: ${state.problems.map(formatProblem).join('; ')}`;
    return {
      wanted: stalled('InvalidSpec', message),
    };
  }

  const forward = state.forward;
  if (!forward) {
    const stopping = state.others.find((w) => w.outcome === 'Running');
    if (stopping) {
      return {
        wanted: reconciling(
          'Stopping',
          `Stopping Workflow ${stopping.name} of generation ${stopping.generation}`,
        ),
      };
    }
    if (state.rollback) return describeRemediation(state, undefined);
    return { wanted: reconciling('Progressing', `Starting the rollout of generation ${state.generation}`) };
  }
  const progress = workflowProgress(group, forward.workflow, 'apply');
  const applications = progress.applications;
  if (forward.outcome === 'Succeeded') {
    const message = `All ${total} applications are ready (Workflow ${forward.name})`;
    return {
      wanted: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message }],
      applications,
      workflow: forward,
      succeeded: true,
    };
  }
  if (forward.outcome === 'Failed') return describeRemediation(state, forward);
  const message = `Rolling out: ${count(applications, 'Succeeded')}/${total} applications ready (Workflow ${forward.name})`;
  return { wanted: reconciling('Progressing', message), applications, workflow: forward };
}

/** What kept the pass from its action, for the user to fix (e.g. the executor's ServiceAccount is missing). */
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
