// What is refused, and by whom, on the real control plane: the API server (the CRD's schema) takes
// groups of up to 1,000 applications and refuses more, a repeated name or too wide a fan-in; the
// controller reports what the CRD cannot afford to check (cycles, unknown dependencies) as Stalled,
// and creates no Workflow.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTools } from '../cluster/tools.ts';
import { condition, connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { WORKFLOW } from './argo.ts';
import { run } from './cli.ts';
import { AG, type App, group, kubectlApply, readyCondition } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

/** The group once its Stalled condition is set. */
const stalledGroup = (namespace: string, name: string) =>
  waitForObject(kube, [AG, 'ApplicationGroup', namespace, name], 'Stalled', (g) =>
    Boolean(condition(g, 'Stalled')),
  );

describe('an ApplicationGroup that is refused', () => {
  it('a cycle (which the CRD cannot see) → Stalled=True naming the cycle, and no Workflow', async () => {
    const namespace = await kube.createNamespace('e2e-ag-cycle');
    await kubectlApply(
      group(namespace, 'loop', [
        { name: 'a', dependencies: ['c'] },
        { name: 'b', dependencies: ['a'] },
        { name: 'c', dependencies: ['b'] },
      ]),
    );
    const stalled = await stalledGroup(namespace, 'loop');
    expect(condition(stalled, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'The spec is invalid: spec.applications: dependency cycle: a → c → b → a',
    });
    expect(readyCondition(stalled)).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect((await kube.objects.list(WORKFLOW, 'Workflow', namespace)).items).toEqual([]);
    expect(stalled.metadata?.finalizers ?? []).toEqual([]);
  });

  it('an unknown dependency (which the CRD no longer checks: too costly at 1,000 applications) → Stalled=True naming it', async () => {
    const namespace = await kube.createNamespace('e2e-ag-unknown');
    await kubectlApply(
      group(namespace, 'orphan', [{ name: 'a' }, { name: 'b', dependencies: ['a', 'ghost'] }]),
    );
    const stalled = await stalledGroup(namespace, 'orphan');
    expect(condition(stalled, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'The spec is invalid: spec.applications[1].dependencies[1]: unknown application "ghost"',
    });
    expect((await kube.objects.list(WORKFLOW, 'Workflow', namespace)).items).toEqual([]);
  });

  it('the API server takes groups of 129 and 1,000 applications and a fan-in of 199, and refuses a repeated name, naming it', async () => {
    const namespace = await kube.createNamespace('e2e-ag-sizes');
    const chain = (name: string, size: number, extra: App[] = []) =>
      group(namespace, name, [
        ...Array.from({ length: size }, (_, i) => ({
          name: `app-${i}`,
          dependencies: i > 0 ? [`app-${i - 1}`] : [],
        })),
        ...extra,
      ]);
    const serverDryRun = async (object: Obj) => {
      const file = join(mkdtempSync(join(tmpdir(), 'orkestra-sizes-')), 'group.json');
      writeFileSync(file, JSON.stringify(object));
      return run(ensureTools().kubectl, ['create', '--dry-run=server', '-f', file]);
    };
    expect(await serverDryRun(chain('g129', 129))).toMatchObject({ code: 0 });
    expect(await serverDryRun(chain('g1000', 1000))).toMatchObject({ code: 0 });
    // A fan-in as wide as the schema allows: one application waiting on 199 others.
    const fanIn = (name: string, width: number) =>
      chain(name, width, [
        { name: 'last', dependencies: Array.from({ length: width }, (_, i) => `app-${i}`) },
      ]);
    expect(await serverDryRun(fanIn('fan199', 199))).toMatchObject({ code: 0 });
    expect((await serverDryRun(fanIn('fan200', 200))).stderr).toContain(
      'spec.applications[200].dependencies: Too many: 200: must have at most 199 items',
    );
    const tooMany = await serverDryRun(chain('g1001', 1001));
    expect(tooMany.stderr).toContain('spec.applications: Too many: 1001: must have at most 1000 items');
    const repeated = await serverDryRun(chain('again', 3, [{ name: 'app-1' }]));
    expect(repeated.stderr).toContain('spec.applications[3]: Duplicate value: {"name":"app-1"}');
  });
});
