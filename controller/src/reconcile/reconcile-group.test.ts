// One reconcile pass (reconcileGroup) with its cluster calls recorded, and the resync delay.
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { createLogger } from '../../../lib/log.ts';
import { DEFAULT_POLICY } from '../../../lib/policy/policy.ts';
import { Labels } from '../../../lib/wire-names.ts';
import { ExecutorAccessMissingError, ObjectRefusedError, OwnershipConflictError } from './executor-access.ts';
import { chain, NOW, workflow } from './reconcile-fixtures.ts';
import { type ClusterCalls, reconcileGroup, resyncDelay } from './reconcile-group.ts';
import { RecordTooLargeError } from './rollout-record.ts';

describe('resyncDelay', () => {
  it.each([
    [1, 10_000],
    [300_000, 300_000],
    [40 * 24 * 3_600_000, 24 * 3_600_000],
  ])('%i ms → %i ms (a too short interval would spin, a too long one overflows the timer)', (ms, delay) => {
    expect(resyncDelay(ms)).toBe(delay);
  });
});

const NO_ADDRESSES = { nodes: [], apiServer: [] };

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
      listGroups: async () => [chain({ generation: 1 })],
      removeNamespaceObjects: async () => {
        did.push('removeNamespaceObjects');
        return [];
      },
      recordEvent: async (_group, type, reason) => {
        did.push(`event ${type} ${reason}`);
      },
      now: () => NOW,
      policyView: async () => ({ policy: DEFAULT_POLICY, cluster: NO_ADDRESSES, resolved: new Map() }),
      liveReleaseObjects: async () => [],
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

  it.each([
    [
      'a namespace without the executor’s ServiceAccount (not managed) → Stalled, ExecutorMissing, naming it',
      new ExecutorAccessMissingError(
        'ServiceAccount team-a/orkestra-executor does not exist, and the controller does not create it',
      ),
      'ExecutorMissing',
    ],
    [
      'a token Secret that is not Orkestra’s (plugin flavour) → Stalled, Conflict, naming it',
      new OwnershipConflictError(
        'Secret orkestra/orkestra-executor-plugin.service-account-token is not the token of ServiceAccount orkestra-executor-plugin that Orkestra creates (its type is not kubernetes.io/service-account-token): not used; delete it and the controller creates its own',
      ),
      'Conflict',
    ],
  ])('%s; no Workflow, looked at again soon', async (_, error, reason) => {
    const {
      calls: c,
      did,
      status,
    } = calls({
      ensureExecutorAccess: async () => {
        throw error;
      },
    });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({ requeueAfterMs: 30_000 });
    expect(did.filter((d) => d.startsWith('create'))).toEqual([]);
    expect(status()?.conditions?.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['Ready', 'False', reason, error.message],
      ['Stalled', 'True', reason, error.message],
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

  it('a Workflow the API server refuses as invalid → Stalled with its message, not retried at once', async () => {
    const refused =
      'the API server refused Workflow chain-g1-forward: Workflow.argoproj.io "chain-g1-forward" is invalid: spec.templates[0].dag.tasks: Too many: 1000: must have at most 200 items';
    const { calls: c, status } = calls({
      createObject: async (object) => {
        if (object.kind === 'Workflow') throw new ObjectRefusedError(refused);
        return 'created';
      },
    });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({ requeueAfterMs: 30_000 });
    expect(status()?.conditions?.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['Ready', 'False', 'WorkflowRefused', refused],
      ['Stalled', 'True', 'WorkflowRefused', refused],
    ]);
  });

  it('with a pod per step, a split DAG and spec.parallelism → Stalled, WorkflowRefused, before anything is created', async () => {
    const group = chain({ generation: 1 });
    group.spec.parallelism = 1;
    const { calls: c, did, status } = calls({ readGroup: async () => group });
    const split = { ...settings, render: { ...settings.render, dagTaskLimit: 1 } };
    await reconcileGroup('orkestra', 'chain', c, { ...split, stepsArePods: true }, quiet);
    expect(did.filter((d) => d.startsWith('create'))).toEqual([]);
    expect(status()?.conditions?.find((x) => x.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'WorkflowRefused',
      message: expect.stringContaining('spec.parallelism needs the executor plugin flavour'),
    });
    // The plugin does not count waits: the same group rolls out there.
    const plugin = calls({ readGroup: async () => group });
    await reconcileGroup('orkestra', 'chain', plugin.calls, split, quiet);
    expect(plugin.did).toContain('create Workflow chain-g1-forward');
  });

  it('a spec the policy refuses → Stalled, PolicyDenied, naming application, field and rule; nothing done, not even a finalizer', async () => {
    const group = chain({ generation: 1 });
    group.metadata.finalizers = [];
    const app = group.spec.applications[1] as (typeof group.spec.applications)[number];
    app.spec.release = { targetNamespace: 'kube-system' };
    const { calls: c, did, status } = calls({ readGroup: async () => group });
    await reconcileGroup('orkestra', 'chain', c, settings, quiet);
    expect(did).toEqual(['event Warning PolicyDenied']);
    const stalled = status()?.conditions?.find((x) => x.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'PolicyDenied' });
    expect(stalled?.message).toBe(
      `The policy refuses the spec, and nothing of it is applied: spec.applications["${app.name}"].spec.release.targetNamespace: "kube-system" is not a namespace this group may release into: the default policy (no ReleasePolicy selects this namespace) allows only the group's own namespace "orkestra"`,
    );
  });

  it('the policy of the namespace goes into the Workflow: releases run as its ServiceAccount', async () => {
    const seen: string[] = [];
    const { calls: c } = calls({
      ensureExecutorAccess: async (_ns, policy) => {
        seen.push(`access for ${policy.serviceAccountName}`);
      },
      createObject: async (object) => {
        // Each apply task's HelmRelease parameter is JSON (Argo-escaped) in the Workflow.
        const accounts = JSON.stringify(object).match(/serviceAccountName\\":\\"[-a-z]*/g) ?? [];
        if (object.kind === 'Workflow') seen.push(...new Set(accounts.map((a) => a.split('"').pop() ?? '')));
        return 'created';
      },
    });
    await reconcileGroup('orkestra', 'chain', c, settings, quiet);
    expect(seen).toEqual(['access for orkestra-release', 'orkestra-release']);
  });

  it("a HelmRelease of the group's name that another group owns → Stalled, Conflict, naming it and its owner; nothing created", async () => {
    const group = chain({ generation: 1 });
    const app = group.spec.applications[0]?.name as string;
    const other = {
      kind: 'HelmRelease',
      metadata: {
        name: app,
        namespace: 'orkestra',
        labels: { [Labels.ownerUid]: 'uid-of-first', [Labels.applicationGroup]: 'first' },
      },
    };
    const { calls: c, did, status } = calls({ liveReleaseObjects: async () => [other] });
    expect(await reconcileGroup('orkestra', 'chain', c, settings, quiet)).toEqual({ requeueAfterMs: 30_000 });
    expect(
      did.filter((d) => d.startsWith('create') || d === 'saveRecord' || d === 'ensureExecutorAccess'),
    ).toEqual([]);
    expect(status()?.conditions?.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      [
        'Ready',
        'False',
        'Conflict',
        `Not applied, to leave what others own alone: HelmRelease orkestra/${app} belongs to ApplicationGroup first (uid uid-of-first)`,
      ],
      [
        'Stalled',
        'True',
        'Conflict',
        `Not applied, to leave what others own alone: HelmRelease orkestra/${app} belongs to ApplicationGroup first (uid uid-of-first)`,
      ],
    ]);
  });

  describe('the last group of its namespace, uninstalled, removes the plugin objects before its finalizer', () => {
    const uninstalled = {
      readGroup: async () => chain({ deleting: true }),
      workflowsIn: () => [workflow('reverse', 1, 'succeeded')],
    };
    it.each([
      ['no other group', [], ['removeNamespaceObjects', 'setFinalizers']],
      ['itself, still listed', [chain({ deleting: true })], ['removeNamespaceObjects', 'setFinalizers']],
      [
        'another group that never rolled out (no finalizer: it ensures them before its first Workflow)',
        [{ ...chain({ finalizer: false }), metadata: { ...chain().metadata, uid: 'other', finalizers: [] } }],
        ['removeNamespaceObjects', 'setFinalizers'],
      ],
      [
        'another group holding the finalizer (even one being deleted) keeps them',
        [chain({ deleting: true }), { ...chain(), metadata: { ...chain().metadata, uid: 'other' } }],
        ['setFinalizers'],
      ],
    ])('%s', async (_, groups, expected) => {
      const { calls: c, did } = calls({ ...uninstalled, listGroups: async () => groups });
      await reconcileGroup('orkestra', 'chain', c, settings, quiet);
      expect(did.filter((d) => d === 'removeNamespaceObjects' || d === 'setFinalizers')).toEqual(expected);
    });

    it('a removal that fails keeps the finalizer: the pass is retried', async () => {
      const { calls: c, did } = calls({
        ...uninstalled,
        listGroups: async () => [],
        removeNamespaceObjects: async () => {
          throw new Error('HTTP 500');
        },
      });
      await expect(reconcileGroup('orkestra', 'chain', c, settings, quiet)).rejects.toThrow('HTTP 500');
      expect(did).not.toContain('setFinalizers');
    });
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
