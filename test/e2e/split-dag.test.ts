// Groups larger than one DAG template may hold (Argo's full CRDs: 200 tasks) on the real cluster,
// made small by --dag-task-limit=2: the DAG is split into parts, all started at once, and a
// dependency across parts is a wait step watching the dependency's node. With the plugin (waits in
// the agent) and with a pod per step (waits as pods).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_CONTROLLER_LABEL } from '../cluster/control-plane.ts';
import { connect, type Kube, type Obj } from '../integration/kube.ts';
import { expectCreatedAfterReady, nodes, recordHelmReleaseEvents, WORKFLOW } from './argo.ts';
import { type OwnController, startOwnController } from './controllers.ts';
import {
  AG,
  abcChain,
  applyMissingVersionGroup,
  expectMissingVersionReported,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';

let kube: Kube;
const controllers: OwnController[] = [];
const flavours = { plugin: 'split-plugin', pod: 'split-pod' } as const;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
  for (const [flavour, name] of Object.entries(flavours)) {
    controllers.push(
      startOwnController(name, {
        lease: name,
        args: [
          `--executor=${flavour}`,
          '--dag-task-limit=2',
          `--watch-label-selector=${TEST_CONTROLLER_LABEL}=${name}`,
        ],
      }),
    );
  }
});

afterAll(() => {
  for (const controller of controllers) controller.child.kill('SIGTERM');
});

/** a → b → c in parts of 2 tasks: part 1 runs a and b; part 2 waits on b's node, then runs c. */
async function rollOutChain(flavour: keyof typeof flavours): Promise<Obj> {
  const namespace = await kube.createNamespace(`e2e-split-${flavour}`);
  const recorder = await recordHelmReleaseEvents(namespace);
  try {
    await kubectlApply(abcChain(namespace, { [TEST_CONTROLLER_LABEL]: flavours[flavour] }));
    const waited = await kubectlWaitReady(namespace, 'chain', '240s');
    expect(waited.code, waited.stderr).toBe(0);
    expectCreatedAfterReady(recorder.events, [
      ['a', 'b'],
      ['b', 'c'],
    ]);
  } finally {
    recorder.stop();
  }
  const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'chain-g1-forward')) as Obj;
  const templates = workflow.spec.templates as Array<{
    name: string;
    dag: { tasks: Array<{ name: string }> };
  }>;
  expect(templates.map((t) => [t.name, t.dag.tasks.map((task) => task.name)])).toEqual([
    ['forward', ['part-1', 'part-2']],
    ['forward-part-1', ['a', 'b']],
    ['forward-part-2', ['wait-b', 'c']],
  ]);
  const byName = new Map(nodes(workflow).map((n) => [n.name, n]));
  expect(byName.get('chain-g1-forward.part-2.wait-b')?.phase).toBe('Succeeded');
  // Status reads through the parts: every application with the version it installed.
  const chain = (await kube.get(AG, 'ApplicationGroup', namespace, 'chain')) as Obj;
  expect(readyCondition(chain)).toMatchObject({ status: 'True', reason: 'Succeeded' });
  expect(
    chain.status.applications.map((a: { name: string; phase: string; version: string }) => [
      a.name,
      a.phase,
      a.version,
    ]),
  ).toEqual([
    ['a', 'Succeeded', '1.0.0'],
    ['b', 'Succeeded', '1.0.0'],
    ['c', 'Succeeded', '2.0.0'],
  ]);
  return workflow;
}

describe('a DAG split into parts (--dag-task-limit=2)', () => {
  it('with the plugin: each part waits on the nodes it depends on, and the group rolls out in order', async () => {
    const workflow = await rollOutChain('plugin');
    expect(nodes(workflow).find((n) => n.name === 'chain-g1-forward.part-2.wait-b')?.type).toBe('Retry');
  });

  it('with a pod per step: the wait is a pod of its own, and the group rolls out in order', async () => {
    const workflow = await rollOutChain('pod');
    const wait = nodes(workflow).find((n) => n.name === 'chain-g1-forward.part-2.wait-b(0)');
    expect(wait?.type).toBe('Pod');
  });

  it('a failure in one part: the wait on it fails, what depends on it is not run, and status names it', async () => {
    // first → missing (chart version 9.9.9) → after: part 1 runs first and missing; part 2 waits on
    // missing, then would run after.
    const namespace = await kube.createNamespace('e2e-split-failed');
    const failed = await applyMissingVersionGroup(kube, namespace, {
      [TEST_CONTROLLER_LABEL]: flavours.plugin,
    });
    await expectMissingVersionReported(kube, namespace, failed);
    const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'broken-g1-forward')) as Obj;
    const byName = new Map(nodes(workflow).map((n) => [n.name, n]));
    expect(byName.get('broken-g1-forward.part-2.wait-missing')?.phase).toBe('Failed');
    expect(byName.get('broken-g1-forward.part-2.after')?.phase ?? 'absent').toMatch(/^(Omitted|absent)$/);
  });
});
