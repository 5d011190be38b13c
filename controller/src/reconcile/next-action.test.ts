// The reconciler's pure core, observed state → next action. Workflows are the ones recorded from
// the real workflow-controller (test/fixtures/argo/workflows/), owned by the group.
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { DEFAULT_POLICY } from '../../../lib/policy/policy.ts';
import { type Action, nextAction } from './next-action.ts';
import { chain, pendingAt, succeededAt, workflow } from './reconcile-fixtures.ts';
import { type RolloutRecord, remediated } from './rollout-record.ts';
import { observeGroup, remediationOf } from './state.ts';

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
      'not remediated: the record of generation 1, the last successful one, is missing or not usable',
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

  it.each<[string, ApplicationGroup, 'Rollback' | 'Uninstall' | 'None', Action['type'], string]>([
    [
      'no strategy of its own, the controller’s default None → left as it is',
      chain({ generation: 2 }),
      'None',
      'Wait',
      'failed; not remediated',
    ],
    [
      'no strategy of its own, the controller’s default Uninstall → the rollback Workflow uninstalls',
      chain({ generation: 2 }),
      'Uninstall',
      'CreateWorkflow',
      'rollback',
    ],
    [
      'its own strategy Rollback, the controller’s default None → its own wins: rolled back',
      chain({ generation: 2, strategy: 'Rollback' }),
      'None',
      'CreateWorkflow',
      'rollback',
    ],
  ])('its forward Workflow failed, %s', (_row, group, defaultStrategy, type, detail) => {
    const state = observeGroup(
      group,
      [workflow('forward', 2, 'failed')],
      pendingAt(2, succeededAt(1)),
      defaultStrategy,
    );
    const action = nextAction(state);
    expect(action.type).toBe(type);
    if (action.type === 'CreateWorkflow') expect(action.workflow).toBe(detail);
    if (action.type === 'Wait') expect(action.why).toContain(detail);
    expect(remediationOf(state).how).toBe(
      type === 'Wait'
        ? 'none'
        : (group.spec.remediation?.strategy ?? defaultStrategy) === 'Rollback'
          ? 'rollback'
          : 'uninstall',
    );
  });
});

describe('nextAction under the namespace’s policy', () => {
  const view = { policy: DEFAULT_POLICY, cluster: { nodes: [], apiServer: [] }, resolved: new Map() };
  const targeting = (namespace: string, generation: number) => {
    const group = chain({ generation });
    for (const app of group.spec.applications) app.spec.release = { targetNamespace: namespace };
    return group;
  };

  it('a spec the policy refuses → no Workflow and no finalizer, whatever else holds', () => {
    const state = observeGroup(targeting('kube-system', 1), [], undefined, 'Rollback', view);
    expect(state.policyProblems.map((p) => p.path)).toHaveLength(chain().spec.applications.length);
    expect(
      nextAction(
        observeGroup(
          { ...targeting('kube-system', 1), metadata: { ...chain().metadata, finalizers: [] } },
          [],
          undefined,
          'Rollback',
          view,
        ),
      ),
    ).toEqual({
      type: 'Wait',
      why: 'the policy refuses the spec',
    });
  });

  it.each<[string, string, RegExp | 'rollback']>([
    [
      'a failed rollout whose last successful spec (the record, a ConfigMap) the policy refuses → not rolled back to it',
      'kube-system',
      /not remediated: the policy refuses the spec of generation 1, the last that rolled out successfully: spec\.applications\[".*"\]\.spec\.release\.targetNamespace: "kube-system" is not a namespace/,
    ],
    ['the same record within the policy → rolled back to it', 'orkestra', 'rollback'],
  ])('%s', (_row, target, expected) => {
    const succeeded = { generation: 1, spec: targeting(target, 1).spec };
    const record = pendingAt(2, { ...succeededAt(1), succeeded });
    const state = observeGroup(
      chain({ generation: 2 }),
      [workflow('forward', 2, 'failed')],
      record,
      'Rollback',
      view,
    );
    const action = nextAction(state);
    if (expected === 'rollback') expect(action).toEqual({ type: 'CreateWorkflow', workflow: 'rollback' });
    else expect(action.type === 'Wait' && action.why).toMatch(expected);
  });
});
