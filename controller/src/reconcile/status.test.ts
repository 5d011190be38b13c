// The reconciler's pure core, state → status, on Workflows recorded from the real
// workflow-controller (test/fixtures/argo/workflows/).
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import { shapesGroup } from '../../../test/support/recorded-workflows.ts';
import { nextAction } from './next-action.ts';
import {
  chain,
  NOW,
  pendingAt,
  recorded,
  renamedNodes,
  succeededAt,
  UID,
  workflow,
} from './reconcile-fixtures.ts';
import { forwardStarting, remediated } from './rollout-record.ts';
import { FINALIZER, observeGroup } from './state.ts';
import { groupStatus } from './status.ts';

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
        /; not remediated: the record of generation 1, the last successful one, is missing or not usable \(ConfigMap chain-rollout-record\)$/,
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
