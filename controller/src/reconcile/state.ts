// PURE: the state of one ApplicationGroup as the reconciler sees it — the group, whether its spec
// is valid, the Workflows it owns sorted by what they are to it, and what it last rolled out
// successfully — the way helm-controller's reconcile/state.go observes a release before anything
// picks an action.
import {
  type ApplicationGroup,
  type ApplicationGroupSpec,
  RECONCILE_ANNOTATION,
  type RemediationStrategy,
} from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import type { Problem } from '../../../lib/errors.ts';
import { checkGroupPolicy, type PolicyView } from '../../../lib/policy/check-group.ts';
import { Labels } from '../../../lib/wire-names.ts';
import { type WorkflowType, workflowName } from '../expand/settings.ts';
import { validateApplicationGroup } from '../expand/validate.ts';
import { EMPTY_RECORD, type RolloutRecord, recordName, type Success } from './rollout-record.ts';

/** The finalizer that holds a group until its releases are uninstalled. */
export const FINALIZER = 'orkestra.azure.microsoft.com/finalizer';

/** A Workflow of the group: running (or not yet started by Argo), or finished either way. */
export type WorkflowOutcome = 'Running' | 'Succeeded' | 'Failed';

export interface OwnedWorkflow {
  name: string;
  type: WorkflowType;
  generation: number;
  attempt: number;
  outcome: WorkflowOutcome;
  /** Asked to stop (spec.shutdown); Argo is winding it down. */
  stopping: boolean;
  /** Being deleted: a new Workflow of that name must wait until it is gone. */
  deleting: boolean;
  /** A rollback Workflow that returns to the last successful spec: that spec's generation. */
  restores?: number;
  workflow: Workflow;
}

export interface GroupState {
  group: ApplicationGroup;
  generation: number;
  /** Which attempt at this generation runs (0: the first; a handled reconcile request adds one). */
  attempt: number;
  deleting: boolean;
  hasFinalizer: boolean;
  /** What is wrong with the spec (the CRD cannot see cycles); empty when it is valid. */
  problems: Problem[];
  /** What of the spec its namespace's policy refuses; empty when it allows all of it. */
  policyProblems: Problem[];
  /** The namespace's policy and what the check knows of the world; none: nothing is checked (tests). */
  policy?: PolicyView;
  strategy: RemediationStrategy;
  /** This generation and attempt's forward Workflow. */
  forward?: OwnedWorkflow;
  /** This generation and attempt's rollback (remediation) Workflow. */
  rollback?: OwnedWorkflow;
  /** The reverse Workflow that uninstalls the group (named after the generation it deletes). */
  reverse?: OwnedWorkflow;
  /** Every other Workflow the group owns (older generations and attempts). */
  others: OwnedWorkflow[];
  /**
   * This generation's forward Workflow is gone — deleted by Argo's TTL or by someone — after it
   * finished: as status recorded, or Failed since its rollback exists or was recorded. It is not run
   * again.
   */
  forwardGone?: 'Succeeded' | 'Failed';
  /** The same of its rollback Workflow. */
  rollbackFinishedAndGone: boolean;
  /** What the controller remembers of the group's rollouts (a ConfigMap the group owns). */
  record: RolloutRecord;
  /** A forward Workflow that succeeded and the record does not say so yet. */
  successToRecord?: Success;
  /** This generation and attempt's rollback Workflow succeeded, and the record does not say so yet. */
  remediationToRecord: boolean;
  /** A reconcile request (annotation value) not handled yet. */
  retryRequested?: string;
}

/** How a failed rollout is remediated; `none` says why when the strategy asked for more. */
export type Remediation =
  /** `spec` is unknown only when a rollback Workflow runs and the record was lost since. */
  | { how: 'rollback'; to: { generation: number; spec?: ApplicationGroupSpec } }
  | { how: 'uninstall' }
  | { how: 'none'; why?: string };

