// The plugin flavour on the real cluster: a controller started with --executor plugin (as the
// chart runs it with executor.flavour=plugin) expands groups into Workflows calling the
// orkestra-helmrelease-plugin templates; Argo's real agent runs the orkestra executor plugin as a
// sidecar and calls it for every step, so a Workflow has one agent pod and no step pods.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_CONTROLLER_LABEL } from '../cluster/control-plane.ts';
import { connect, type Kube, type Obj, waitForGone } from '../integration/kube.ts';
import { expectCreatedAfterReady, nodes, recordHelmReleaseEvents, WORKFLOW } from './argo.ts';
import { type OwnController, startOwnController } from './controllers.ts';
import {
  AG,
  abcChain,
  applyMissingVersionGroup,
  expectMissingVersionReported,
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
