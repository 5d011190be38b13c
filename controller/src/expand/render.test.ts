import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { DagTask, Workflow } from '../../../lib/api/argo.ts';
import { isDnsLabel } from '../../../lib/names.ts';
import { parseBundleReference } from '../../../lib/release-bundle.ts';
import { toYamlStream } from '../../../lib/yaml.ts';
import { application, bookinfo, groupFiles, groupOf } from '../../../test/support/groups.ts';
import { parseApplicationGroups } from '../cli/load.ts';
import { renderForwardWorkflow } from './forward-workflow.ts';
import { mergeUnits, releaseUnits } from './removal.ts';
import { renderReverseWorkflow } from './reverse-workflow.ts';
import { renderRollbackWorkflow } from './rollback-workflow.ts';
import type { RenderedWorkflow } from './settings.ts';

const root = join(import.meta.dirname, '../../..');
const goldenDir = join(root, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function loadGroups(path: string): ApplicationGroup[] {
  return parseApplicationGroups(readFileSync(path, 'utf8'), path);
}

function output(rendered: RenderedWorkflow): string {
  return toYamlStream([...rendered.configMaps, rendered.workflow]);
}

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff). */
function expectGolden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (update || !existsSync(path)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
    if (!update) throw new Error(`wrote missing golden file ${name}; review and commit it`);
  }
  expect(actual, `golden file ${name} differs; run UPDATE_GOLDEN=1 npm test and review the diff`).toBe(
    readFileSync(path, 'utf8'),
  );
}

describe('golden Workflows: every group file in examples/ and test/fixtures/groups/', () => {
  it.each(groupFiles().map((f) => [basename(f, '.yaml'), f]))('%s', (name, file) => {
    const groups = loadGroups(file);
    expectGolden(`${name}.forward.yaml`, groups.map((g) => output(renderForwardWorkflow(g))).join('---\n'));
    expectGolden(`${name}.reverse.yaml`, groups.map((g) => output(renderReverseWorkflow(g))).join('---\n'));
  });

  const rollbackCases = readdirSync(join(root, 'test/fixtures/rollback'));
  it.each(rollbackCases)('rollback: %s', (name) => {
    const dir = join(root, 'test/fixtures/rollback', name);
    const [failed] = loadGroups(join(dir, 'failed.yaml'));
    const last = existsSync(join(dir, 'last-succeeded.yaml'))
      ? loadGroups(join(dir, 'last-succeeded.yaml'))[0]
      : undefined;
    expectGolden(`${name}.rollback.yaml`, output(renderRollbackWorkflow(failed as ApplicationGroup, last)));
    // The other way round: the last successful spec applied over the failed one, whose extra
    // releases the forward Workflow removes first.
    if (last) {
      expectGolden(
        `${name}.forward-removing.yaml`,
        output(renderForwardWorkflow(last, {}, releaseUnits((failed as ApplicationGroup).spec))),
      );
    }
  });
});

/** Every task of every DAG template, keyed `template/task`. */
function tasksOf(workflow: Workflow): Map<string, DagTask> {
  return new Map(
    workflow.spec.templates.flatMap((t) =>
      (t.dag?.tasks ?? []).map((task) => [`${t.name}/${task.name}`, task]),
    ),
  );
}

function parameter(task: DagTask | undefined, name: string): string | undefined {
  return task?.arguments?.parameters?.find((p) => p.name === name)?.value;
}