/**
 * What the rollback Workflow does, when there is one (as it was created); otherwise, by the
 * strategy: Rollback returns to the last successful spec, or uninstalls everything when no
 * generation ever succeeded — but never uninstalls a group that did succeed once and whose record
 * is lost, nor "rolls back" to the very generation that failed (a retry after it had succeeded).
 */
export function remediationOf(
  state: Pick<GroupState, 'strategy' | 'record' | 'generation' | 'group' | 'rollback' | 'policy'>,
): Remediation {
  const rollback = state.rollback;
  if (rollback) {
    if (rollback.restores === undefined) return { how: 'uninstall' };
    const known = state.record.succeeded;
    return {
      how: 'rollback',
      to: {
        generation: rollback.restores,
        spec: known?.generation === rollback.restores ? known.spec : undefined,
      },
    };
  }
  if (state.strategy === 'None') return { how: 'none' };
  if (state.strategy === 'Uninstall') return { how: 'uninstall' };
  const succeeded = state.record.succeeded;
  if (succeeded && succeeded.generation !== state.generation) {
    // The record is a ConfigMap others may write, and the policy may have changed since: what a
    // rollback would apply passes the policy as a new spec would.
    const refused = state.policy
      ? checkGroupPolicy(succeeded.spec, state.group.metadata.namespace as string, state.policy)
      : [];
    if (refused.length > 0) {
      return {
        how: 'none',
        why: `the policy refuses the spec of generation ${succeeded.generation}, the last that rolled out successfully: ${refused.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      };
    }
    return { how: 'rollback', to: succeeded };
  }
  if (succeeded) {
    return {
      how: 'none',
      why: `generation ${succeeded.generation} is itself the last that rolled out successfully`,
    };
  }
  const recorded = state.group.status?.lastSucceededGeneration;
  if (recorded !== undefined) {
    return {
      how: 'none',
      // Absent, or present but not usable (not the group's, over the size bound, not a valid record):
      // either way nothing of it is applied.
      why: `the record of generation ${recorded}, the last successful one, is missing or not usable (ConfigMap ${recordName(state.group)})`,
    };
  }
  return { how: 'uninstall' };
}

function outcomeOf(workflow: Workflow): WorkflowOutcome {
  switch (workflow.status?.phase) {
    case 'Succeeded':
      return 'Succeeded';
    case 'Failed':
    case 'Error':
      return 'Failed';
    default:
      return 'Running';
  }
}

/** The group's own Workflows: owned by this very object (its uid), with the labels the renderer sets. */
export function ownedWorkflow(group: ApplicationGroup, workflow: Workflow): OwnedWorkflow | undefined {
  const owned = workflow.metadata.ownerReferences?.some((o) => o.uid === group.metadata.uid);
  const labels = workflow.metadata.labels ?? {};
  const type = labels[Labels.workflowType];
  const generation = Number(labels[Labels.generation]);
  if (!owned || !(type === 'forward' || type === 'reverse' || type === 'rollback') || !(generation > 0))
    return undefined;
  return {
    name: workflow.metadata.name as string,
    type,
    generation,
    attempt: Number(labels[Labels.attempt] ?? 0) || 0,
    outcome: outcomeOf(workflow),
    stopping: Boolean((workflow.spec as { shutdown?: string } | undefined)?.shutdown),
    deleting: Boolean(workflow.metadata.deletionTimestamp),
    ...(Number(workflow.metadata.annotations?.[Labels.restores]) > 0
      ? { restores: Number(workflow.metadata.annotations?.[Labels.restores]) }
      : {}),
    workflow,
  };
}

/** How the group's status says Workflow `name` ended, if it did. */
function recordedOutcome(group: ApplicationGroup, name: string): 'Succeeded' | 'Failed' | undefined {
  const recorded = group.status?.workflow;
  if (recorded?.name !== name) return undefined;
  if (recorded.phase === 'Succeeded') return 'Succeeded';
  return recorded.phase === 'Failed' || recorded.phase === 'Error' ? 'Failed' : undefined;
}

/**
 * A forward Workflow that succeeded and is not on record: the pending one (whatever generation is
 * current), or this generation's when the record was lost meanwhile (its spec is the group's).
 */
function successToRecord(
  group: ApplicationGroup,
  generation: number,
  forward: OwnedWorkflow | undefined,
  owned: readonly OwnedWorkflow[],
  record: RolloutRecord,
): Success | undefined {
  const pending = record.pending;
  const pendingSucceeded = owned.some(
    (w) =>
      w.type === 'forward' &&
      w.outcome === 'Succeeded' &&
      w.generation === pending?.generation &&
      w.attempt === pending.attempt,
  );
  if (pending && pendingSucceeded) return { generation: pending.generation, spec: pending.spec };
  if (forward?.outcome === 'Succeeded' && !pending && record.succeeded?.generation !== generation)
    return { generation, spec: group.spec };
  return undefined;
}

/** How this generation's forward Workflow ended, when it is gone. */
function forwardGoneAs(
  group: ApplicationGroup,
  generation: number,
  attempt: number,
  rollback: OwnedWorkflow | undefined,
): Pick<GroupState, 'forwardGone'> {
  const recorded = recordedOutcome(group, workflowName(group, generation, 'forward', attempt));
  // A rollback exists (or was recorded, running or not) only after its forward failed.
  const remediated =
    rollback !== undefined ||
    group.status?.workflow?.name === workflowName(group, generation, 'rollback', attempt);
  const gone = recorded ?? (remediated ? 'Failed' : undefined);
  return gone ? { forwardGone: gone } : {};
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export function observeGroup(
  group: ApplicationGroup,
  workflows: readonly Workflow[],
  record: RolloutRecord = EMPTY_RECORD,
  defaultStrategy: RemediationStrategy = 'Rollback',
  policy?: PolicyView,
): GroupState {
  const generation = group.metadata.generation ?? 1;
  const recordedAttempt = group.status?.attempt;
  const attempt = recordedAttempt?.generation === generation ? recordedAttempt.number : 0;
  const validation = validateApplicationGroup(group);
  const owned = workflows.flatMap((w) => ownedWorkflow(group, w) ?? []);
  const current = (type: WorkflowType) =>
    owned.find((w) => w.type === type && w.generation === generation && w.attempt === attempt);
  const forward = current('forward');
  const rollback = current('rollback');
  const reverse = owned.find((w) => w.type === 'reverse' && w.generation === generation);
  const request = group.metadata.annotations?.[RECONCILE_ANNOTATION];
  return {
    group,
    generation,
    attempt,
    deleting: Boolean(group.metadata.deletionTimestamp),
    hasFinalizer: group.metadata.finalizers?.includes(FINALIZER) ?? false,
    problems: validation.ok ? [] : validation.problems,
    policyProblems:
      validation.ok && policy ? checkGroupPolicy(group.spec, group.metadata.namespace as string, policy) : [],
    ...(policy ? { policy } : {}),
    strategy: group.spec.remediation?.strategy ?? defaultStrategy,
    forward,
    rollback,
    reverse,
    others: owned.filter((w) => w !== forward && w !== rollback && w !== reverse),
    ...(forward ? {} : forwardGoneAs(group, generation, attempt, rollback)),
    rollbackFinishedAndGone:
      !rollback && recordedOutcome(group, workflowName(group, generation, 'rollback', attempt)) !== undefined,
    record,
    ...optional('successToRecord', successToRecord(group, generation, forward, owned, record)),
    remediationToRecord:
      rollback?.outcome === 'Succeeded' &&
      record.pending?.generation === generation &&
      record.pending.attempt === attempt,
    ...(request !== undefined && request !== group.status?.lastHandledReconcileAt
      ? { retryRequested: request }
      : {}),
  };
}
