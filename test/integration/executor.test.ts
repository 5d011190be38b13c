import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../cluster/wait.ts';
import { connect, fixtureHelmRelease, type Kube, type Obj, releaseNamespace } from './kube.ts';
import { executor } from './run-executor.ts';

const HR = 'helm.toolkit.fluxcd.io/v2';
let kube: Kube;
let namespace: string;
let source: string;

const helmRelease = (name: string, chart: string, version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify(fixtureHelmRelease(namespace, name, chart, version, extra));

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orkestra-input-')), 'helmrelease.json');
  writeFileSync(path, content);
  return path;
}

const apply = (hr: string, ...more: string[]) =>
  executor(['apply', '--helmrelease', hr, '--source', source, '--timeout', '10m', ...more]).done;

beforeAll(async () => {
  kube = connect(inject('kubeconfig'));
  namespace = await releaseNamespace(kube, 'executor');
  source = JSON.stringify({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: 'fixtures', namespace },
    spec: { url: inject('chartsUrl'), interval: '10m' },
  });
});

describe('orkestra-executor apply', () => {
  it('installs, then upgrades, and reports each outcome (exit 0, result file)', async () => {
    const install = await apply(helmRelease('web', 'configmap-app', '1.0.0'));
    expect(install.code, install.stderr).toBe(0);
    expect(install.result).toMatchObject({
      phase: 'Succeeded',
      reason: 'InstallSucceeded',
      generation: 1,
      chartVersion: '1.0.0',
    });
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('1.0.0');

    const upgrade = await apply(helmRelease('web', 'configmap-app', '2.0.0'));
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(upgrade.result).toMatchObject({
      phase: 'Succeeded',
      reason: 'UpgradeSucceeded',
      generation: 2,
      chartVersion: '2.0.0',
    });
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('2.0.0');
  });

  it('reads the HelmRelease from standard input (-) and takes YAML that starts with ---', async () => {
    const yaml = (name: string) =>
      `---\n${stringify(fixtureHelmRelease(namespace, name, 'configmap-app', '1.0.0'))}`;
    const fromStdin = await executor(
      ['apply', '--helmrelease', '-', '--source', `---\n${stringify(JSON.parse(source))}`, '--timeout', '2m'],
      { stdin: yaml('from-stdin') },
    ).done;
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.result).toMatchObject({ phase: 'Succeeded', name: 'from-stdin' });
    const inline = await apply(yaml('from-argument'));
    expect(inline.code, inline.stderr).toBe(0);
    expect(inline.result).toMatchObject({ phase: 'Succeeded', name: 'from-argument' });
  });

  it.each([
    [
      'a chart version that does not exist',
      'configmap-app',
      '9.9.9',
      "no 'configmap-app' chart with version matching '9.9.9' found",
    ],
    ['a chart that does not exist', 'no-such-chart', '1.0.0', 'no chart name found'],
  ])(
    'exits 1 on %s as soon as source-controller gives up, not at the 10m timeout',
    async (_name, chart, version, message) => {
      const run = await apply(helmRelease(`missing-${chart}`, chart, version));
      expect(run.code, run.stderr).toBe(1);
      expect(run.result).toMatchObject({ phase: 'Failed', reason: 'InvalidChartReference' });
      expect(String(run.result.message)).toContain(`HelmChart ${namespace}/${namespace}-missing-${chart}: `);
      expect(String(run.result.message)).toContain(message);
    },
  );

  it('exits 1 on a failed install as soon as Flux gives up, not at the 10m timeout', async () => {
    const failed = await apply(helmRelease('broken', 'fail-install', '1.0.0'));
    expect(failed.code).toBe(1);
    expect(failed.result).toMatchObject({ phase: 'Failed', reason: 'RetriesExceeded' });
    expect(String(failed.result.message)).toContain('Invalid_Name_broken');
  });

  it('does not take the Ready=True of the previous generation as success: a failing upgrade exits 1', async () => {
    expect((await apply(helmRelease('upgrade', 'fail-upgrade', '1.0.0'))).code).toBe(0);
    const failed = await apply(helmRelease('upgrade', 'fail-upgrade', '2.0.0'));
    expect(failed.code).toBe(1);
    expect(failed.result).toMatchObject({ phase: 'Failed', generation: 2 });
  });

  it('records the spec it replaced, and keeps that record when the same spec is applied again', async () => {
    const record = async () => (await kube.get('v1', 'ConfigMap', namespace, 'orkestra-previous-web'))?.data;
    const before = await record();
    expect(before?.existed).toBe('true');
    expect(JSON.parse(before?.helmrelease as string).spec.chart.spec.version).toBe('1.0.0');
    expect((await apply(helmRelease('web', 'configmap-app', '2.0.0'))).code).toBe(0);
    expect(await record()).toEqual(before);
  });

  it('exits 3 when the release does not finish in time', async () => {
    const run = await executor([
      'apply',
      '--helmrelease',
      helmRelease('stuck', 'configmap-app', '1.0.0', {
        chart: {
          spec: { chart: 'configmap-app', sourceRef: { kind: 'HelmRepository', name: 'no-such-repo' } },
        },
      }),
      '--timeout',
      '3s',
    ]).done;
    expect(run.code).toBe(3);
    expect(run.result).toMatchObject({ phase: 'TimedOut', reason: 'TimedOut' });
  });

  it('ends promptly with exit 143 on SIGTERM while probing', async () => {
    const run = executor([
      'apply',
      '--helmrelease',
      helmRelease('stopped', 'configmap-app', '1.0.0', {
        chart: {
          spec: { chart: 'configmap-app', sourceRef: { kind: 'HelmRepository', name: 'no-such-repo' } },
        },
      }),
      '--timeout',
      '10m',
    ]);
    await waitFor(
      'the executor to apply and start probing',
      () => run.stderr().includes('Applied HelmRelease'),
      { timeoutMs: 30_000 },
    );
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    expect(result.result).toMatchObject({ phase: 'Terminated', reason: 'Terminated' });
  });
});

