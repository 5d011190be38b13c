import { beforeAll, describe, expect, inject, it } from 'vitest';
import { httpRequest } from '../cluster/http.ts';
import { ensureTools } from '../cluster/tools.ts';
import { waitFor } from '../cluster/wait.ts';
import { connect, type Kube, type Obj, waitForGone, waitForObject } from '../integration/kube.ts';
import { expectCreatedAfterReady, recordHelmReleaseEvents, WORKFLOW, watchEvents } from './argo.ts';
import { run } from './cli.ts';
import { startOwnController } from './controllers.ts';
import {
  AG,
  applyMissingVersionGroup,
  expectMissingVersionReported,
  group,
  HR,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

describe('kubectl apply of an ApplicationGroup', () => {
  it('rolls out four applications (a chain and a fan-in) in dependency order, then Ready=True', async () => {
    const namespace = await kube.createNamespace('e2e-ag');
    const recorder = await recordHelmReleaseEvents(namespace);
    try {
      // Given a → b → d and c → d, in a namespace nobody prepared for Orkestra
      await kubectlApply(
        group(namespace, 'shop', [
          { name: 'a' },
          { name: 'b', dependencies: ['a'] },
          { name: 'c' },
          { name: 'd', dependencies: ['b', 'c'], version: '2.0.0' },
        ]),
      );
      // When the controller has rolled it out
      const waited = await kubectlWaitReady(namespace, 'shop');
      expect(waited.code, waited.stderr).toBe(0);
      // Then every HelmRelease was created only after those it depends on were Ready
      expectCreatedAfterReady(recorder.events, [
        ['a', 'b'],
        ['b', 'd'],
        ['c', 'd'],
      ]);
    } finally {
      recorder.stop();
    }
    // And status says so, per application, with the chart versions installed
    const shop = (await kube.get(AG, 'ApplicationGroup', namespace, 'shop')) as Obj;
    expect(readyCondition(shop)).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: 'All 4 applications are ready (Workflow shop-g1-forward)',
    });
    expect(shop.status.observedGeneration).toBe(shop.metadata?.generation);
    expect(shop.status.lastSucceededGeneration).toBe(shop.metadata?.generation);
    expect(shop.status.workflow).toEqual({ name: 'shop-g1-forward', type: 'forward', phase: 'Succeeded' });
    expect(
      shop.status.applications.map((a: { name: string; phase: string; version: string }) => [
        a.name,
        a.phase,
        a.version,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['a', 'Succeeded', '1.0.0'],
        ['b', 'Succeeded', '1.0.0'],
        ['c', 'Succeeded', '1.0.0'],
        ['d', 'Succeeded', '2.0.0'],
      ]),
    );
    // The Workflow is the group's: owned by it, labelled, calling the ClusterWorkflowTemplate.
    const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'shop-g1-forward')) as Obj;
    expect(workflow.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'ApplicationGroup',
      name: 'shop',
      uid: shop.metadata?.uid,
    });
    expect(workflow.spec.templates[0].dag.tasks[0].templateRef).toMatchObject({ clusterScope: true });
    expect((await kube.get('v1', 'ConfigMap', namespace, 'd-config'))?.data?.chartVersion).toBe('2.0.0');
    // And Prometheus sees it: Workflows created, groups by phase, passes.
    const metrics = (await httpRequest(inject('controllerMetrics'))).body;
    expect(metrics).toMatch(/^orkestra_workflows_created_total\{type="forward"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^orkestra_application_groups\{phase="Succeeded"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^orkestra_reconciles_total\{result="success"\} [1-9]\d*$/m);
  });

  it('a chart version that does not exist → Ready=False naming that application, long before its timeout', async () => {
    const namespace = await kube.createNamespace('e2e-ag-missing');
    const failed = await applyMissingVersionGroup(kube, namespace);
    await expectMissingVersionReported(kube, namespace, failed);
  });

  it('a group too large for inline parameters rolls out through release-bundle ConfigMaps', async () => {
    const namespace = await kube.createNamespace('e2e-ag-large');
    const blob = 'x'.repeat(150_000);
    await kubectlApply(
      group(namespace, 'large', [
        { name: 'first', release: { values: { blob } } },
        { name: 'second', dependencies: ['first'], release: { values: { blob } } },
      ]),
      // A client-side apply keeps the whole object in an annotation, which may not exceed 256 KiB.
      { serverSide: true },
    );
    expect((await kubectlWaitReady(namespace, 'large')).code).toBe(0);
    const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'large-g1-forward')) as Obj;
    const parameter = workflow.spec.templates[0].dag.tasks[0].arguments.parameters[0];
    expect(parameter).toMatchObject({ name: 'helmrelease', value: expect.stringMatching(/^configmap:/) });
    const bundle = await kube.get('v1', 'ConfigMap', namespace, 'large-g1-forward-releases-0');
    expect(bundle?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ApplicationGroup', name: 'large' });
    expect((await kube.get(HR, 'HelmRelease', namespace, 'second'))?.spec?.values?.blob).toHaveLength(
      150_000,
    );
  });
});

