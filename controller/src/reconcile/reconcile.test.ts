// The reconciler's pure core: observed state → next action, and state → status. Workflows are the
// ones recorded from the real workflow-controller (test/fixtures/argo/workflows/), owned by the group.
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { createLogger } from '../../../lib/log.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import { recordedWorkflow, shapesGroup } from '../../../test/support/recorded-workflows.ts';
import { releaseUnits } from '../expand/removal.ts';
import { ExecutorAccessMissingError } from './executor-access.ts';
import { type Action, nextAction } from './next-action.ts';
import { type ClusterCalls, reconcileGroup, resyncDelay } from './reconcile-group.ts';
import {
  EMPTY_RECORD,
  forwardStarting,
  RecordTooLargeError,
  type RolloutRecord,
  remediated,
} from './rollout-record.ts';
import { FINALIZER, observeGroup } from './state.ts';
import { groupStatus } from './status.ts';

const UID = 'group-uid';
const NOW = '2026-11-26T12:00:00Z';

interface GroupOptions {
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
function chain({
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
const succeededAt = (generation: number): RolloutRecord => ({
  succeeded: { generation, spec: chain().spec },
  installed: releaseUnits(chain().spec),
});

/** The record once the forward Workflow of `generation` (attempt) was created, after `before`. */
const pendingAt = (generation: number, before: RolloutRecord = EMPTY_RECORD, attempt = 0) =>
  forwardStarting(before, chain({ generation }), attempt);

const recorded = (file: string) => recordedWorkflow(file.replace(/\.yaml$/, ''));

type Recording = 'running' | 'succeeded' | 'failed';
const RECORDINGS: Record<Recording, Workflow> = {
  running: recorded('forward-running.yaml'),
  succeeded: recorded('forward-succeeded.yaml'),
  failed: {
    ...recorded('forward-succeeded.yaml'),
    status: { ...recorded('forward-succeeded.yaml').status, phase: 'Failed' },
  },
};

/** A Workflow of the group: `type` of `generation`, in the state of a recorded one. */
function workflow(
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
function renamedNodes(workflow: Workflow, name: string) {
  const from = workflow.metadata.name as string;
  const nodes = (workflow.status?.nodes ?? {}) as Record<string, { name: string }>;
  return Object.fromEntries(
    Object.entries(nodes).map(([id, node]) => [
      id,
      { ...node, name: node.name === from ? name : node.name.replace(`${from}.`, `${name}.`) },
    ]),
  );
}

describe('nextAction', () => {
  it.each<[string, ApplicationGroup, Workflow[], Action['type'], string?, RolloutRecord?]>([
    [
      'a new group gets the finalizer before anything is created',
      chain({ finalizer: false }),
      [],
      'AddFinalizer',
    ],
    [
      'a group with its finalizer and no Workflow → the forward Workflow',
      chain(),
      [],
      'CreateWorkflow',
      'forward',
    ],
    [
      'a cycle → no Workflow, whether or not it has the finalizer',
      chain({ cycle: true, finalizer: false }),
      [],
      'Wait',
    ],
    ['its forward Workflow running → wait for it', chain(), [workflow('forward', 1, 'running')], 'Wait'],
    [
      'its forward Workflow succeeded → its spec (recorded as pending) is kept as the last successful one',
      chain(),
      [workflow('forward', 1, 'succeeded')],
      'RecordSucceeded',
      undefined,
      pendingAt(1),
    ],
    [
      'its forward Workflow succeeded and its spec is kept → nothing more',
      chain(),
      [workflow('forward', 1, 'succeeded')],
      'Wait',
      undefined,
      succeededAt(1),
    ],
    [
      'its forward Workflow succeeded and the record was lost meanwhile → recorded from the group’s spec',
      chain(),
      [workflow('forward', 1, 'succeeded')],
      'RecordSucceeded',
    ],
    [
      'a success not recorded yet, and the spec turned invalid since → recorded all the same',
      chain({ generation: 2, cycle: true }),
      [workflow('forward', 1, 'succeeded')],
      'RecordSucceeded',
      undefined,
      pendingAt(1),
    ],
    [
      'its rollback deleted while it ran (status recorded it running), its forward deleted too → the rollback again',
      chain({
        generation: 2,
        status: { workflow: { name: 'chain-g2-rollback', type: 'rollback', phase: 'Running' } },
      }),
      [],
      'CreateWorkflow',
      'rollback',
      pendingAt(2, succeededAt(1)),
    ],
    [
      'an older generation’s rollout succeeded, not recorded yet, and a new generation came → recorded first',
      chain({ generation: 2 }),
      [workflow('forward', 1, 'succeeded')],
      'RecordSucceeded',
      undefined,
      pendingAt(1),
    ],
    [
      'a new generation with a last successful one → the forward Workflow (it removes what was dropped)',
      chain({ generation: 2 }),
      [workflow('forward', 1, 'succeeded')],
      'CreateWorkflow',
      'forward',
      succeededAt(1),
    ],
    [
      'its forward Workflow failed, Rollback, an earlier generation succeeded → the rollback Workflow',
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed')],
      'CreateWorkflow',
      'rollback',
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its forward Workflow failed, Rollback, nothing succeeded yet → the rollback Workflow (it uninstalls)',
      chain(),
      [workflow('forward', 1, 'failed')],
      'CreateWorkflow',
      'rollback',
      pendingAt(1),
    ],
    [
      'its forward Workflow failed, Rollback, generation 1 succeeded but its record is lost → left as it is, not uninstalled',
      chain({ generation: 2, status: { lastSucceededGeneration: 1 } }),
      [workflow('forward', 2, 'failed')],
      'Wait',
      'not remediated: the record of generation 1, the last successful one, is missing',
    ],
    [
      'a retried attempt failed at the very generation that succeeded → nothing older to roll back to: left as it is',
      chain({ status: { attempt: { generation: 1, number: 1 } } }),
      [workflow('forward', 1, 'succeeded'), workflow('forward', 1, 'failed', { attempt: 1 })],
      'Wait',
      'not remediated: generation 1 is itself the last that rolled out successfully',
      pendingAt(1, succeededAt(1), 1),
    ],
    [
      'its forward Workflow failed, Uninstall → the rollback Workflow (it uninstalls)',
      chain({ generation: 2, strategy: 'Uninstall' }),
      [workflow('forward', 2, 'failed')],
      'CreateWorkflow',
      'rollback',
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its forward Workflow failed, None → left as it is',
      chain({ generation: 2, strategy: 'None' }),
      [workflow('forward', 2, 'failed')],
      'Wait',
      undefined,
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its rollback running → wait for it',
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'running', { restores: 1 })],
      'Wait',
      undefined,
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its rollback succeeded → recorded: only the last successful spec is installed now',
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'succeeded', { restores: 1 })],
      'RecordRemediated',
      undefined,
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its rollback succeeded and is recorded → nothing more',
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'succeeded', { restores: 1 })],
      'Wait',
      undefined,
      remediated(pendingAt(2, succeededAt(1)), 'rollback'),
    ],
    [
      'its rollback failed → no second one (status says Stalled)',
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'failed', { restores: 1 })],
      'Wait',
      undefined,
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its rollback deleted after it finished (status recorded it) → not run again',
      chain({
        generation: 2,
        status: { workflow: { name: 'chain-g2-rollback', type: 'rollback', phase: 'Failed' } },
      }),
      [workflow('forward', 2, 'failed')],
      'Wait',
      'this generation was remediated',
      pendingAt(2, succeededAt(1)),
    ],
    [
      'its forward Workflow deleted while the rollback runs → wait for the rollback',
      chain({ generation: 2 }),
      [workflow('rollback', 2, 'running', { restores: 1 })],
      'Wait',
      undefined,
      pendingAt(2, succeededAt(1)),
    ],
    [
      'remediated, and both Workflows deleted since (status recorded the rollback) → nothing is run again',
      chain({
        generation: 2,
        status: { workflow: { name: 'chain-g2-rollback', type: 'rollback', phase: 'Succeeded' } },
      }),
      [],
      'Wait',
      undefined,
      remediated(pendingAt(2, succeededAt(1)), 'rollback'),
    ],
    [
      'a reconcile request after a failure → another attempt at the generation',
      chain({ generation: 2, request: 'retry-1' }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'succeeded', { restores: 1 })],
      'HandleRetry',
      undefined,
      remediated(pendingAt(2, succeededAt(1)), 'rollback'),
    ],
    [
      'a reconcile request while it rolls out → waits for the rollout to finish',
      chain({ request: 'retry-1' }),
      [workflow('forward', 1, 'running')],
      'Wait',
      'the reconcile request waits for Workflow chain-g1-forward to finish',
      pendingAt(1),
    ],
    [
      'a reconcile request already handled → nothing',
      chain({
        generation: 2,
        request: 'retry-1',
        status: { lastHandledReconcileAt: 'retry-1', attempt: { generation: 2, number: 1 } },
      }),
      [
        workflow('forward', 2, 'failed'),
        workflow('rollback', 2, 'succeeded', { restores: 1 }),
        workflow('forward', 2, 'running', { attempt: 1 }),
      ],
      'Wait',
      undefined,
      pendingAt(2, succeededAt(1), 1),
    ],
    [
      'the new attempt → its own forward Workflow, beside the finished ones of the first',
      chain({
        generation: 2,
        request: 'retry-1',
        status: { lastHandledReconcileAt: 'retry-1', attempt: { generation: 2, number: 1 } },
      }),
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'succeeded', { restores: 1 })],
      'CreateWorkflow',
      'forward',
      remediated(pendingAt(2, succeededAt(1)), 'rollback'),
    ],
    [
      'its forward Workflow finished and was deleted since → not rolled out twice',
      chain({ status: { workflow: { name: 'chain-g1-forward', type: 'forward', phase: 'Succeeded' } } }),
      [],
      'Wait',
    ],
    [
      'its forward Workflow was deleted while it ran → created again',
      chain({ status: { workflow: { name: 'chain-g1-forward', type: 'forward', phase: 'Running' } } }),
      [],
      'CreateWorkflow',
      'forward',
    ],
    [
      'its forward Workflow being deleted → wait until it is gone',
      chain(),
      [workflow('forward', 1, 'running', { deleting: true })],
      'Wait',
    ],
    [
      'a Workflow of another object of the same name (another uid) is not its own',
      chain(),
      [workflow('forward', 1, 'running', { uid: 'other-uid' })],
      'CreateWorkflow',
      'forward',
    ],
    [
      'a new generation while the older one runs → stop the older one first',
      chain({ generation: 2 }),
      [workflow('forward', 1, 'running')],
      'StopWorkflow',
      'chain-g1-forward',
    ],
    [
      'a new generation while the older one stops → wait',
      chain({ generation: 2 }),
      [workflow('forward', 1, 'running', { stopping: true })],
      'Wait',
    ],
    [
      'a new generation after the older one finished → its own forward Workflow',
      chain({ generation: 2 }),
      [workflow('forward', 1, 'succeeded')],
      'CreateWorkflow',
      'forward',
    ],
    [
      'deleted without the finalizer → nothing to uninstall',
      chain({ deleting: true, finalizer: false }),
      [],
      'Wait',
    ],
    [
      'deleted while its forward Workflow runs → stop it first',
      chain({ deleting: true }),
      [workflow('forward', 1, 'running')],
      'StopWorkflow',
      'chain-g1-forward',
    ],
    [
      'deleted while its forward Workflow stops → wait',
      chain({ deleting: true }),
      [workflow('forward', 1, 'running', { stopping: true })],
      'Wait',
    ],
    [
      'deleted after the rollout → the reverse Workflow',
      chain({ deleting: true }),
      [workflow('forward', 1, 'succeeded')],
      'CreateWorkflow',
      'reverse',
    ],
    [
      'deleted with a cycle in its spec → the reverse Workflow all the same',
      chain({ deleting: true, cycle: true }),
      [],
      'CreateWorkflow',
      'reverse',
    ],
    [
      'deleted, the reverse Workflow running → wait',
      chain({ deleting: true }),
      [workflow('reverse', 1, 'running')],
      'Wait',
    ],
    [
      'deleted, the reverse Workflow deleted by someone mid-way → created again',
      chain({
        deleting: true,
        status: { workflow: { name: 'chain-g1-reverse', type: 'reverse', phase: 'Running' } },
      }),
      [workflow('forward', 1, 'succeeded')],
      'CreateWorkflow',
      'reverse',
    ],
    [
      'deleted, the reverse Workflow being deleted → wait until it is gone',
      chain({ deleting: true }),
      [workflow('reverse', 1, 'running', { deleting: true })],
      'Wait',
    ],
    [
      'deleted, the reverse Workflow succeeded → let the group go',
      chain({ deleting: true }),
      [workflow('reverse', 1, 'succeeded')],
      'RemoveFinalizer',
    ],
    [
      'the spec edited while the group is deleted (a new generation) → the running uninstall is waited for, no second one',
      chain({ deleting: true, generation: 3 }),
      [workflow('reverse', 2, 'running')],
      'Wait',
    ],
    [
      'an uninstall of an earlier generation succeeded → let the group go',
      chain({ deleting: true, generation: 3 }),
      [workflow('reverse', 2, 'succeeded')],
      'RemoveFinalizer',
    ],
    [
      'an uninstall of an earlier generation failed and the spec changed since → a new one for this generation',
      chain({ deleting: true, generation: 3 }),
      [workflow('reverse', 2, 'failed')],
      'CreateWorkflow',
      'reverse',
    ],
    [
      'deleted, the reverse Workflow failed → the group stays (status says why)',
      chain({ deleting: true }),
      [workflow('reverse', 1, 'failed')],
      'Wait',
    ],
  ])('%s', (_row, group, workflows, type, detail, record) => {
    const action = nextAction(observeGroup(group, workflows, record));
    expect(action.type).toBe(type);
    if (action.type === 'CreateWorkflow') expect(action.workflow).toBe(detail);
    if (action.type === 'StopWorkflow') expect(action.name).toBe(detail);
    if (action.type === 'Wait' && detail) expect(action.why).toContain(detail);
  });
});

