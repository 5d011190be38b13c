// Crash safety: the controller killed (SIGKILL, nothing flushed, the Lease not given up) at each
// phase of a group's life, then started again. Whatever was in flight, there is exactly one Workflow
// per generation and kind, the group converges, and the finalizer is removed exactly once.
// Each case runs controllers of its own (the built bundle, as the controller's ServiceAccount), made
// to halt at a precise point with the test-only ORKESTRA_FAILPOINTS; its groups carry a label that
// only they watch (the harness's controller leaves such groups alone). A restarted controller first
// waits out the killed one's Lease, as a new Pod would.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_CONTROLLER_LABEL } from '../cluster/control-plane.ts';
import { waitFor } from '../cluster/wait.ts';
import { connect, type Kube, type Obj, waitForGone, waitForObject } from '../integration/kube.ts';
import { watchEvents } from './argo.ts';
import { type OwnController, startOwnController } from './controllers.ts';
import { AG, type App, group, groupSettled, HR, kubectlApply, readyCondition } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

const WORKFLOW_TYPE = 'orkestra.azure.microsoft.com/workflow-type';
const HALTED = 'Failpoint reached; halting this pass for good';

/**
 * A namespace whose group `g` only this case's controllers reconcile, and a record of every
 * Workflow created in it (a Workflow deleted with its group counts too).
 */