/** Given a group `chain` (first → second → third) that is Ready, in a new namespace. */
async function readyChain(prefix: string): Promise<string> {
  const namespace = await kube.createNamespace(prefix);
  await kubectlApply(
    group(namespace, 'chain', [
      { name: 'first' },
      { name: 'second', dependencies: ['first'] },
      { name: 'third', dependencies: ['second'] },
    ]),
  );
  expect((await kubectlWaitReady(namespace, 'chain')).code).toBe(0);
  return namespace;
}

describe('kubectl delete of an ApplicationGroup', () => {
  it('uninstalls a Ready group dependents first (watch order), then the group is gone', async () => {
    const namespace = await readyChain('e2e-ag-delete');
    const deletions: string[] = [];
    const watch = await watchEvents(
      `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
      {},
      (type, object) => {
        if (type === 'DELETED') deletions.push(object.metadata?.name as string);
      },
    );
    try {
      const deleted = await run(ensureTools().kubectl, [
        'delete',
        '-n',
        namespace,
        'ag/chain',
        '--timeout=150s',
      ]);
      expect(deleted.code, deleted.stderr).toBe(0);
    } finally {
      watch.stop();
    }
    expect(deletions).toEqual(['third', 'second', 'first']);
    expect(await kube.get(AG, 'ApplicationGroup', namespace, 'chain')).toBeUndefined();
    for (const name of ['first', 'second', 'third']) {
      expect(await kube.get('v1', 'ConfigMap', namespace, `${name}-config`)).toBeUndefined();
      expect(await kube.get('v1', 'Secret', namespace, `sh.helm.release.v1.${name}.v1`)).toBeUndefined();
      expect(await kube.get('v1', 'ConfigMap', namespace, `orkestra-previous-${name}`)).toBeUndefined();
    }
  });

  it('while its forward Workflow runs: stops it, uninstalls everything, and the group is gone', async () => {
    const namespace = await kube.createNamespace('e2e-ag-stop');
    // `stuck` never becomes ready (a Deployment nothing runs): its step waits until deleted.
    await kubectlApply(
      group(namespace, 'busy', [
        { name: 'first' },
        { name: 'stuck', dependencies: ['first'], chart: 'never-ready', release: { timeout: '20s' } },
      ]),
    );
    await waitForObject(kube, [HR, 'HelmRelease', namespace, 'stuck'], 'to be created', () => true);
    const running = (await kube.get(WORKFLOW, 'Workflow', namespace, 'busy-g1-forward')) as Obj;
    expect(running.status?.phase).toBe('Running');

    const deleted = await run(ensureTools().kubectl, [
      'delete',
      '-n',
      namespace,
      'ag/busy',
      '--timeout=170s',
    ]);
    expect(deleted.code, deleted.stderr).toBe(0);
    // The rollout was stopped, not left to run on (the Workflow went with the group, so the
    // controller's Event says it).
    const events = await kube.objects.list('v1', 'Event', namespace);
    expect(events.items.map((e) => (e as Obj & { reason: string }).reason)).toContain('Stopping');
    expect((await kube.objects.list(HR, 'HelmRelease', namespace)).items).toEqual([]);
    expect(await kube.get('v1', 'ConfigMap', namespace, 'first-config')).toBeUndefined();
  });

  it('lets a namespace that holds a Ready group be deleted (nothing can be created there any more)', async () => {
    const namespace = await readyChain('e2e-ag-namespace');
    await kube.remove('v1', 'Namespace', undefined, namespace);
    await waitForGone(kube, ['v1', 'Namespace', undefined, namespace], 150_000);
  });

  it('finishes when someone deletes the reverse Workflow mid-way: the controller creates it again', async () => {
    const namespace = await readyChain('e2e-ag-reverse');
    const seen: Array<{ type: string; uid: string }> = [];
    const watch = await watchEvents(
      `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      {},
      (type, object) => {
        if (object.metadata?.labels?.['orkestra.azure.microsoft.com/workflow-type'] === 'reverse')
          seen.push({ type, uid: object.metadata?.uid as string });
      },
    );
    try {
      await kube.remove(AG, 'ApplicationGroup', namespace, 'chain');
      // When the reverse Workflow appears, someone deletes it at once.
      const first = await waitFor('the reverse Workflow', () => seen.find((e) => e.type === 'ADDED'), {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      const reverse = (await kube.objects.list(WORKFLOW, 'Workflow', namespace)).items.find(
        (w) => w.metadata?.uid === first.uid,
      );
      await kube.remove(WORKFLOW, 'Workflow', namespace, reverse?.metadata?.name as string);
      // Then the group is gone all the same, through a second reverse Workflow.
      await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'chain'], 150_000);
    } finally {
      watch.stop();
    }
    const created = new Set(seen.filter((e) => e.type === 'ADDED').map((e) => e.uid));
    expect(created.size, JSON.stringify(seen)).toBe(2);
    expect((await kube.objects.list(HR, 'HelmRelease', namespace)).items).toEqual([]);
  });
});

