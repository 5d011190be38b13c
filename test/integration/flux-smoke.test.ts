// The control plane is real: helm-controller installs, upgrades, fails and uninstalls releases from
// the fixture chart repository, and the API server enforces the ApplicationGroup CRD.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../cluster/components.ts';
import { ensureTools } from '../cluster/tools.ts';
import { run } from '../e2e/cli.ts';
import {
  condition,
  connect,
  fixtureHelmRelease,
  fixtureRepository,
  type Kube,
  type Obj,
  releaseNamespace,
  waitForGone,
  waitForObject,
} from './kube.ts';

const HR = 'helm.toolkit.fluxcd.io/v2';

let kube: Kube;
let namespace: string;

beforeAll(async () => {
  kube = connect(inject('kubeconfig'));
  namespace = await releaseNamespace(kube, 'smoke');
  await kube.apply(fixtureRepository(namespace, inject('chartsUrl')));
});

const helmRelease = (name: string, chart: string, version: string, extra: Record<string, unknown> = {}) =>
  fixtureHelmRelease(namespace, name, chart, version, extra);

/** Ready=True for the object's current generation. */
const readyForGeneration = (hr: Obj) => {
  const ready = condition(hr, 'Ready');
  return (
    hr.status?.observedGeneration === hr.metadata?.generation &&
    ready?.status === 'True' &&
    ready.observedGeneration === hr.metadata?.generation
  );
};

describe('the local control plane reports its versions as a release build does', () => {
  it('kube-apiserver answers /version with v1.36.3, not v0.0.0-master', async () => {
    const { stdout } = await run(ensureTools().kubectl, ['get', '--raw', '/version']);
    expect(JSON.parse(stdout)).toMatchObject({ gitVersion: 'v1.36.3', major: '1', minor: '36' });
  });

  it('the argo CLI reports v4.0.5', async () => {
    const { stdout } = await run(inject('argo'), ['version', '--short']);
    expect(stdout).toMatch(/^argo: v4\.0\.5\b/m);
  });

  it('installs a chart with a kubeVersion constraint (>=1.25.0-0), as a real v1.36 cluster does', async () => {
    await kube.apply(helmRelease('constrained', 'kube-version-app', '1.0.0'));
    const release = await waitForObject(
      kube,
      [HR, 'HelmRelease', namespace, 'constrained'],
      'to finish',
      (hr) =>
        ['True', 'False'].includes(condition(hr, 'Ready')?.status as string) &&
        hr.status?.observedGeneration === hr.metadata?.generation,
    );
    expect(condition(release, 'Ready'), JSON.stringify(release.status?.conditions)).toMatchObject({
      status: 'True',
    });
    expect((await kube.get('v1', 'ConfigMap', namespace, 'constrained-config'))?.data).toEqual({
      chartVersion: '1.0.0',
      kubeVersion: 'v1.36.3',
    });
  });
});

describe('Flux helm-controller on the local control plane', () => {
  it('installs a HelmRelease: Ready=True, its ConfigMap exists, Helm stored the release; then upgrades it to 2.0.0', async () => {
    const applied = await kube.apply(helmRelease('app', 'configmap-app', '1.0.0'));
    const ready = await waitForObject(
      kube,
      [HR, 'HelmRelease', namespace, 'app'],
      'Ready',
      readyForGeneration,
    );
    expect(ready.status.history[0]).toMatchObject({ chartVersion: '1.0.0', status: 'deployed' });
    const configMap = await kube.get('v1', 'ConfigMap', namespace, 'app-config');
    expect(configMap?.data).toEqual({ chartVersion: '1.0.0', message: 'hello' });
    expect(await kube.get('v1', 'Secret', namespace, 'sh.helm.release.v1.app.v1')).toBeDefined();

    const upgraded = await kube.apply(
      helmRelease('app', 'configmap-app', '2.0.0', { values: { message: 'upgraded' } }),
    );
    expect(upgraded.metadata?.generation).toBeGreaterThan(applied.metadata?.generation as number);
    const after = await waitForObject(
      kube,
      [HR, 'HelmRelease', namespace, 'app'],
      'upgraded',
      (hr) => readyForGeneration(hr) && hr.status.history[0].chartVersion === '2.0.0',
    );
    expect(after.status.history[0].status).toBe('deployed');
    expect((await kube.get('v1', 'ConfigMap', namespace, 'app-config'))?.data).toEqual({
      chartVersion: '2.0.0',
      message: 'upgraded',
    });
    expect(await kube.get('v1', 'Secret', namespace, 'sh.helm.release.v1.app.v2')).toBeDefined();
  });

  it('reports a chart the API server rejects as Ready=False with the install failure', async () => {
    await kube.apply(helmRelease('broken', 'fail-install', '1.0.0'));
    const failed = await waitForObject(
      kube,
      [HR, 'HelmRelease', namespace, 'broken'],
      'Ready=False',
      (hr) => {
        const ready = condition(hr, 'Ready');
        return (
          ready?.status === 'False' &&
          ready.observedGeneration === hr.metadata?.generation &&
          condition(hr, 'Released')?.status === 'False'
        );
      },
    );
    expect(condition(failed, 'Released')?.reason).toBe('InstallFailed');
    expect(condition(failed, 'Released')?.message).toContain('Invalid_Name_broken');
    expect(await kube.get('v1', 'ConfigMap', namespace, 'Invalid_Name_broken'.toLowerCase())).toBeUndefined();
  });

  it('uninstalls a release when its HelmRelease is deleted', async () => {
    await kube.apply(helmRelease('short-lived', 'configmap-app', '1.0.0'));
    await waitForObject(kube, [HR, 'HelmRelease', namespace, 'short-lived'], 'Ready', readyForGeneration);
    expect(await kube.get('v1', 'ConfigMap', namespace, 'short-lived-config')).toBeDefined();
    await kube.remove(HR, 'HelmRelease', namespace, 'short-lived');
    await waitForGone(kube, [HR, 'HelmRelease', namespace, 'short-lived']);
    expect(await kube.get('v1', 'ConfigMap', namespace, 'short-lived-config')).toBeUndefined();
    expect(await kube.get('v1', 'Secret', namespace, 'sh.helm.release.v1.short-lived.v1')).toBeUndefined();
  });
});