async function crashCase(prefix: string) {
  const namespace = await kube.createNamespace(prefix);
  const created: string[] = [];
  const watch = await watchEvents(
    `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
    {},
    (type, w) => {
      if (type === 'ADDED' && w.metadata?.labels?.[WORKFLOW_TYPE]) created.push(w.metadata.name as string);
    },
  );
  const controllers: OwnController[] = [];
  return {
    namespace,
    /** Workflows created so far, by name, in the order the API server saw them. */
    created,
    apply: (apps: App[], options: { remediation?: 'Rollback' | 'Uninstall' | 'None' } = {}) =>
      kubectlApply(
        group(namespace, 'g', apps, { ...options, labels: { [TEST_CONTROLLER_LABEL]: namespace } }),
      ),
    /** A controller for this case (all of them compete for one Lease), halting at `failpoints`. */
    start: (failpoints: string[] = []) => {
      const controller = startOwnController(`${namespace}-${controllers.length}`, {
        lease: `crash-${namespace}`,
        args: [`--watch-label-selector=${TEST_CONTROLLER_LABEL}=${namespace}`],
        failpoints,
      });
      controllers.push(controller);
      return controller;
    },
    /** How many times any of this case's controllers said `message`. */
    saidCount: (message: string) =>
      controllers.flatMap((c) => c.lines()).filter((l) => l.message === message).length,
    stop: async () => {
      watch.stop();
      for (const c of controllers) c.child.kill('SIGKILL');
      await Promise.all(controllers.map((c) => c.exited));
    },
  };
}

/** Runs `body` on a new crash case, then stops the case's watch and controllers whatever happened. */
async function inCrashCase(prefix: string, body: (c: CrashCase) => Promise<void>): Promise<void> {
  const c = await crashCase(prefix);
  try {
    await body(c);
  } finally {
    await c.stop();
  }
}

type CrashCase = Awaited<ReturnType<typeof crashCase>>;

/** Then the chain is Ready through its one forward Workflow, each release installed once (revision 1). */
async function expectRolledOutOnce(c: CrashCase): Promise<Obj> {
  const ready = await groupReady(c.namespace);
  expect(c.created).toEqual(['g-g1-forward']);
  for (const name of ['a', 'b', 'c']) expect(await revision(c.namespace, name)).toBe(1);
  return ready;
}

/** Waits until `controller` has halted at `failpoint` (e.g. `before:CreateWorkflow/forward`), then SIGKILLs it. */
async function killAt(controller: OwnController, failpoint: string): Promise<void> {
  await waitFor(
    `${controller.name} to reach ${failpoint}`,
    () => controller.lines().some((l) => l.message === HALTED && l.failpoint === failpoint),
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  controller.child.kill('SIGKILL');
  expect(await controller.exited).toBeNull();
}

/** Waits until the group is Ready=True at its current generation. */
const groupReady = (namespace: string) =>
  waitForObject(
    kube,
    [AG, 'ApplicationGroup', namespace, 'g'],
    'Ready=True at its generation',
    (g) => g.status?.observedGeneration === g.metadata?.generation && readyCondition(g)?.status === 'True',
    150_000,
  );

const revision = async (namespace: string, name: string) =>
  (await kube.get(HR, 'HelmRelease', namespace, name))?.status?.history?.[0]?.version;

const installedVersion = async (namespace: string, name: string) =>
  (await kube.get('v1', 'ConfigMap', namespace, `${name}-config`))?.data?.chartVersion;

const chain: App[] = [{ name: 'a' }, { name: 'b', dependencies: ['a'] }, { name: 'c', dependencies: ['b'] }];

describe('the controller killed (SIGKILL) and started again', () => {
  it('before the forward Workflow is created → one forward Workflow, the group Ready', async () => {
    await inCrashCase('e2e-crash-before', async (c) => {
      await c.apply(chain);
      await killAt(c.start(['before:CreateWorkflow']), 'before:CreateWorkflow/forward');
      // Killed with the finalizer added and nothing created yet.
      const group = (await kube.get(AG, 'ApplicationGroup', c.namespace, 'g')) as Obj;
      expect(group.metadata?.finalizers).toHaveLength(1);
      expect(c.created).toEqual([]);
      c.start();
      await expectRolledOutOnce(c);
    });
  });

  it('right after the forward Workflow is created → not created again, the group Ready', async () => {
    await inCrashCase('e2e-crash-after', async (c) => {
      await c.apply(chain);
      await killAt(c.start(['after:CreateWorkflow']), 'after:CreateWorkflow/forward');
      expect(c.created).toEqual(['g-g1-forward']);
      const restarted = c.start();
      const ready = await expectRolledOutOnce(c);
      expect(readyCondition(ready)?.message).toBe('All 3 applications are ready (Workflow g-g1-forward)');
      // The restarted controller took the Workflow as its own rather than making another.
      expect(restarted.said('Created forward Workflow')).toBe(false);
    });
  });

  it('mid-rollout (the first release installed, the last not yet) → the rollout finishes once', async () => {
    await inCrashCase('e2e-crash-mid', async (c) => {
      await c.apply(chain);
      const first = c.start();
      await waitForObject(kube, [HR, 'HelmRelease', c.namespace, 'a'], 'Ready', (hr) =>
        hr.status?.conditions?.some(
          (x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True',
        ),
      );
      first.child.kill('SIGKILL');
      await first.exited;
      expect(await kube.get(HR, 'HelmRelease', c.namespace, 'c')).toBeUndefined();
      c.start();
      await expectRolledOutOnce(c);
    });
  });

  it('during remediation (the rollback Workflow running) → one rollback Workflow, RolledBack', async () => {
    const apps = (version: string): App[] => [
      { name: 'a' },
      { name: 'c', dependencies: ['a'], chart: 'fail-upgrade', version },
    ];
    await inCrashCase('e2e-crash-remediation', async (c) => {
      await c.apply(apps('1.0.0'));
      const first = c.start(['after:CreateWorkflow/rollback']);
      await groupReady(c.namespace);
      // When an upgrade fails, the controller is killed right after it created the rollback Workflow.
      await c.apply(apps('2.0.0'));
      await killAt(first, 'after:CreateWorkflow/rollback');
      c.start();
      const after = await groupSettled(kube, c.namespace, 'g');
      expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'RolledBack' });
      expect(c.created).toEqual(['g-g1-forward', 'g-g2-forward', 'g-g2-rollback']);
      expect((await kube.get(HR, 'HelmRelease', c.namespace, 'c'))?.spec.chart.spec.version).toBe('1.0.0');
      expect([await installedVersion(c.namespace, 'a'), await installedVersion(c.namespace, 'c')]).toEqual([
        '1.0.0',
        '1.0.0',
      ]);
    });
  });

  it('during deletion, uninstalling and again with the finalizer held → one reverse Workflow, the finalizer removed once', async () => {
    await inCrashCase('e2e-crash-delete', async (c) => {
      await c.apply(chain);
      const first = c.start(['after:CreateWorkflow/reverse']);
      await groupReady(c.namespace);
      await kube.remove(AG, 'ApplicationGroup', c.namespace, 'g');
      // Killed while the reverse Workflow uninstalls…
      await killAt(first, 'after:CreateWorkflow/reverse');
      // …and again once everything is uninstalled, just before the finalizer would be removed.
      await killAt(c.start(['before:RemoveFinalizer']), 'before:RemoveFinalizer');
      const held = (await kube.get(AG, 'ApplicationGroup', c.namespace, 'g')) as Obj;
      expect(held.metadata?.deletionTimestamp).toBeDefined();
      expect(held.metadata?.finalizers).toHaveLength(1);
      expect((await kube.objects.list(HR, 'HelmRelease', c.namespace)).items).toEqual([]);
      c.start();
      await waitForGone(kube, [AG, 'ApplicationGroup', c.namespace, 'g'], 150_000);
      // (Deletion is a generation of its own: the API server bumps it with deletionTimestamp.)
      expect(c.created).toEqual(['g-g1-forward', 'g-g2-reverse']);
      // The controller logs the removal after the API server has it: its line can reach this test's
      // pipe after the group is gone.
      const removed = 'Removed finalizer: every release is uninstalled';
      await waitFor('the controller to log the removed finalizer', () => c.saidCount(removed) > 0, {
        timeoutMs: 30_000,
      });
      // The Event is recorded right after the finalizer is removed, so it may follow the group's end.
      const uninstalled = async () =>
        (
          (await kube.objects.list('v1', 'Event', c.namespace)).items as Array<Obj & { reason?: string }>
        ).filter((e) => e.reason === 'Uninstalled');
      await waitFor('the Uninstalled Event', async () => (await uninstalled()).length > 0, {
        timeoutMs: 30_000,
      });
      expect(await uninstalled()).toHaveLength(1);
      expect(c.saidCount(removed)).toBe(1);
      for (const name of ['a', 'b', 'c']) expect(await installedVersion(c.namespace, name)).toBeUndefined();
    });
  });

  it('two controllers started at once → only the Lease holder acts', async () => {
    await inCrashCase('e2e-crash-two', async (c) => {
      const both = [c.start(), c.start()];
      await c.apply(chain);
      await groupReady(c.namespace);
      expect(c.created).toEqual(['g-g1-forward']);
      // What the cluster shows decides; the log line only says which of the two it was.
      await waitFor('the Lease holder to log its Workflow', () =>
        both.some((x) => x.said('Created forward Workflow')),
      );
      const acted = both.filter((x) => x.said('Created forward Workflow'));
      expect(acted).toHaveLength(1);
      const other = both.find((x) => x !== acted[0]) as OwnController;
      expect(other.said('Waiting to become the leader')).toBe(true);
      expect(other.said('Controller started')).toBe(false);
    });
  });
});