describe('parameters Argo and the kubelet leave as they are', () => {
  const [group] = loadGroups(join(root, 'test/fixtures/groups/templated-values.yaml')) as [ApplicationGroup];
  const valuesOf = (name: string) =>
    group.spec.applications.find((a) => a.name === name)?.spec.release?.values;
  // alerts and portal succeeded before; the rollback deletes dashboards and restores both.
  const lastSucceeded = {
    ...group,
    spec: { applications: group.spec.applications.filter((a) => a.name !== 'dashboards') },
  };

  it.each<[string, () => RenderedWorkflow]>([
    ['forward', () => renderForwardWorkflow(group)],
    ['rollback', () => renderRollbackWorkflow(group, lastSucceeded)],
  ])(
    '%s: no {{ (Argo) and no $ (kubelet) in any parameter; each decodes to the values as written',
    (_type, render) => {
      const { workflow, configMaps } = render();
      expect(configMaps).toEqual([]);
      // Every step's parameters, the stage step's too (the group has an application with subcharts).
      const steps = [...tasksOf(workflow).values()].filter((t) => t.templateRef);
      expect(steps.map((t) => t.templateRef?.template)).toEqual(expect.arrayContaining(['apply', 'stage']));
      for (const task of steps) {
        for (const { name, value } of task.arguments?.parameters ?? []) {
          // The one expression Orkestra writes itself: a staged subchart's version, from its stage step.
          if (name === 'chart-version' && task.templateRef?.template === 'apply') {
            expect(value).toMatch(
              /^\{\{=jsonpath\(tasks\['stage(-\d+)?'\]\.outputs\.parameters\.result, '\$\.staged\[\d+\]\.version'\)\}\}$/,
            );
            continue;
          }
          expect(value).not.toContain('{{');
          expect(value).not.toContain('$');
        }
      }
      const valuesApplied = (name: string) =>
        JSON.parse(
          parameter(
            steps.find((t) => t.name === name),
            'helmrelease',
          ) as string,
        ).spec.values;
      expect(valuesApplied('alerts')).toEqual(valuesOf('alerts'));
      expect(valuesApplied('web')).toEqual({
        banner: 'Hello {{ .User }}, you owe $$5',
        global: { note: '$(POD_NAME)' },
      });
    },
  );

  it('release bundles hold the values as written (the executor reads them, Argo never does)', () => {
    const { configMaps } = renderForwardWorkflow(group, { bundles: 'always' });
    const payloads = configMaps.flatMap((c) => Object.entries(c.data ?? {}));
    const alerts = payloads.find(([key]) => key === 'alerts.helmrelease')?.[1] as string;
    expect(JSON.parse(alerts).spec.values).toEqual(valuesOf('alerts'));
  });
});