describe('orkestra-executor apply refuses bad input: exit 2, the problem named, nothing created', () => {
  it.each<[string, () => string[], string, [string, string, string]]>([
    [
      'malformed YAML',
      () => ['--helmrelease', 'kind: [HelmRelease'],
      'malformed YAML',
      [HR, 'HelmRelease', 'x'],
    ],
    [
      'a Deployment instead of a HelmRelease',
      () => [
        '--helmrelease',
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'sneaky', namespace },
          spec: {},
        }),
      ],
      'must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not apps/v1 Deployment',
      ['apps/v1', 'Deployment', 'sneaky'],
    ],
    [
      'a HelmRelease in a namespace not allowed',
      () => [
        '--helmrelease',
        helmRelease('elsewhere', 'configmap-app', '1.0.0'),
        '--namespace-allow',
        'somewhere-else',
      ],
      'is not allowed (--namespace-allow somewhere-else)',
      [HR, 'HelmRelease', 'elsewhere'],
    ],
    [
      'a HelmRelease in a namespace that does not exist',
      () => [
        '--helmrelease',
        JSON.stringify(fixtureHelmRelease('no-such-namespace', 'lost', 'configmap-app', '1.0.0')),
      ],
      'the API server refused it (HTTP 404): namespaces "no-such-namespace" not found',
      [HR, 'HelmRelease', ''],
    ],
    [
      'a missing name',
      () => [
        '--helmrelease',
        JSON.stringify({
          apiVersion: HR,
          kind: 'HelmRelease',
          metadata: { namespace },
          spec: { interval: '1m', chartRef: { kind: 'OCIRepository', name: 'x' } },
        }),
      ],
      'helmrelease.metadata.name: is required',
      [HR, 'HelmRelease', ''],
    ],
    [
      'an @FILE that cannot be read',
      () => ['--helmrelease', '@/nonexistent/helmrelease.yaml'],
      'cannot read /nonexistent/helmrelease.yaml (given as @/nonexistent/helmrelease.yaml)',
      [HR, 'HelmRelease', ''],
    ],
    [
      'values too large for an object',
      // Passed as a file: one argument cannot hold 1.6 MB (Linux caps it at 128 KiB).
      () => [
        '--helmrelease',
        tempFile(helmRelease('huge', 'configmap-app', '1.0.0', { values: { blob: 'x'.repeat(1_600_000) } })),
      ],
      'over the 1572864 an object may have',
      [HR, 'HelmRelease', 'huge'],
    ],
  ])('%s', async (_name, args, message, [apiVersion, kind, name]) => {
    const neverApplied = source.replace('"name":"fixtures"', '"name":"never-applied"');
    const run = await executor(['apply', ...args(), '--source', neverApplied]).done;
    expect(run.code).toBe(2);
    // The result file holds the message as is (stderr has it JSON-escaped).
    expect(String(run.result.message)).toContain(message);
    expect(run.result).toMatchObject({ phase: 'Invalid', reason: 'InvalidSpec' });
    if (name) expect(await kube.get(apiVersion, kind, namespace, name)).toBeUndefined();
    // The source given with it was not applied either: nothing is half-applied.
    expect(
      await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', namespace, 'never-applied'),
    ).toBeUndefined();
  });
});

