import { describe, expect, it } from 'vitest';
import type { DagTask, Template, Workflow } from '../../../lib/api/argo.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import { renderForwardWorkflow } from './forward-workflow.ts';
import { renderReverseWorkflow } from './reverse-workflow.ts';
import { partsOf, splitLargeDags, WAIT_TEMPLATE } from './split-dags.ts';

const task = (name: string, dependencies: string[] = []): DagTask => ({
  name,
  templateRef: { name: 'orkestra-helmrelease', template: 'apply' },
  ...(dependencies.length > 0 ? { dependencies } : {}),
});

const workflowOf = (templates: Template[], entrypoint = templates[0]?.name as string): Workflow => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'wf' },
  spec: { entrypoint, templates },
});

const wait = (name: string, node: string, scope: string): DagTask => ({
  name,
  templateRef: { name: 'orkestra-helmrelease', template: WAIT_TEMPLATE },
  arguments: {
    parameters: [
      { name: 'node', value: node },
      { name: 'scope', value: scope },
    ],
  },
});

const template = (workflow: Workflow, name: string) => workflow.spec.templates.find((t) => t.name === name);

describe('splitLargeDags', () => {
  it('leaves a Workflow whose DAGs fit as it is', () => {
    const workflow = workflowOf([{ name: 'main', dag: { tasks: [task('a'), task('b', ['a'])] } }]);
    expect(splitLargeDags(workflow, wait, 2)).toBe(workflow);
  });

  it("a chain of 5 in parts of 3: the second part waits on the first part's last node by its node name", () => {
    const chain = ['a', 'b', 'c', 'd', 'e'].map((n, i, all) => task(n, i ? [all[i - 1] as string] : []));
    const split = splitLargeDags(workflowOf([{ name: 'main', dag: { tasks: chain } }]), wait, 3);
    expect(template(split, 'main')?.dag?.tasks).toEqual([
      { name: 'part-1', template: 'main-part-1' },
      { name: 'part-2', template: 'main-part-2' },
    ]);
    expect(template(split, 'main-part-1')?.dag?.tasks.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(template(split, 'main-part-2')?.dag?.tasks).toEqual([
      wait('wait-c', 'wf.part-1.c', 'wf.part-1'),
      task('d', ['wait-c']),
      task('e', ['d']),
    ]);
  });

  it('a DAG below the entry is named after the task that calls it, and a part name never takes a template name', () => {
    const nested = [task('x'), task('y'), task('z', ['x', 'y'])];
    const workflow = workflowOf([
      { name: 'forward', dag: { tasks: [{ name: 'install', template: 'install' }] } },
      { name: 'install', dag: { tasks: nested } },
      { name: 'install-part-1', dag: { tasks: [task('other')] } },
    ]);
    const split = splitLargeDags(workflow, wait, 2);
    expect(template(split, 'install')?.dag?.tasks.map((t) => t.template)).toEqual([
      'install-part-1-2',
      'install-part-2',
    ]);
    expect(template(split, 'install-part-2')?.dag?.tasks).toEqual([
      wait('wait-x', 'wf.install.part-1.x', 'wf.install.part-1'),
      wait('wait-y', 'wf.install.part-1.y', 'wf.install.part-1'),
      task('z', ['wait-x', 'wait-y']),
    ]);
  });

  it('a wait never takes the name of a task of its part', () => {
    const tasks = [task('a'), task('c', ['a']), task('x'), task('y'), task('wait-a'), task('b', ['a'])];
    const split = splitLargeDags(workflowOf([{ name: 'main', dag: { tasks } }]), wait, 4);
    expect(template(split, 'main-part-2')?.dag?.tasks).toEqual([
      wait('wait-a-2', 'wf.part-1.a', 'wf.part-1'),
      task('wait-a'),
      task('b', ['wait-a-2']),
    ]);
  });

  it('partsOf finds the part each task runs in, and no waits', () => {
    const tasks = [task('a'), task('wait-a'), task('b', ['a'])];
    const split = splitLargeDags(workflowOf([{ name: 'main', dag: { tasks } }]), wait, 2);
    expect(Object.fromEntries(partsOf(split, 'main'))).toEqual({
      a: 'part-1',
      'wait-a': 'part-1',
      b: 'part-2',
    });
    expect(partsOf(workflowOf([{ name: 'main', dag: { tasks } }]), 'main').size).toBe(0);
  });
});

describe('rendering a group of 1,000 applications', () => {
  // Ten layers of 100; each application depends on two of the layer before.
  const apps = Array.from({ length: 1000 }, (_, i) => {
    const layer = Math.floor(i / 100);
    const deps =
      layer === 0
        ? []
        : [`app-${(layer - 1) * 100 + (i % 100)}`, `app-${(layer - 1) * 100 + ((i + 1) % 100)}`];
    return application(`app-${i}`, deps);
  });
  const group = groupOf(apps);

  for (const [what, workflow] of [
    ['forward', renderForwardWorkflow(group).workflow],
    ['reverse', renderReverseWorkflow(group).workflow],
  ] as const) {
    it(`${what}: every DAG template has at most 200 tasks, and every dependency is kept, directly or by a wait on its node`, () => {
      const templates = workflow.spec.templates;
      expect(templates.length).toBeLessThanOrEqual(200);
      for (const t of templates) expect(t.dag?.tasks.length ?? 0).toBeLessThanOrEqual(200);
      const entry = template(workflow, workflow.spec.entrypoint) as Template;
      const parts = partsOf(workflow, entry.name);
      expect(parts.size).toBeGreaterThanOrEqual(1000);
      // Every original edge, as the rendered Workflow says it: inside a part, or through a wait.
      const edges = new Set<string>();
      for (const t of templates.filter((x) => x.metadata)) {
        const waits = new Map(
          (t.dag?.tasks ?? [])
            .filter((x) => x.templateRef?.template === WAIT_TEMPLATE)
            .map((x) => [x.name, x.arguments?.parameters?.find((p) => p.name === 'node')?.value ?? '']),
        );
        for (const x of t.dag?.tasks ?? []) {
          for (const d of x.dependencies ?? []) {
            const node = waits.get(d);
            if (node === undefined) edges.add(`${d}>${x.name}`);
            else {
              const dependency = node.split('.').at(-1) as string;
              expect(node).toBe(`${workflow.metadata.name}.${parts.get(dependency)}.${dependency}`);
              edges.add(`${dependency}>${x.name}`);
            }
          }
        }
      }
      expect(edges.size).toBe(1800);
    });
  }
});