describe('several controllers (leader election on a Lease)', () => {
  const startController = (name: string, lease: string, namespace: string) =>
    startOwnController(name, { lease, args: [`--namespaces=${namespace}`] });

  it('only the one holding the Lease reconciles; stopped, it gives the Lease up and the other takes over', async () => {
    const namespace = await kube.createNamespace('e2e-lease');
    const lease = `e2e-lease-${namespace}`;
    const a = startController('a', lease, namespace);
    const b = startController('b', lease, namespace);
    try {
      const leader = await waitFor(
        'one controller to lead',
        () => [a, b].find((c) => c.said('Became the leader')),
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      const standby = leader === a ? b : a;
      await waitFor('the other to wait for the Lease', () => standby.said('Waiting to become the leader'), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      // The leader starts its informers once it leads ("Controller started" may come after the
      // standby's first message: no order between the two processes).
      await waitFor('the leader to start', () => leader.said('Controller started'), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      // The standby does nothing: it has not even started its informers.
      expect(standby.said('Controller started')).toBe(false);

      // When the leader is stopped, it releases the Lease, and the standby leads well before the
      // Lease (15 s) would have expired.
      leader.child.kill('SIGTERM');
      expect(await leader.exited).toBe(0);
      expect(leader.said('Released the Lease')).toBe(true);
      // Faster than expiry could make it: the Lease lasts 15 s after the leader's last renewal.
      await waitFor('the standby to lead', () => standby.said('Controller started'), {
        timeoutMs: 12_000,
        intervalMs: 100,
      });
      const held = (await kube.get('coordination.k8s.io/v1', 'Lease', 'orkestra', lease)) as Obj;
      expect(held.spec.leaseTransitions).toBe(1);
    } finally {
      for (const c of [a, b]) c.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  });
});