describe('orkestra-executor parameters in a pod name no file on its filesystem', () => {
  // A file the step's parameter must not be able to read, laid out so that a YAML parse error
  // would quote it. ARGO_NODE_ID in the environment is how a pod of Argo's looks to the executor.
  const secretFile = () => tempFile('token: abc: hunter2-secret\n');
  const inPod = { env: { ARGO_NODE_ID: 'wf-1234' } };

  it.each<[string, (path: string) => string, string]>([
    ['a path, taken as the value itself', (path) => path, 'helmrelease: must be an object'],
    ['@path, refused', (path) => `@${path}`, "in a pod the executor reads only Argo's offload files"],
  ])('%s: exit 2, the file never read or quoted', async (_name, parameter, message) => {
    const run = await executor(['apply', '--helmrelease', parameter(secretFile())], inPod).done;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.result).toMatchObject({ phase: 'Invalid', reason: 'InvalidSpec' });
    expect(run.stderr).not.toContain('hunter2');
    expect(JSON.stringify(run.result)).not.toContain('hunter2');
  });

  it("a link in place of Argo's offload file is not followed", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'orkestra-pod-tmp-'));
    symlinkSync(secretFile(), join(tmp, 'argo_arg_2.txt'));
    const run = await executor(['apply', '--helmrelease', `@${join(tmp, 'argo_arg_2.txt')}`], {
      env: { ...inPod.env, TMPDIR: tmp },
    }).done;
    expect(run.code, run.stderr).toBe(2);
    expect(String(run.result.message)).toContain(`cannot read ${join(tmp, 'argo_arg_2.txt')}`);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('at a terminal the file is read, and a parse error names line and column, not the content', async () => {
    const run = await executor(['apply', '--helmrelease', secretFile()]).done;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('malformed YAML or JSON at line 1, column 8');
    expect(run.stderr).not.toContain('hunter2');
    expect(JSON.stringify(run.result)).not.toContain('hunter2');
  });
});