describe('renderForwardWorkflow', () => {
  it('orders bookinfo: ambassador → bookinfo; inside, stage → details/ratings → reviews → productpage → parent', () => {
    const { workflow } = renderForwardWorkflow(bookinfo());
    const tasks = tasksOf(workflow);
    expect(workflow.spec.entrypoint).toBe('forward');
    expect(tasks.get('forward/bookinfo')).toMatchObject({
      template: 'app-bookinfo',
      dependencies: ['ambassador'],
    });
    expect(tasks.get('app-bookinfo/stage')?.templateRef).toEqual({
      name: 'orkestra-helmrelease',
      template: 'stage',
    });
    expect(tasks.get('app-bookinfo/details')?.dependencies).toEqual(['stage']);
    expect(tasks.get('app-bookinfo/ratings')?.dependencies).toEqual(['stage']);
    expect(tasks.get('app-bookinfo/reviews')?.dependencies).toEqual(['details', 'ratings']);
    expect(tasks.get('app-bookinfo/productpage')?.dependencies).toEqual(['reviews']);
    expect(tasks.get('app-bookinfo/bookinfo')?.dependencies).toEqual(['productpage']);
    const parent = JSON.parse(parameter(tasks.get('app-bookinfo/bookinfo'), 'helmrelease') as string);
    expect(parent.spec.values.reviews).toEqual({ replicaCount: 1, enabled: false });
  });

  it('gives subchart releases the parent values of their subchart plus global', () => {
    const group = bookinfo();
    (group.spec.applications[1]?.spec.release?.values as Record<string, unknown>).global = {
      domain: 'example.org',
    };
    const tasks = tasksOf(renderForwardWorkflow(group).workflow);
    const reviews = JSON.parse(parameter(tasks.get('app-bookinfo/reviews'), 'helmrelease') as string);
    expect(reviews.metadata.name).toBe('bookinfo-reviews');
    expect(reviews.spec.values).toEqual({ replicaCount: 1, global: { domain: 'example.org' } });
  });

  it('is byte-identical for the same input, and independent of key order in values', () => {
    const a = bookinfo();
    const b = bookinfo();
    const release = b.spec.applications[1]?.spec.release as { values: Record<string, never> };
    release.values = Object.fromEntries(Object.entries(release.values).reverse());
    expect(Object.keys(release.values)).not.toEqual(
      Object.keys(a.spec.applications[1]?.spec.release?.values ?? {}),
    );
    expect(output(renderForwardWorkflow(a))).toBe(output(renderForwardWorkflow(bookinfo())));
    expect(output(renderForwardWorkflow(a))).toBe(output(renderForwardWorkflow(b)));
  });

  it('labels the Workflow with group and generation and owns it by the group when it has a uid', () => {
    const group = bookinfo();
    group.metadata = { name: 'bookinfo', namespace: 'shop', uid: 'u-1', generation: 4 };
    const { workflow } = renderForwardWorkflow(group);
    expect(workflow.metadata).toMatchObject({
      name: 'bookinfo-g4-forward',
      namespace: 'shop',
      labels: {
        'orkestra.azure.microsoft.com/application-group': 'bookinfo',
        'orkestra.azure.microsoft.com/generation': '4',
        'app.kubernetes.io/managed-by': 'orkestra',
      },
      ownerReferences: [{ kind: 'ApplicationGroup', name: 'bookinfo', uid: 'u-1', controller: true }],
    });
    expect(renderForwardWorkflow(bookinfo()).workflow.metadata.ownerReferences).toBeUndefined();
  });

  it('carries Argo’s instance label when an instance ID is given, and none without', () => {
    const label = 'workflows.argoproj.io/controller-instanceid';
    for (const render of [renderForwardWorkflow, renderReverseWorkflow]) {
      expect(render(bookinfo(), { argoInstanceId: 'orkestra' }).workflow.metadata.labels?.[label]).toBe(
        'orkestra',
      );
      expect(render(bookinfo()).workflow.metadata.labels).not.toHaveProperty(label);
    }
    expect(
      renderRollbackWorkflow(bookinfo(), bookinfo(), { argoInstanceId: 'orkestra' }).workflow.metadata
        .labels?.[label],
    ).toBe('orkestra');
  });

  it('keeps every name a valid, unique DNS label after sanitising and truncating', () => {
    const long = 'x'.repeat(60);
    const group = groupOf([
      application('Web_Frontend'),
      application('web-frontend', ['Web_Frontend']),
      application(long, [], { subcharts: [{ name: `${long}-a` }, { name: `${long}-b` }] }),
    ]);
    const { workflow } = renderForwardWorkflow(group);
    const names = [...tasksOf(workflow).values()].map((t) => t.name);
    const releases = [...tasksOf(workflow).values()]
      .map((t) => parameter(t, 'helmrelease'))
      .filter((v): v is string => v !== undefined)
      .map((v) => JSON.parse(v));
    for (const name of [...names, ...workflow.spec.templates.map((t) => t.name)])
      expect(isDnsLabel(name)).toBe(true);
    const releaseNames = releases.map((r) => r.metadata.name);
    expect(new Set(releaseNames).size).toBe(releaseNames.length);
    for (const r of releases) {
      expect(isDnsLabel(r.metadata.name)).toBe(true);
      expect(r.spec.releaseName.length).toBeLessThanOrEqual(53);
    }
  });

  it('passes large groups by reference to release-bundle ConfigMaps, each under 1 MiB', () => {
    const apps = Array.from({ length: 600 }, (_, i) =>
      application(`app-${i}`, i ? [`app-${i - 1}`] : [], {
        release: { values: { config: 'v'.repeat(1500), index: i } },
      }),
    );
    const { workflow, configMaps } = renderForwardWorkflow(groupOf(apps));
    expect(configMaps.length).toBeGreaterThan(1);
    for (const cm of configMaps) expect(JSON.stringify(cm).length).toBeLessThan(1024 * 1024);
    const task = [...tasksOf(workflow)].find(([key]) => key.endsWith('/app-599'))?.[1];
    const ref = parameter(task, 'helmrelease') as string;
    const { namespace, name, key } = parseBundleReference(ref) ?? {};
    expect(namespace).toBe('apps');
    const stored = JSON.parse(
      configMaps.find((c) => c.metadata.name === name)?.data?.[key as string] as string,
    );
    expect(stored.metadata.name).toBe('app-599');
    expect(stored.spec.values.index).toBe(599);
  });

  it('counts bundles in bytes: values of three-byte characters still make ConfigMaps under 1 MiB', () => {
    // 1,500 characters of Chinese text are 4,500 bytes in UTF-8: counted in characters, a bundle
    // of them grew to 2.1 MB, over the API server’s limit.
    const apps = Array.from({ length: 600 }, (_, i) =>
      application(`app-${i}`, i ? [`app-${i - 1}`] : [], {
        release: { values: { config: '編'.repeat(1500), index: i } },
      }),
    );
    const { configMaps } = renderForwardWorkflow(groupOf(apps));
    expect(configMaps.length).toBeGreaterThan(1);
    for (const cm of configMaps)
      expect(Buffer.byteLength(JSON.stringify(cm), 'utf8')).toBeLessThan(1024 * 1024);
  });
});

