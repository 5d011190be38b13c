// PURE: the state of one ApplicationGroup as the reconciler sees it — the group, whether its spec
// is valid, and the Workflows it owns, sorted by what they are to it — the way helm-controller's
// reconcile/state.go observes a release before anything picks an action.
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import type { Problem } from '../../../lib/errors.ts';
import { Labels } from '../../../lib/wire-names.ts';
import { type WorkflowType, workflowName } from '../expand/settings.ts';
import { validateApplicationGroup } from '../expand/validate.ts';

/** The finalizer that holds a group until its releases are uninstalled. */
export const FINALIZER = 'orkestra.azure.microsoft.com/finalizer';

/** A Workflow of the group: running (or not yet started by Argo), or finished either way. */
export type WorkflowOutcome = 'Running' | 'Succeeded' | 'Failed';

export interface OwnedWorkflow {
  name: string;
  type: WorkflowType;
  generation: number;
  outcome: WorkflowOutcome;
  /** Asked to stop (spec.shutdown); Argo is winding it down. */
  stopping: boolean;
  /** Being deleted: a new Workflow of that name must wait until it is gone. */
  deleting: boolean;
  workflow: Workflow;
}

export interface GroupState {
  group: ApplicationGroup;
  generation: number;
  deleting: boolean;
  hasFinalizer: boolean;
  /** What is wrong with the spec (the CRD cannot see cycles); empty when it is valid. */
  problems: Problem[];
  /** This generation's forward Workflow. */
  forward?: OwnedWorkflow;
  /** The reverse Workflow that uninstalls the group (named after the generation it deletes). */
  reverse?: OwnedWorkflow;
  /** Every other Workflow the group owns (older generations). */
  others: OwnedWorkflow[];
  /**
   * This generation's forward Workflow finished (as status recorded) and is gone since — deleted by
   * Argo's TTL or by someone: it is not run again.
   */
  forwardFinishedAndGone: boolean;
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
    outcome: outcomeOf(workflow),
    stopping: Boolean((workflow.spec as { shutdown?: string } | undefined)?.shutdown),
    deleting: Boolean(workflow.metadata.deletionTimestamp),
    workflow,
  };
}

/** Whether the group's status says Workflow `name` ran to an end. */
function recordedFinished(group: ApplicationGroup, name: string): boolean {
  const recorded = group.status?.workflow;
  return recorded?.name === name && ['Succeeded', 'Failed', 'Error'].includes(recorded.phase ?? '');
}

export function observeGroup(group: ApplicationGroup, workflows: readonly Workflow[]): GroupState {
  const generation = group.metadata.generation ?? 1;
  const validation = validateApplicationGroup(group);
  const owned = workflows.flatMap((w) => ownedWorkflow(group, w) ?? []);
  const forward = owned.find((w) => w.type === 'forward' && w.generation === generation);
  const reverse = owned.find((w) => w.type === 'reverse' && w.generation === generation);
  return {
    group,
    generation,
    deleting: Boolean(group.metadata.deletionTimestamp),
    hasFinalizer: group.metadata.finalizers?.includes(FINALIZER) ?? false,
    problems: validation.ok ? [] : validation.problems,
    forward,
    reverse,
    others: owned.filter((w) => w !== forward && w !== reverse),
    forwardFinishedAndGone: !forward && recordedFinished(group, workflowName(group, generation, 'forward')),
  };
}