describe('orkestra-executor rollback and delete', () => {
  const byName = (action: string, name: string, ...more: string[]) =>
    executor([action, '--name', name, '--namespace', namespace, '--timeout', '2m', ...more]).done;

  it('rollback after a failed upgrade restores the exact previous spec and values', async () => {
    const v1 = helmRelease('restore', 'fail-upgrade', '1.0.0', { values: { note: 'first' } });
    expect((await apply(v1)).code).toBe(0);
    const before = await kube.get(HR, 'HelmRelease', namespace, 'restore');
    expect(
      (
        await apply(
          helmRelease('restore', 'fail-upgrade', '2.0.0', { values: { note: 'second', extra: true } }),
        )
      ).code,
    ).toBe(1);

    const rollback = await byName('rollback', 'restore');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.result).toMatchObject({ action: 'rollback', phase: 'Succeeded', chartVersion: '1.0.0' });
    const after = await kube.get(HR, 'HelmRelease', namespace, 'restore');
    expect(after?.spec).toEqual(before?.spec);
    expect((await kube.get('v1', 'ConfigMap', namespace, 'restore-config'))?.data?.chartVersion).toBe(
      '1.0.0',
    );

    // Twice is safe: the same record, the same spec, success again.
    expect((await byName('rollback', 'restore')).code).toBe(0);
    expect((await kube.get(HR, 'HelmRelease', namespace, 'restore'))?.spec).toEqual(before?.spec);
  });

  it('rollback of a fresh install removes it, and is safe to run again', async () => {
    expect((await apply(helmRelease('fresh', 'configmap-app', '1.0.0'))).code).toBe(0);
    expect(await kube.get('v1', 'ConfigMap', namespace, 'fresh-config')).toBeDefined();
    const rollback = await byName('rollback', 'fresh');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.result).toMatchObject({ phase: 'Succeeded', reason: 'RemovedNewRelease' });
    expect(await kube.get(HR, 'HelmRelease', namespace, 'fresh')).toBeUndefined();
    expect(await kube.get('v1', 'ConfigMap', namespace, 'fresh-config')).toBeUndefined();
    const again = await byName('rollback', 'fresh');
    expect(again.code).toBe(0);
    expect(again.result).toMatchObject({ reason: 'RemovedNewRelease' });
  });

  it('rollback without a record of a previous apply exits 2 and changes nothing', async () => {
    const run = await byName('rollback', 'never-applied');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no record of a previous apply');
  });

  it.each<[string, (record: Obj) => Record<string, string>, string[], string]>([
    [
      'a record that holds another HelmRelease',
      (record) => ({
        ...record.data,
        helmrelease: helmRelease('planted', 'configmap-app', '1.0.0'),
      }),
      [],
      'holds HelmRelease NS/planted, not NS/guarded-rollback',
    ],
    [
      'a record that holds a Deployment',
      (record) => ({
        ...record.data,
        helmrelease: JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'planted', namespace },
          spec: {},
        }),
      }),
      [],
      'must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not apps/v1 Deployment',
    ],
    [
      'a record whose release targets a namespace not allowed',
      (record) => {
        const recorded = JSON.parse(record.data?.helmrelease as string);
        recorded.spec.targetNamespace = 'kube-system';
        return { ...record.data, helmrelease: JSON.stringify(recorded) };
      },
      ['--namespace-allow', 'NS'],
      'spec.targetNamespace: namespace "kube-system" is not allowed (--namespace-allow NS)',
    ],
    [
      'a record whose "existed" is not true or false',
      (record) => ({ ...record.data, existed: 'yes' }),
      [],
      'data.existed must be "true" or "false"',
    ],
  ])('rollback refuses %s: exit 2, nothing applied', async (_name, forge, more, message) => {
    const name = 'guarded-rollback';
    expect((await apply(helmRelease(name, 'configmap-app', '1.0.0'))).code).toBe(0);
    expect((await apply(helmRelease(name, 'configmap-app', '2.0.0'))).code).toBe(0);
    const before = await kube.get(HR, 'HelmRelease', namespace, name);
    // Someone who may write ConfigMaps in the namespace rewrites the record.
    const record = (await kube.get('v1', 'ConfigMap', namespace, `orkestra-previous-${name}`)) as Obj;
    await kube.objects.replace({ ...record, data: forge(record) } as Obj);

    const run = await byName('rollback', name, ...more.map((m) => m.replaceAll('NS', namespace)));
    expect(run.code, run.stderr).toBe(2);
    expect(String(run.result.message)).toContain(message.replaceAll('NS', namespace));
    expect(run.result).toMatchObject({ action: 'rollback', phase: 'Invalid', reason: 'InvalidSpec' });
    const after = await kube.get(HR, 'HelmRelease', namespace, name);
    expect(after?.metadata?.generation).toBe(before?.metadata?.generation);
    expect(after?.spec).toEqual(before?.spec);
    expect(await kube.get(HR, 'HelmRelease', namespace, 'planted')).toBeUndefined();
    expect(await kube.get('apps/v1', 'Deployment', namespace, 'planted')).toBeUndefined();
  });

  it('delete uninstalls the release (its ConfigMap is gone) and then the HelmRelease', async () => {
    expect((await apply(helmRelease('doomed', 'configmap-app', '1.0.0'))).code).toBe(0);
    const run = await byName('delete', 'doomed');
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ action: 'delete', phase: 'Succeeded', reason: 'Uninstalled' });
    expect(await kube.get(HR, 'HelmRelease', namespace, 'doomed')).toBeUndefined();
    expect(await kube.get('v1', 'ConfigMap', namespace, 'doomed-config')).toBeUndefined();
    expect(await kube.get('v1', 'Secret', namespace, 'sh.helm.release.v1.doomed.v1')).toBeUndefined();
    // Nothing is left to roll back to: apply's record goes with the release.
    expect(await kube.get('v1', 'ConfigMap', namespace, 'orkestra-previous-doomed')).toBeUndefined();
  });

  it('delete of a HelmRelease that does not exist succeeds', async () => {
    const run = await byName('delete', 'nothing-here');
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ reason: 'NotFound' });
  });

  it('refuses a namespace not allowed before touching anything', async () => {
    expect((await apply(helmRelease('guarded', 'configmap-app', '1.0.0'))).code).toBe(0);
    const run = await byName('delete', 'guarded', '--namespace-allow', 'other');
    expect(run.code).toBe(2);
    expect(await kube.get(HR, 'HelmRelease', namespace, 'guarded')).toBeDefined();
  });
});