describe('kube-controller-manager', () => {
  it('garbage-collects an object whose owner is deleted', async () => {
    const owner = (await kube.objects.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner', namespace },
    })) as Obj;
    const uid = owner.metadata?.uid as string;
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        namespace,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }],
      },
    });
    await kube.remove('v1', 'ConfigMap', namespace, 'owner');
    await waitForGone(kube, ['v1', 'ConfigMap', namespace, 'dependent'], 60_000);
  });

  it('finishes deleting a namespace and what is in it', async () => {
    const doomed = await kube.createNamespace('doomed');
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'inside', namespace: doomed },
    });
    await kube.remove('v1', 'Namespace', undefined, doomed);
    await waitForGone(kube, ['v1', 'Namespace', undefined, doomed], 60_000);
  });
});

describe('the ApplicationGroup CRD on the real API server', () => {
  const AG = 'orkestra.azure.microsoft.com/v1alpha1';
  const bookinfo = (): Obj => ({
    ...parse(readFileSync(join(REPO_ROOT, 'examples/bookinfo.yaml'), 'utf8')),
    metadata: { name: 'bookinfo', namespace },
  });

  it('accepts the bookinfo example and serves it back unchanged', async () => {
    const group = bookinfo();
    const created = (await kube.objects.create(group)) as Obj;
    expect(created.spec).toEqual(group.spec);
  });

  const app = (name: string, dependencies: string[] = [], extra: Record<string, unknown> = {}) => ({
    name,
    dependencies,
    spec: { chart: { url: 'https://charts.example/', name: 'c' }, ...extra },
  });

  it('accepts a dependency on an unknown application: the controller reports it (Stalled, InvalidSpec)', async () => {
    const group = { apiVersion: AG, kind: 'ApplicationGroup', metadata: { name: 'orphan', namespace } };
    const created = (await kube.objects.create({
      ...group,
      spec: { applications: [app('a', ['ghost'])] },
    })) as Obj;
    expect(created.spec.applications[0].dependencies).toEqual(['ghost']);
  });

  it.each<[string, unknown[], string]>([
    // Lists keyed by name: the schema's own check, which names the repeated item.
    [
      'duplicate application names',
      [app('a'), app('a')],
      'spec.applications[1]: Duplicate value: {\\"name\\":\\"a\\"}',
    ],
    ['a self-dependency', [app('a', ['a'])], 'an application cannot depend on itself'],
    [
      'duplicate subchart names',
      [app('a', [], { subcharts: [{ name: 's' }, { name: 's' }] })],
      'spec.applications[0].spec.subcharts[1]: Duplicate value: {\\"name\\":\\"s\\"}',
    ],
    [
      'subcharts of a chart without a version',
      [
        {
          name: 'a',
          spec: { chart: { url: 'https://charts.example/', name: 'c' }, subcharts: [{ name: 's' }] },
        },
      ],
      'a chart with subcharts needs a version',
    ],
  ])('rejects %s, saying why', async (_what, applications, message) => {
    const group = {
      apiVersion: AG,
      kind: 'ApplicationGroup',
      metadata: { name: 'invalid', namespace },
      spec: { applications },
    };
    await expect(kube.objects.create(group)).rejects.toMatchObject({
      body: expect.stringContaining(message),
    });
  });
});
