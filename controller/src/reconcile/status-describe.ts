// PURE: what the group's state means for its status — the conditions wanted (Ready, Reconciling,
// Stalled with reason and message), the applications and the Workflow to show — for status.ts to
// turn into the status itself.
import type { ApplicationStatus } from '../../../lib/api/application-group.ts';
import { formatProblem } from '../../../lib/errors.ts';
import { workflowName } from '../expand/settings.ts';
import { type GroupState, type OwnedWorkflow, remediationOf } from './state.ts';
import type { ConditionReason, Wanted } from './status.ts';
import { type WorkflowProgress, workflowProgress } from './workflow-progress.ts';

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

export interface Described {
  wanted: Wanted[];
  applications?: ApplicationStatus[];
  workflow?: OwnedWorkflow;
  succeeded?: boolean;
}

/** Ready, Reconciling and Stalled, the applications and the Workflow, for the state as it is. */
export function describe(state: GroupState): Described {
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

  if (state.policyProblems.length > 0) {
    const message = `The policy refuses the spec, and nothing of it is applied: ${state.policyProblems.map(formatProblem).join('; ')}`;
    return { wanted: stalled('PolicyDenied', message) };
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