describe('orkestra-executor apply with a release bundle rendered by orkestra', () => {
  it('resolves configmap:NS/NAME/KEY references to the HelmRelease and its source, and installs it', async () => {
    const { renderForwardWorkflow } = await import('../../controller/src/expand/forward-workflow.ts');
    const group = {
      apiVersion: 'orkestra.azure.microsoft.com/v1alpha1' as const,
      kind: 'ApplicationGroup' as const,
      metadata: { name: 'bundled', namespace },
      spec: {
        applications: [
          {
            name: 'bundled',
            spec: {
              chart: { url: inject('chartsUrl'), name: 'configmap-app', version: '2.0.0' },
              release: { targetNamespace: namespace },
            },
          },
        ],
      },
    };
    const { workflow, configMaps } = renderForwardWorkflow(group, { bundles: 'always' });
    for (const configMap of configMaps) await kube.objects.create(configMap as never);
    const task = workflow.spec.templates[0]?.dag?.tasks[0];
    const parameter = (name: string) =>
      task?.arguments?.parameters?.find((p) => p.name === name)?.value as string;
    expect(parameter('helmrelease')).toMatch(/^configmap:/);

    const run = await executor([
      'apply',
      '--helmrelease',
      parameter('helmrelease'),
      '--source',
      parameter('source'),
      '--timeout',
      '2m',
    ]).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ phase: 'Succeeded', chartVersion: '2.0.0' });
    expect((await kube.get('v1', 'ConfigMap', namespace, 'bundled-config'))?.data?.chartVersion).toBe(
      '2.0.0',
    );
  });

  it('names a reference that points nowhere (exit 2)', async () => {
    const run = await executor([
      'apply',
      '--helmrelease',
      `configmap:${namespace}/no-such-bundle/x.helmrelease`,
    ]).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ConfigMap ${namespace}/no-such-bundle does not exist`);
  });
});
