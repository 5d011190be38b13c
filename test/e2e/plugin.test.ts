// The plugin flavour on the real cluster: a controller started with --executor plugin (as the
// chart runs it with executor.flavour=plugin) expands groups into Workflows calling the
// orkestra-helmrelease-plugin templates; Argo's real agent runs the orkestra executor plugin as a
// sidecar and calls it for every step, so a Workflow has one agent pod and no step pods.
import { PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { TEST_CONTROLLER_LABEL } from '../cluster/control-plane.ts';
import { projectImageRefs } from '../cluster/node/images.ts';
import { condition, connect, type Kube, type Obj, waitForGone, waitForObject } from '../integration/kube.ts';
import { expectCreatedAfterReady, nodes, recordHelmReleaseEvents, WORKFLOW } from './argo.ts';
import { type OwnController, startOwnController } from './controllers.ts';
import {
  AG,
  abcChain,
  applyMissingVersionGroup,
  expectMissingVersionReported,
  groupStalled,
  HR,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';

let kube: Kube;
let controller: OwnController;
const NAME = 'plugin-flavour';
const labels = { [TEST_CONTROLLER_LABEL]: NAME };

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
  controller = startOwnController(NAME, {
    lease: NAME,
    args: ['--executor=plugin', `--watch-label-selector=${TEST_CONTROLLER_LABEL}=${NAME}`],
  });
});

afterAll(() => {
  controller.child.kill('SIGTERM');
});

const podsOf = async (namespace: string) =>
  ((await kube.objects.list('v1', 'Pod', namespace)).items as Obj[]).map((p) => p.metadata?.name as string);

describe('--executor plugin', () => {
  it('rolls out a → b → c in dependency order through the plugin: one agent pod, no step pods', async () => {
    const namespace = await kube.createNamespace('e2e-plugin');
    const recorder = await recordHelmReleaseEvents(namespace);
    const pods = new Set<string>();
    const podWatch = setInterval(async () => {
      for (const pod of await podsOf(namespace).catch(() => [])) pods.add(pod);
    }, 200);
    try {
      await kubectlApply(abcChain(namespace, labels));
      const waited = await kubectlWaitReady(namespace, 'chain');
      expect(waited.code, waited.stderr).toBe(0);
      expectCreatedAfterReady(recorder.events, [
        ['a', 'b'],
        ['b', 'c'],
      ]);
    } finally {
      clearInterval(podWatch);
      recorder.stop();
    }
    // One pod: Argo's agent, with the plugin beside it.
    expect([...pods]).toEqual([expect.stringMatching(/^chain-g1-forward-\d+-agent$/)]);
    const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'chain-g1-forward')) as Obj;
    expect(workflow.spec.templates[0].dag.tasks[0].templateRef).toMatchObject({
      name: 'orkestra-helmrelease-plugin',
      clusterScope: true,
    });
    const steps = nodes(workflow).filter((n) => n.type === 'Plugin');
    expect(steps.map((n) => n.displayName).sort()).toEqual(['a(0)', 'b(0)', 'c(0)']);
    // Status reads the plugin's outcome as it reads a step pod's: versions and messages.
    const chain = (await kube.get(AG, 'ApplicationGroup', namespace, 'chain')) as Obj;
    expect(readyCondition(chain)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(
      chain.status.applications.map((a: { name: string; version: string }) => [a.name, a.version]),
    ).toEqual([
      ['a', '1.0.0'],
      ['b', '1.0.0'],
      ['c', '2.0.0'],
    ]);
    // The namespace got the plugin, its identity and the token Secrets Argo mounts.
    expect(
      (await kube.get('v1', 'ConfigMap', namespace, 'orkestra-executor-plugin'))?.metadata?.labels,
    ).toMatchObject({
      'workflows.argoproj.io/configmap-type': 'ExecutorPlugin',
    });

    // Deleted, the group is uninstalled by the plugin too (the reverse Workflow).
    await kube.remove(AG, 'ApplicationGroup', namespace, 'chain');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'chain'], 120_000);
    for (const release of ['a', 'b', 'c'])
      expect(await kube.get(HR, 'HelmRelease', namespace, release)).toBeUndefined();
  });

  it('a chart version that does not exist → Ready=False naming the application, from the plugin’s outcome', async () => {
    const namespace = await kube.createNamespace('e2e-plugin-missing');
    const failed = await applyMissingVersionGroup(kube, namespace, labels);
    await expectMissingVersionReported(kube, namespace, failed);
  });
});