describe('groupStatus', () => {
  const status = (group: ApplicationGroup, workflows: Workflow[], now = NOW) =>
    groupStatus(observeGroup(group, workflows), now);
  const condition = (s: ApplicationGroup['status'], type: string) =>
    s?.conditions?.find((c) => c.type === type);

  it('while the forward Workflow runs: Ready=Unknown and Reconciling, counting ready applications', () => {
    const s = status(chain(), [workflow('forward', 1, 'running')]);
    expect(s.observedGeneration).toBe(1);
    expect(condition(s, 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'Progressing',
      message: 'Rolling out: 1/2 applications ready (Workflow chain-g1-forward)',
      observedGeneration: 1,
    });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Progressing' });
    expect(condition(s, 'Stalled')).toBeUndefined();
    expect(s.workflow).toEqual({ name: 'chain-g1-forward', type: 'forward', phase: 'Running' });
    expect(s.applications?.map((a) => [a.name, a.phase])).toEqual([
      ['first', 'Succeeded'],
      ['second', 'Progressing'],
    ]);
  });

  it('when it succeeded: Ready=True, no Reconciling, lastSucceededGeneration, chart versions', () => {
    const s = status(chain(), [workflow('forward', 1, 'succeeded')]);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['Ready', 'True', 'Succeeded']]);
    expect(s.lastSucceededGeneration).toBe(1);
    expect(s.applications?.map((a) => a.version)).toEqual(['1.0.0', '2.0.0']);
  });

  it('when it failed (remediation None): Ready=False naming the application and why', () => {
    const shapes = shapesGroup({ uid: UID, generation: 3, finalizers: [FINALIZER] });
    shapes.spec.remediation = { strategy: 'None' };
    const failed = recorded('forward-failed.yaml');
    failed.metadata.ownerReferences = [
      { apiVersion: 'x', kind: 'ApplicationGroup', name: 'shapes', uid: UID },
    ];
    const s = status(shapes, [failed]);
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(condition(s, 'Ready')?.message).toMatch(
      /^application broken failed to install or upgrade: RetriesExceeded: .* \(Workflow shapes-g3-forward\)$/,
    );
  });

  describe('remediation of a failed rollout (generation 2, generation 1 succeeded)', () => {
    const failedAt2 = workflow('forward', 2, 'failed');
    const at = (s: ApplicationGroup['status'], type: string) => {
      const c = condition(s, type);
      return c && [c.status, c.reason];
    };
    const record = pendingAt(2, succeededAt(1));
    const withRecord = (group: ApplicationGroup, workflows: Workflow[]) =>
      groupStatus(observeGroup(group, workflows, record), NOW);

    it('while the rollback runs: Ready=False (Failed), Reconciling (Remediating) saying to which generation', () => {
      const s = withRecord(chain({ generation: 2 }), [
        failedAt2,
        workflow('rollback', 2, 'running', { restores: 1 }),
      ]);
      expect(at(s, 'Ready')).toEqual(['False', 'Failed']);
      expect(at(s, 'Reconciling')).toEqual(['True', 'Remediating']);
      expect(condition(s, 'Ready')?.message).toMatch(/; remediating: rolling back to generation 1$/);
      expect(s.workflow).toMatchObject({ name: 'chain-g2-rollback', type: 'rollback' });
    });

    it('rolled back: Ready=False, reason RolledBack, the applications back at their versions', () => {
      const s = withRecord(chain({ generation: 2 }), [
        failedAt2,
        workflow('rollback', 2, 'succeeded', { restores: 1 }),
      ]);
      expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
        ['Ready', 'False', 'RolledBack'],
      ]);
      expect(condition(s, 'Ready')?.message).toMatch(
        /; rolled back to generation 1 \(Workflow chain-g2-rollback\)$/,
      );
      // Each back at the chart version its restore step reported.
      expect(s.applications?.map((a) => [a.name, a.phase, a.version])).toEqual([
        ['first', 'RolledBack', '1.0.0'],
        ['second', 'RolledBack', '2.0.0'],
      ]);
      // The generation it went back to, as the record says.
      expect(s.lastSucceededGeneration).toBe(1);
    });

    it('an application the failed generation had removed is listed as rolled back too', () => {
      const firstOnly = groupOf([application('first')], {
        name: 'chain',
        namespace: 'orkestra',
        uid: UID,
        generation: 2,
        finalizers: [FINALIZER],
      });
      const s = withRecord(firstOnly, [failedAt2, workflow('rollback', 2, 'succeeded', { restores: 1 })]);
      expect(s.applications?.map((a) => [a.name, a.phase, a.version])).toEqual([
        ['first', 'RolledBack', '1.0.0'],
        ['second', 'RolledBack', '2.0.0'],
      ]);
    });

    it('its rollback deleted after it finished: what status recorded stays, and nothing is run again', () => {
      const rolledBack = withRecord(chain({ generation: 2 }), [
        failedAt2,
        workflow('rollback', 2, 'succeeded', { restores: 1 }),
      ]);
      const later = chain({ generation: 2, status: rolledBack });
      expect(groupStatus(observeGroup(later, [failedAt2], record), '2026-11-27T00:00:00Z')).toEqual(
        rolledBack,
      );
      expect(nextAction(observeGroup(later, [failedAt2], record)).type).toBe('Wait');
    });

    it('its forward Workflow deleted while the rollback runs: still Remediating, saying so', () => {
      const s = withRecord(chain({ generation: 2 }), [workflow('rollback', 2, 'running', { restores: 1 })]);
      expect(at(s, 'Reconciling')).toEqual(['True', 'Remediating']);
      expect(condition(s, 'Ready')?.message).toBe(
        'the rollout of generation 2 failed (Workflow chain-g2-forward, deleted since); remediating: rolling back to generation 1',
      );
    });

    it('the record lost while the rollback runs: status still says what that rollback does', () => {
      const s = groupStatus(
        observeGroup(chain({ generation: 2, status: { lastSucceededGeneration: 1 } }), [
          failedAt2,
          workflow('rollback', 2, 'running', { restores: 1 }),
        ]),
        NOW,
      );
      expect(at(s, 'Reconciling')).toEqual(['True', 'Remediating']);
      expect(condition(s, 'Ready')?.message).toMatch(/; remediating: rolling back to generation 1$/);
    });

    it('an older generation’s success recorded late shows in lastSucceededGeneration', () => {
      const group = chain({ generation: 3, status: { lastSucceededGeneration: 1 } });
      const s = groupStatus(observeGroup(group, [workflow('forward', 3, 'running')], succeededAt(2)), NOW);
      expect(s.lastSucceededGeneration).toBe(2);
    });

    it('with nothing that succeeded before: reason Uninstalled, every application Deleted', () => {
      const s = groupStatus(
        observeGroup(
          chain(),
          [workflow('forward', 1, 'failed'), workflow('rollback', 1, 'succeeded')],
          pendingAt(1),
        ),
        NOW,
      );
      expect(at(s, 'Ready')).toEqual(['False', 'Uninstalled']);
      expect(condition(s, 'Ready')?.message).toMatch(
        /; every release of the group was uninstalled \(Workflow chain-g1-rollback\)$/,
      );
      expect(s.applications?.map((a) => a.phase)).toEqual(['Deleted', 'Deleted']);
    });

    it('its record lost after generation 1 succeeded: Ready=False, Failed, saying why nothing was remediated', () => {
      const s = groupStatus(
        observeGroup(chain({ generation: 2, status: { lastSucceededGeneration: 1 } }), [failedAt2]),
        NOW,
      );
      expect(at(s, 'Ready')).toEqual(['False', 'Failed']);
      expect(condition(s, 'Ready')?.message).toMatch(
        /; not remediated: the record of generation 1, the last successful one, is missing \(ConfigMap chain-rollout-record\)$/,
      );
      expect(s.lastSucceededGeneration).toBe(1);
    });

    it('a rollback that failed: Stalled=True with both failures, naming the application, reason RemediationFailed', () => {
      // The recorded failing Workflow of `shapes` (application broken fails) as both rollout and rollback.
      const shapes = shapesGroup({ uid: UID, generation: 2, finalizers: [FINALIZER] });
      const failing = (type: 'forward' | 'rollback'): Workflow => {
        const w = recorded('forward-failed.yaml');
        const name = `shapes-g2-${type}`;
        return {
          ...w,
          status: { ...w.status, nodes: renamedNodes(w, name) },
          metadata: {
            ...w.metadata,
            name,
            labels: {
              'orkestra.azure.microsoft.com/generation': '2',
              'orkestra.azure.microsoft.com/workflow-type': type,
            },
            ownerReferences: [{ apiVersion: 'x', kind: 'ApplicationGroup', name: 'shapes', uid: UID }],
            ...(type === 'rollback'
              ? { annotations: { 'orkestra.azure.microsoft.com/restores-generation': '1' } }
              : {}),
          },
        };
      };
      const shapesRecord = forwardStarting(
        { succeeded: { generation: 1, spec: shapes.spec }, installed: {} },
        shapes,
        0,
      );
      const s = groupStatus(
        observeGroup(shapes, [failing('forward'), failing('rollback')], shapesRecord),
        NOW,
      );
      expect(at(s, 'Stalled')).toEqual(['True', 'RemediationFailed']);
      expect(at(s, 'Ready')).toEqual(['False', 'RemediationFailed']);
      expect(condition(s, 'Stalled')?.message).toMatch(
        /^application broken failed to install or upgrade: RetriesExceeded: .* \(Workflow shapes-g2-forward\); then application broken failed to roll back: RetriesExceeded: .* \(Workflow shapes-g2-rollback\)$/,
      );
    });
  });

  it('a handled reconcile request is recorded with the attempt it started', () => {
    const group = chain({ generation: 2, request: 'retry-1' });
    const state = observeGroup(
      group,
      [workflow('forward', 2, 'failed'), workflow('rollback', 2, 'succeeded', { restores: 1 })],
      remediated(pendingAt(2, succeededAt(1)), 'rollback'),
    );
    expect(groupStatus(state, NOW, undefined, { request: 'retry-1' })).toMatchObject({
      lastHandledReconcileAt: 'retry-1',
      attempt: { generation: 2, number: 1 },
    });
    // The next generation starts again at attempt 0.
    const next = chain({
      generation: 3,
      status: { attempt: { generation: 2, number: 1 }, lastHandledReconcileAt: 'retry-1' },
    });
    expect(groupStatus(observeGroup(next, []), NOW).attempt).toBeUndefined();
  });

  it('a cycle: Ready=False and Stalled=True with the cycle, no Workflow', () => {
    const s = status(chain({ cycle: true }), []);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      [
        'Ready',
        'False',
        'InvalidSpec',
        'The spec is invalid: spec.applications: dependency cycle: first → second → first',
      ],
      [
        'Stalled',
        'True',
        'InvalidSpec',
        'The spec is invalid: spec.applications: dependency cycle: first → second → first',
      ],
    ]);
    expect(s.workflow).toBeUndefined();
  });

  it('keeps a condition’s transition time while its status stays the same', () => {
    const first = status(chain(), [workflow('forward', 1, 'running')], '2026-11-26T12:00:00Z');
    const later = status(
      chain({ status: first }),
      [workflow('forward', 1, 'running')],
      '2026-11-26T12:05:00Z',
    );
    expect(condition(later, 'Ready')?.lastTransitionTime).toBe('2026-11-26T12:00:00Z');
    const done = status(
      chain({ status: later }),
      [workflow('forward', 1, 'succeeded')],
      '2026-11-26T12:06:00Z',
    );
    expect(condition(done, 'Ready')?.lastTransitionTime).toBe('2026-11-26T12:06:00Z');
  });

  it('a finished generation whose Workflow is gone keeps what status recorded', () => {
    const succeeded = status(chain(), [workflow('forward', 1, 'succeeded')]);
    expect(status(chain({ status: succeeded }), [], '2026-11-27T00:00:00Z')).toEqual(succeeded);
  });

  it('while deleting: Ready=False, Reconciling with reason Deleting, counting uninstalled applications', () => {
    const s = status(chain({ deleting: true }), [workflow('reverse', 1, 'succeeded')]);
    expect(condition(s, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Deleting',
      message: 'Uninstalling: 2/2 applications uninstalled (Workflow chain-g1-reverse)',
    });
    expect(s.applications?.map((a) => a.phase)).toEqual(['Deleted', 'Deleted']);
  });

  it('bounds a condition’s message, whatever the failure said', () => {
    const cycle = groupOf(
      Array.from({ length: 400 }, (_, i) =>
        application(`application-with-a-long-name-${i}`, [`application-with-a-long-name-${(i + 1) % 400}`]),
      ),
      { name: 'big', uid: UID, generation: 1 },
    );
    const message = status(cycle, []).conditions?.[0]?.message ?? '';
    expect(message.length).toBe(4096);
    expect(message.endsWith('…')).toBe(true);
  });

  it('a failed uninstall: Stalled=True with reason DeletionFailed', () => {
    const s = status(chain({ deleting: true }), [workflow('reverse', 1, 'failed')]);
    expect(condition(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'DeletionFailed' });
  });
});