describe('renderReverseWorkflow', () => {
  it('deletes dependents first, in one flat DAG of HelmReleases: the bookinfo parent, productpage → reviews → details/ratings, then ambassador', () => {
    const tasks = tasksOf(renderReverseWorkflow(bookinfo()).workflow);
    expect(tasks.get('reverse/bookinfo')?.dependencies).toBeUndefined();
    expect(tasks.get('reverse/bookinfo-productpage')?.dependencies).toEqual(['bookinfo']);
    expect(tasks.get('reverse/bookinfo-reviews')?.dependencies).toEqual(['bookinfo-productpage']);
    expect(tasks.get('reverse/bookinfo-details')?.dependencies).toEqual(['bookinfo-reviews']);
    expect(tasks.get('reverse/bookinfo-ratings')?.dependencies).toEqual(['bookinfo-reviews']);
    expect(tasks.get('reverse/ambassador')?.dependencies?.sort()).toEqual([
      'bookinfo-details',
      'bookinfo-ratings',
    ]);
    expect(parameter(tasks.get('reverse/bookinfo-reviews'), 'name')).toBe('bookinfo-reviews');
    expect(tasks.get('reverse/bookinfo-reviews')?.templateRef?.template).toBe('delete');
  });
});

describe('renderRollbackWorkflow', () => {
  it('without a successful generation deletes everything in reverse order', () => {
    const { workflow } = renderRollbackWorkflow(bookinfo(), undefined);
    expect(workflow.metadata.name).toBe('bookinfo-g1-rollback');
    // One flat DAG of the HelmReleases: ambassador after the subcharts of bookinfo that follow it.
    expect(tasksOf(workflow).get('rollback/ambassador')?.dependencies?.sort()).toEqual([
      'bookinfo-details',
      'bookinfo-ratings',
    ]);
  });

  it('deletes what the failed generation added, dependents first, then restores the last good spec', () => {
    const dir = join(root, 'test/fixtures/rollback/bookinfo-added-app');
    const [failed] = loadGroups(join(dir, 'failed.yaml'));
    const [last] = loadGroups(join(dir, 'last-succeeded.yaml'));
    const tasks = tasksOf(renderRollbackWorkflow(failed as ApplicationGroup, last).workflow);
    expect(tasks.get('rollback/restore')?.dependencies).toEqual(['remove']);
    expect([...tasks.keys()].filter((k) => k.startsWith('remove/'))).toEqual([
      'remove/gateway',
      'remove/bookinfo-mongodb',
    ]);
    // gateway depends on bookinfo, which depends (through ratings) on mongodb: gateway goes first.
    expect(tasks.get('remove/bookinfo-mongodb')?.dependencies).toEqual(['gateway']);
    expect(tasks.get('restore/bookinfo')?.template).toBe('restore-bookinfo');
  });
});

