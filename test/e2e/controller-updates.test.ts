// What comes after a rollout, on the real control plane — the original Orkestra controller suite's
// scenarios and more: applications added, upgraded and removed, an upgrade that fails and is rolled
// back, a first install that fails and is uninstalled, each remediation strategy, quick successive
// updates, and a retry asked for with the reconcile annotation. Each case checks what ends up
// installed (Helm revisions, chart versions in the installed ConfigMaps), not only conditions.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { createdAfterReady, recordHelmReleaseEvents, WORKFLOW } from './argo.ts';
import { run } from './cli.ts';
import {
  AG,
  type App,
  group,
  groupSettled,
  HR,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

/** The Helm revision helm-controller last released for a HelmRelease. */
async function revision(namespace: string, name: string): Promise<number | undefined> {
  return (await kube.get(HR, 'HelmRelease', namespace, name))?.status?.history?.[0]?.version;
}

/** The chart version the release installed (the fixture charts write it into their ConfigMap). */
async function installedVersion(namespace: string, name: string): Promise<string | undefined> {
  return (await kube.get('v1', 'ConfigMap', namespace, `${name}-config`))?.data?.chartVersion;
}

/** Given a group `g` of `apps` Ready in a new namespace. */
async function readyGroup(prefix: string, apps: App[], options: Parameters<typeof group>[3] = {}) {
  const namespace = await kube.createNamespace(prefix);
  await kubectlApply(group(namespace, 'g', apps, options));
  const ready = await kubectlWaitReady(namespace, 'g');
  expect(ready.code, ready.stderr).toBe(0);
  return namespace;
}

/** When `apps` are applied as the group's new spec: the group once it settled at that generation. */
async function update(namespace: string, apps: App[], options: Parameters<typeof group>[3] = {}) {
  await kubectlApply(group(namespace, 'g', apps, options));
  return groupSettled(kube, namespace, 'g');
}

const workflowsOf = async (namespace: string) =>
  (await kube.objects.list(WORKFLOW, 'Workflow', namespace)).items as Obj[];

describe('spec changes', () => {
  it('an application added is installed after its dependencies; the others are not upgraded', async () => {
    const recorder = { stop: () => {} } as Awaited<ReturnType<typeof recordHelmReleaseEvents>>;
    const namespace = await readyGroup('e2e-add', [{ name: 'a' }, { name: 'b', dependencies: ['a'] }]);
    const events = await recordHelmReleaseEvents(namespace);
    Object.assign(recorder, events);
    try {
      const after = await update(namespace, [
        { name: 'a' },
        { name: 'b', dependencies: ['a'] },
        { name: 'c', dependencies: ['b'] },
      ]);
      expect(readyCondition(after)).toMatchObject({ status: 'True', reason: 'Succeeded' });
      expect(createdAfterReady(events.events, 'b', 'c'), JSON.stringify(events.events)).toBeUndefined();
    } finally {
      recorder.stop();
    }
    expect(await installedVersion(namespace, 'c')).toBe('1.0.0');
    // Applying the identical HelmReleases of a and b again made no Helm upgrade.
    expect([
      await revision(namespace, 'a'),
      await revision(namespace, 'b'),
      await revision(namespace, 'c'),
    ]).toEqual([1, 1, 1]);
  });

  it('chart versions upgraded (1.0.0 → 2.0.0 on two applications): those upgraded, the third untouched', async () => {
    const namespace = await readyGroup('e2e-upgrade', [
      { name: 'a' },
      { name: 'b', dependencies: ['a'] },
      { name: 'c', dependencies: ['a'] },
    ]);
    const after = await update(namespace, [
      { name: 'a' },
      { name: 'b', dependencies: ['a'], version: '2.0.0' },
      { name: 'c', dependencies: ['a'], version: '2.0.0' },
    ]);
    expect(readyCondition(after)).toMatchObject({ status: 'True' });
    expect(after.status.lastSucceededGeneration).toBe(after.metadata?.generation);
    expect([await installedVersion(namespace, 'b'), await installedVersion(namespace, 'c')]).toEqual([
      '2.0.0',
      '2.0.0',
    ]);
    expect([
      await revision(namespace, 'a'),
      await revision(namespace, 'b'),
      await revision(namespace, 'c'),
    ]).toEqual([1, 2, 2]);
  });

  it('an application removed from the spec is uninstalled, dependents first; the rest untouched', async () => {
    const namespace = await readyGroup('e2e-remove', [
      { name: 'a' },
      { name: 'b', dependencies: ['a'] },
      { name: 'c', dependencies: ['b'] },
      { name: 'd', dependencies: ['a'] },
    ]);
    const after = await update(namespace, [{ name: 'a' }, { name: 'd', dependencies: ['a'] }]);
    expect(readyCondition(after)).toMatchObject({ status: 'True' });
    for (const gone of ['b', 'c']) {
      expect(await kube.get(HR, 'HelmRelease', namespace, gone)).toBeUndefined();
      expect(await installedVersion(namespace, gone)).toBeUndefined();
    }
    expect([await revision(namespace, 'a'), await revision(namespace, 'd')]).toEqual([1, 1]);
  });

  it('three updates in quick succession: only the last generation’s Workflow runs to completion', async () => {
    const namespace = await readyGroup('e2e-quick', [{ name: 'a' }, { name: 'b', dependencies: ['a'] }]);
    for (const version of ['2.0.0', '1.0.0', '2.0.0'])
      await kubectlApply(
        group(namespace, 'g', [
          { name: 'a', version },
          { name: 'b', dependencies: ['a'], version },
        ]),
      );
    const settled = await groupSettled(kube, namespace, 'g');
    expect(readyCondition(settled)).toMatchObject({ status: 'True' });
    const last = settled.metadata?.generation as number;
    const forwards = (await workflowsOf(namespace)).filter(
      (w) => w.metadata?.labels?.['orkestra.azure.microsoft.com/workflow-type'] === 'forward',
    );
    const completed = forwards
      .filter((w) => w.status?.phase === 'Succeeded')
      .map((w) => w.metadata?.name)
      .sort();
    // The first generation's, before the updates, and the last one's: nothing in between completed.
    expect(completed).toEqual(['g-g1-forward', `g-g${last}-forward`]);
    // Those in between that got a Workflow before the next update came were stopped.
    for (const w of forwards.filter((f) => !completed.includes(f.metadata?.name)))
      expect(w.spec?.shutdown, w.metadata?.name).toBe('Stop');
    expect([await installedVersion(namespace, 'a'), await installedVersion(namespace, 'b')]).toEqual([
      '2.0.0',
      '2.0.0',
    ]);
  });
});

describe('releases of a rollout that did not finish', () => {
  it('an application added by a generation stopped half-way is removed by the next one', async () => {
    const namespace = await readyGroup('e2e-stopped', [{ name: 'a' }]);
    // Generation 2 adds x, whose install never becomes ready: its Workflow is still running when…
    // (helm-controller deletes a HelmRelease only after its running install gave up: 20 s here.)
    await kubectlApply(
      group(namespace, 'g', [
        { name: 'a' },
        { name: 'x', dependencies: ['a'], chart: 'never-ready', release: { timeout: '20s' } },
      ]),
    );
    await waitForObject(kube, [HR, 'HelmRelease', namespace, 'x'], 'to be created', () => true);
    // …generation 3 replaces x with w (not `y`: kubectl reads YAML 1.1, where that is a boolean).
    const after = await update(namespace, [{ name: 'a' }, { name: 'w', dependencies: ['a'] }]);
    expect(readyCondition(after)).toMatchObject({ status: 'True' });
    expect(await kube.get(HR, 'HelmRelease', namespace, 'x')).toBeUndefined();
    expect(await installedVersion(namespace, 'w')).toBe('1.0.0');
    expect(await revision(namespace, 'a')).toBe(1);
  });
});

describe('remediation of a failed rollout', () => {
  it('Rollback: a failing upgrade at the end of a chain → every release back at the previous generation', async () => {
    const v1: App[] = [
      { name: 'a' },
      { name: 'b', dependencies: ['a'] },
      { name: 'c', dependencies: ['b'], chart: 'fail-upgrade' },
    ];
    const namespace = await readyGroup('e2e-rollback', v1);
    const before = Object.fromEntries(
      await Promise.all(
        ['a', 'b', 'c'].map(async (n) => [n, (await kube.get(HR, 'HelmRelease', namespace, n))?.spec]),
      ),
    );
    // When a and b are upgraded, d is added, and c's upgrade fails
    const after = await update(namespace, [
      { name: 'a', version: '2.0.0' },
      { name: 'b', dependencies: ['a'], version: '2.0.0' },
      { name: 'c', dependencies: ['b'], chart: 'fail-upgrade', version: '2.0.0' },
      { name: 'd', dependencies: ['a'] },
    ]);
    // Then the group says it rolled back, naming c and why
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'RolledBack' });
    expect(readyCondition(after)?.message).toMatch(
      /^application c failed to install or upgrade: .*; rolled back to generation 1 \(Workflow g-g2-rollback\)$/,
    );
    // And each HelmRelease is its previous spec again, each installed chart its previous version,
    // and the release added in the failed generation is gone.
    for (const name of ['a', 'b', 'c'])
      expect((await kube.get(HR, 'HelmRelease', namespace, name))?.spec).toEqual(before[name]);
    expect([
      await installedVersion(namespace, 'a'),
      await installedVersion(namespace, 'b'),
      await installedVersion(namespace, 'c'),
    ]).toEqual(['1.0.0', '1.0.0', '1.0.0']);
    expect(await kube.get(HR, 'HelmRelease', namespace, 'd')).toBeUndefined();
    expect(after.status.lastSucceededGeneration).toBe(1);
  });

  it('Rollback of an update that removed an application: reinstalled; deleting the group then leaves nothing', async () => {
    const namespace = await readyGroup('e2e-rollback-removed', [
      { name: 'a' },
      { name: 'r', dependencies: ['a'] },
      { name: 'c', dependencies: ['a'], chart: 'fail-upgrade' },
    ]);
    // When r is removed and c's upgrade fails
    const after = await update(namespace, [
      { name: 'a' },
      { name: 'c', dependencies: ['a'], chart: 'fail-upgrade', version: '2.0.0' },
    ]);
    // Then r is back, at its version, and status lists it as rolled back
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'RolledBack' });
    expect(await installedVersion(namespace, 'r')).toBe('1.0.0');
    expect(after.status.applications.map((a: { name: string; phase: string }) => [a.name, a.phase])).toEqual(
      expect.arrayContaining([
        ['a', 'RolledBack'],
        ['c', 'RolledBack'],
        ['r', 'RolledBack'],
      ]),
    );
    // And deleting the group uninstalls r too, though its spec no longer has it
    const deleted = await run(ensureTools().kubectl, ['delete', '-n', namespace, 'ag/g', '--timeout=150s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await kube.objects.list(HR, 'HelmRelease', namespace)).items).toEqual([]);
    for (const name of ['a', 'r', 'c']) expect(await installedVersion(namespace, name)).toBeUndefined();
  });

  it('a first install that fails → what it installed is uninstalled; the spec fixed → Ready', async () => {
    const namespace = await kube.createNamespace('e2e-first-fails');
    const failed = await update(namespace, [
      { name: 'a' },
      { name: 'b', dependencies: ['a'], chart: 'fail-install' },
    ]);
    expect(readyCondition(failed)).toMatchObject({ status: 'False', reason: 'Uninstalled' });
    expect(await kube.get(HR, 'HelmRelease', namespace, 'a')).toBeUndefined();
    expect(await installedVersion(namespace, 'a')).toBeUndefined();
    const fixed = await update(namespace, [{ name: 'a' }, { name: 'b', dependencies: ['a'] }]);
    expect(readyCondition(fixed)).toMatchObject({ status: 'True' });
    expect([await installedVersion(namespace, 'a'), await installedVersion(namespace, 'b')]).toEqual([
      '1.0.0',
      '1.0.0',
    ]);
  });

  it('Uninstall: a failing upgrade → every release of the group uninstalled', async () => {
    const apps = (version: string): App[] => [
      { name: 'a' },
      { name: 'c', dependencies: ['a'], chart: 'fail-upgrade', version },
    ];
    const namespace = await readyGroup('e2e-uninstall', apps('1.0.0'), { remediation: 'Uninstall' });
    const after = await update(namespace, apps('2.0.0'), { remediation: 'Uninstall' });
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'Uninstalled' });
    for (const name of ['a', 'c']) expect(await kube.get(HR, 'HelmRelease', namespace, name)).toBeUndefined();
  });

  it('None: a failing upgrade → everything left as the rollout left it, reason Failed', async () => {
    const apps = (version: string): App[] => [
      { name: 'a', version },
      { name: 'c', dependencies: ['a'], chart: 'fail-upgrade', version },
    ];
    const namespace = await readyGroup('e2e-none', apps('1.0.0'), { remediation: 'None' });
    const after = await update(namespace, apps('2.0.0'), { remediation: 'None' });
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(readyCondition(after)?.message).toMatch(/^application c failed to install or upgrade: /);
    expect(await installedVersion(namespace, 'a')).toBe('2.0.0');
    expect((await kube.get(HR, 'HelmRelease', namespace, 'c'))?.spec?.chart?.spec?.version).toBe('2.0.0');
    expect((await workflowsOf(namespace)).some((w) => w.metadata?.name?.endsWith('-rollback'))).toBe(false);
  });
});