describe('resyncDelay', () => {
  it.each([
    [1, 10_000],
    [300_000, 300_000],
    [40 * 24 * 3_600_000, 24 * 3_600_000],
  ])('%i ms → %i ms (a too short interval would spin, a too long one overflows the timer)', (ms, delay) => {
    expect(resyncDelay(ms)).toBe(delay);
  });
});

describe('reconcileGroup', () => {
  const quiet = createLogger('json');
  quiet.silent = true;

  /** ClusterCalls that record what the pass did; the group is `chain`, with its finalizer. */
  function calls(overrides: Partial<ClusterCalls> = {}) {
    const did: string[] = [];
    let written: ApplicationGroup['status'];
    const base: ClusterCalls = {
      readGroup: async () => chain({ generation: 1 }),
      workflowsIn: () => [],
      listWorkflows: async () => [],
      readRecord: async () => undefined,
      saveRecord: async () => {
        did.push('saveRecord');
      },
      setFinalizers: async () => {
        did.push('setFinalizers');
      },
      createObject: async (object) => {
        did.push(`create ${object.kind} ${object.metadata.name}`);
        return 'created';
      },
      stopWorkflow: async (_ns, name) => {
        did.push(`stop ${name}`);
      },
      writeStatus: async (_group, status) => {
        written = status;
      },
      ensureExecutorAccess: async () => {
        did.push('ensureExecutorAccess');
      },
      recordEvent: async (_group, type, reason) => {
        did.push(`event ${type} ${reason}`);
      },
      now: () => NOW,
      ...overrides,
    };
    return { calls: base, did, status: () => written };
  }
  const settings = { render: { clusterScope: true }, resyncMs: 300_000 };

  it('makes the namespace ready for executor steps, then creates the forward Workflow, then says so', async () => {
    const { calls: c, did, status } = calls();
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({
      requeueAfterMs: 300_000,
    });
    expect(did).toEqual([
      'ensureExecutorAccess',
      'saveRecord',
      'create Workflow chain-g1-forward',
      'event Normal WorkflowCreated',
      'event Normal Progressing',
    ]);
    expect(status()?.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'Unknown',
      reason: 'Progressing',
    });
  });

  it('a namespace without the executor’s ServiceAccount (not managed) → Stalled naming it, no Workflow, looked at again soon', async () => {
    const missing =
      'ServiceAccount team-a/orkestra-executor does not exist, and the controller does not create it';
    const {
      calls: c,
      did,
      status,
    } = calls({
      ensureExecutorAccess: async () => {
        throw new ExecutorAccessMissingError(missing);
      },
    });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({ requeueAfterMs: 30_000 });
    expect(did.filter((d) => d.startsWith('create'))).toEqual([]);
    expect(status()?.conditions?.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['Ready', 'False', 'ExecutorMissing', missing],
      ['Stalled', 'True', 'ExecutorMissing', missing],
    ]);
  });

  it('a spec too large to be recorded → Stalled saying so, no Workflow', async () => {
    const {
      calls: c,
      did,
      status,
    } = calls({
      saveRecord: async () => {
        throw new RecordTooLargeError(1_500_000);
      },
    });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({ requeueAfterMs: 30_000 });
    expect(did.filter((d) => d.startsWith('create'))).toEqual([]);
    expect(status()?.conditions?.map((x) => [x.type, x.status, x.reason])).toEqual([
      ['Ready', 'False', 'SpecTooLarge'],
      ['Stalled', 'True', 'SpecTooLarge'],
    ]);
    expect(status()?.conditions?.[0]?.message).toMatch(
      /would take 1500000 bytes gzipped, more than a ConfigMap holds/,
    );
  });

  it('a group that is gone needs nothing', async () => {
    const { calls: c, did } = calls({ readGroup: async () => undefined });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toBeUndefined();
    expect(did).toEqual([]);
  });

  it('any other failure is thrown, to be retried with backoff', async () => {
    const { calls: c } = calls({
      createObject: async () => {
        throw new Error('HTTP 500');
      },
    });
    await expect(reconcileGroup('orkestra', 'chain', c, settings, quiet)).rejects.toThrow('HTTP 500');
  });
});