describe('--executor plugin: the objects of a group namespace', () => {
  const merge = (object: Obj) =>
    kube.objects.patch(object, undefined, undefined, 'someone-else', undefined, PatchStrategy.MergePatch);
  const PLUGIN = 'orkestra-executor-plugin';
  const TOKENS = [
    'orkestra-executor.service-account-token',
    'orkestra-executor-plugin.service-account-token',
  ];
  const annotate = (namespace: string, annotations: Record<string, string>) =>
    merge({ apiVersion: AG, kind: 'ApplicationGroup', metadata: { name: 'chain', namespace, annotations } });
  /** Asks for another attempt at the generation: a new forward Workflow, so a new agent pod. */
  const requestRetry = (namespace: string, request: string) =>
    annotate(namespace, { 'orkestra.azure.microsoft.com/reconcile': request });
  /** The group once `workflow` (its forward Workflow of an attempt) made it Ready. */
  const readyBy = (namespace: string, workflow: string) =>
    waitForObject(
      kube,
      [AG, 'ApplicationGroup', namespace, 'chain'],
      `Ready by Workflow ${workflow}`,
      (g) => g.status?.workflow?.name === workflow && readyCondition(g)?.status === 'True',
      150_000,
    );

  it('the plugin ConfigMap is the controller’s own (set back when edited), a forged token Secret is refused, and the last group takes them all', async () => {
    // Given a group rolled out through the plugin.
    const namespace = await kube.createNamespace('e2e-plugin-objects');
    await kubectlApply(abcChain(namespace, labels));
    const waited = await kubectlWaitReady(namespace, 'chain');
    expect(waited.code, waited.stderr).toBe(0);
    const written = (await kube.get('v1', 'ConfigMap', namespace, PLUGIN)) as Obj;
    // The sidecar comes from the controller's flags, not from a ConfigMap anyone could edit.
    expect(parse(written.data?.['sidecar.container'] as string)).toMatchObject({
      name: PLUGIN,
      image: projectImageRefs().executor,
      resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '512Mi' } },
    });
    for (const name of TOKENS) {
      const secret = (await kube.get('v1', 'Secret', namespace, name)) as Obj & { type?: string };
      expect(secret.type).toBe('kubernetes.io/service-account-token');
      expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'orkestra' });
    }

    // When someone with ConfigMap rights in the namespace points the sidecar elsewhere and adds a key,
    await merge({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: PLUGIN, namespace },
      data: { 'sidecar.container': 'name: orkestra-executor-plugin\nimage: busybox\n', 'sidecar.extra': 'x' },
    });
    // then the next Workflow of the group runs the controller's sidecar: the ConfigMap is set back first.
    await requestRetry(namespace, 'retry-1');
    await readyBy(namespace, 'chain-g1-r1-forward');
    expect(((await kube.get('v1', 'ConfigMap', namespace, PLUGIN)) as Obj).data).toEqual(written.data);

    // When the plugin's token Secret is replaced by one that hands the agent another identity's token,
    await kube.remove('v1', 'Secret', namespace, TOKENS[1] as string);
    await waitForGone(kube, ['v1', 'Secret', namespace, TOKENS[1] as string]);
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: TOKENS[1],
        namespace,
        annotations: { 'kubernetes.io/service-account.name': 'orkestra-release' },
      },
    } as Obj);
    await requestRetry(namespace, 'retry-2');
    // then the group says so and no Workflow uses it.
    const refused = await groupStalled(kube, namespace, 'chain');
    expect(condition(refused, 'Stalled')).toMatchObject({ reason: 'Conflict' });
    expect(condition(refused, 'Stalled')?.message).toContain(
      `Secret ${namespace}/${TOKENS[1]} is not the token of ServiceAccount orkestra-executor-plugin that Orkestra creates (its annotation kubernetes.io/service-account.name is "orkestra-release", not "orkestra-executor-plugin", it lacks the label app.kubernetes.io/managed-by=orkestra)`,
    );
    expect(await kube.get(WORKFLOW, 'Workflow', namespace, 'chain-g1-r2-forward')).toBeUndefined();
    // Once it is gone, the controller makes its own and the attempt runs.
    await kube.remove('v1', 'Secret', namespace, TOKENS[1] as string);
    await waitForGone(kube, ['v1', 'Secret', namespace, TOKENS[1] as string]);
    await annotate(namespace, { 'orkestra.azure.microsoft.com/nudge': '1' });
    await readyBy(namespace, 'chain-g1-r2-forward');

    // When the namespace's last group is deleted, the plugin's objects go with it.
    await kube.remove(AG, 'ApplicationGroup', namespace, 'chain');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'chain'], 120_000);
    for (const [kind, name] of [
      ['ConfigMap', PLUGIN],
      ['ServiceAccount', PLUGIN],
      ...TOKENS.map((token) => ['Secret', token]),
    ] as const)
      expect(await kube.get('v1', kind, namespace, name), `${kind} ${name}`).toBeUndefined();
    expect(await kube.get('rbac.authorization.k8s.io/v1', 'RoleBinding', namespace, PLUGIN)).toBeUndefined();
  });
});