describe('recovery by the user', () => {
  it('the reconcile annotation retries the same generation once what made it fail is fixed', async () => {
    const namespace = await kube.createNamespace('e2e-retry');
    const target = await kube.createNamespace('e2e-retry-target');
    // A policy lets the group release into the quota's namespace (the group's own needs ConfigMaps
    // for its rollout record), and its orkestra-release gets rights there, as a platform team would.
    await kube.objects.create({
      apiVersion: AG,
      kind: 'ReleasePolicy',
      metadata: { name: namespace },
      spec: { namespaces: [namespace], targetNamespaces: [target] },
    } as Obj);
    await kube.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `orkestra-release-of-${namespace}`, namespace: target },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'orkestra-release', namespace }],
    } as Obj);
    // A quota in the release's namespace that its ConfigMap exceeds: the install fails until the
    // quota goes (enforced once kube-controller-manager has counted what is used).
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-configmaps', namespace: target },
      spec: { hard: { 'count/configmaps': '0' } },
    } as Obj);
    await waitForObject(kube, ['v1', 'ResourceQuota', target, 'no-configmaps'], 'to be counted', (q) =>
      Boolean(q.status?.hard),
    );
    const failed = await update(namespace, [{ name: 'a', release: { targetNamespace: target } }]);
    expect(readyCondition(failed)).toMatchObject({ status: 'False' });
    const generation = failed.metadata?.generation;
    await kube.remove('v1', 'ResourceQuota', target, 'no-configmaps');
    const annotated = await run(ensureTools().kubectl, [
      'annotate',
      '-n',
      namespace,
      'ag/g',
      '--overwrite',
      'orkestra.azure.microsoft.com/reconcile=retry-1',
    ]);
    expect(annotated.code, annotated.stderr).toBe(0);
    const ready = await kubectlWaitReady(namespace, 'g');
    expect(ready.code, ready.stderr).toBe(0);
    const retried = (await kube.get(AG, 'ApplicationGroup', namespace, 'g')) as Obj;
    expect(retried.metadata?.generation).toBe(generation);
    expect(retried.status).toMatchObject({
      lastHandledReconcileAt: 'retry-1',
      attempt: { generation, number: 1 },
    });
    expect(retried.status.workflow.name).toBe(`g-g${generation}-r1-forward`);
    expect(await installedVersion(target, 'a')).toBe('1.0.0');
  });
});