describe('releases an earlier rollout may have installed (the record’s installed units)', () => {
  const spec = (...apps: Parameters<typeof application>[]) =>
    groupOf(apps.map((a) => application(...a))).spec;
  // Generation 1 had a; 2 (stopped half-way) added x after a; 3 (failed) added y after x.
  const installed = [spec(['a']), spec(['a'], ['x', ['a']]), spec(['a'], ['x', ['a']], ['y', ['x']])]
    .map(releaseUnits)
    .reduce(mergeUnits);
  const keys = (workflow: Workflow) => [...tasksOf(workflow).keys()];

  it('a forward Workflow removes those the group lacks, dependents first', () => {
    const { workflow } = renderForwardWorkflow(
      groupOf([application('a'), application('z', ['a'])]),
      {},
      installed,
    );
    const tasks = tasksOf(workflow);
    expect(keys(workflow).filter((k) => k.startsWith('remove/'))).toEqual(['remove/y', 'remove/x']);
    expect(tasks.get('remove/x')?.dependencies).toEqual(['y']);
    expect(tasks.get('install/z')?.dependencies).toEqual(['a']);
  });

  it('the reverse Workflow deletes them with the group’s own, in one order: dependents first', () => {
    const { workflow } = renderReverseWorkflow(
      groupOf([application('a'), application('b', ['a'])]),
      {},
      installed,
    );
    const tasks = tasksOf(workflow);
    expect(keys(workflow).sort()).toEqual(['reverse/a', 'reverse/b', 'reverse/x', 'reverse/y']);
    expect(tasks.get('reverse/a')?.dependencies?.sort()).toEqual(['b', 'x']);
    expect(tasks.get('reverse/x')?.dependencies).toEqual(['y']);
  });

  it('a release of the group that (as installed) depends on one only the record has is deleted before it', () => {
    // Generation 1 {db, api → db} rolled out; the group's spec is now {api}, rolled back to generation 1.
    const { workflow } = renderReverseWorkflow(
      groupOf([application('api')]),
      {},
      releaseUnits(spec(['db'], ['api', ['db']])),
    );
    expect(tasksOf(workflow).get('reverse/db')?.dependencies).toEqual(['api']);
  });

  it('an order an older spec set is kept unless a newer spec reversed it', () => {
    const older = releaseUnits(spec(['b'], ['a', ['b']]));
    // The newer spec lists both without an order: a still goes before b.
    expect(mergeUnits(older, releaseUnits(spec(['a'], ['b']))).a?.dependsOn).toEqual(['b']);
    // The newer spec reversed it: its order only (no cycle).
    const reversed = mergeUnits(older, releaseUnits(spec(['a'], ['b', ['a']])));
    expect([reversed.a?.dependsOn, reversed.b?.dependsOn]).toEqual([[], ['a']]);
  });

  it('an uninstalling rollback (nothing succeeded) deletes them with the failed spec’s, in one DAG', () => {
    const { workflow } = renderRollbackWorkflow(groupOf([application('a')]), undefined, {}, installed);
    expect(keys(workflow).sort()).toEqual(['rollback/a', 'rollback/x', 'rollback/y']);
  });

  it('a rollback removes what the last successful spec lacks, whichever rollout installed it', () => {
    const last = groupOf([application('a')]);
    const { workflow } = renderRollbackWorkflow(
      groupOf([application('a'), application('w')]),
      last,
      {},
      installed,
    );
    expect(keys(workflow).filter((k) => k.startsWith('remove/'))).toEqual([
      'remove/w',
      'remove/y',
      'remove/x',
    ]);
    expect(keys(workflow).filter((k) => k.startsWith('restore/'))).toEqual(['restore/a']);
  });

  it('an application the failed spec had removed is restored', () => {
    const last = groupOf([application('a'), application('r', ['a'])]);
    const { workflow } = renderRollbackWorkflow(
      groupOf([application('a')]),
      last,
      {},
      releaseUnits(last.spec),
    );
    // Nothing to remove: the restore tasks are the entry's own.
    expect(keys(workflow)).toEqual(['rollback/a', 'rollback/r']);
  });
});
