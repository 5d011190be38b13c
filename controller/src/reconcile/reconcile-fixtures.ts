// Fixtures shared by the reconcile tests: groups, rollout records and Workflows recorded from the
// real workflow-controller, at a given phase.
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import { recordedWorkflow } from '../../../test/support/recorded-workflows.ts';
import { releaseUnits } from '../expand/removal.ts';
import { EMPTY_RECORD, forwardStarting, type RolloutRecord } from './rollout-record.ts';
import { FINALIZER } from './state.ts';

export const UID = 'group-uid';
export const NOW = '2026-11-26T12:00:00Z';

export interface GroupOptions {
  generation?: number;
  finalizer?: boolean;
  deleting?: boolean;
  cycle?: boolean;
  status?: ApplicationGroup['status'];
  strategy?: 'Rollback' | 'Uninstall' | 'None';
  /** The reconcile-request annotation's value. */
  request?: string;
}

/** The `chain` group (first → second) the recorded Workflows were rendered from. */
export function chain({
  generation = 1,
  finalizer = true,
  deleting = false,
  cycle = false,
  status,
  strategy,
  request,
}: GroupOptions = {}) {
  const group = groupOf([application('first', cycle ? ['second'] : []), application('second', ['first'])], {
    name: 'chain',
    namespace: 'orkestra',
    uid: UID,
    generation,
    ...(finalizer ? { finalizers: [FINALIZER] } : {}),
    ...(deleting ? { deletionTimestamp: NOW } : {}),
    ...(request ? { annotations: { 'orkestra.azure.microsoft.com/reconcile': request } } : {}),
  });
  if (strategy) group.spec.remediation = { strategy };
  return status ? { ...group, status } : group;
}

/** The rollout record once `chain` at `generation` rolled out successfully. */
export const succeededAt = (generation: number): RolloutRecord => ({
  succeeded: { generation, spec: chain().spec },
  installed: releaseUnits(chain().spec),
});

/** The record once the forward Workflow of `generation` (attempt) was created, after `before`. */
export const pendingAt = (generation: number, before: RolloutRecord = EMPTY_RECORD, attempt = 0) =>
  forwardStarting(before, chain({ generation }), attempt);

export const recorded = (file: string) => recordedWorkflow(file.replace(/\.yaml$/, ''));

export type Recording = 'running' | 'succeeded' | 'failed';
export const RECORDINGS: Record<Recording, Workflow> = {
  running: recorded('forward-running.yaml'),
  succeeded: recorded('forward-succeeded.yaml'),
  failed: {
    ...recorded('forward-succeeded.yaml'),
    status: { ...recorded('forward-succeeded.yaml').status, phase: 'Failed' },
  },
};

/** A Workflow of the group: `type` of `generation`, in the state of a recorded one. */
export function workflow(
  type: 'forward' | 'reverse' | 'rollback',
  generation: number,
  as: Recording,
  { stopping = false, deleting = false, uid = UID, attempt = 0, restores = 0 } = {},
): Workflow {
  const base = type === 'reverse' && as === 'succeeded' ? recorded('reverse-succeeded.yaml') : RECORDINGS[as];
  const name = `chain-g${generation}${attempt ? `-r${attempt}` : ''}-${type}`;
  return {
    ...base,
    // Its nodes named after this Workflow, as Argo names them.
    status: { ...base.status, nodes: renamedNodes(base, name) },
    metadata: {
      ...base.metadata,
      name,
      labels: {
        'orkestra.azure.microsoft.com/generation': String(generation),
        'orkestra.azure.microsoft.com/workflow-type': type,
        ...(attempt ? { 'orkestra.azure.microsoft.com/attempt': String(attempt) } : {}),
      },
      ownerReferences: [{ apiVersion: 'x', kind: 'ApplicationGroup', name: 'chain', uid }],
      ...(deleting ? { deletionTimestamp: NOW } : {}),
      ...(restores
        ? { annotations: { 'orkestra.azure.microsoft.com/restores-generation': String(restores) } }
        : {}),
    },
    spec: { entrypoint: type, templates: [], ...(stopping ? { shutdown: 'Stop' } : {}) },
  };
}

/** The Workflow's nodes, `<its name>.<task>` becoming `<name>.<task>`. */
export function renamedNodes(workflow: Workflow, name: string) {
  const from = workflow.metadata.name as string;
  const nodes = (workflow.status?.nodes ?? {}) as Record<string, { name: string }>;
  return Object.fromEntries(
    Object.entries(nodes).map(([id, node]) => [
      id,
      { ...node, name: node.name === from ? name : node.name.replace(`${from}.`, `${name}.`) },
    ]),
  );
}
