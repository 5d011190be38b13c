// Subcharts as their own DAG nodes on the real control plane: the original Orkestra bookinfo group
// (ambassador → bookinfo with productpage ← reviews ← details, ratings), pointed at the fixture
// repository, staged to the real distribution registry and installed by Flux from there.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ApplicationGroup } from '../../lib/api/application-group.ts';
import { stagedRepositoryUrl } from '../../lib/staging.ts';
import { namespaceCredentials, STAGING_SECRET } from '../../lib/staging-auth.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { STAGING_URL } from '../cluster/orkestra-install.ts';
import { freePort } from '../cluster/ports.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj } from '../integration/kube.ts';
import {
  dagWorkflow,
  expectCreatedAfterReady,
  recordHelmReleaseEvents,
  result,
  runWorkflow,
  taskNode,
  templatesNamespace,
  templateTask,
  WORKFLOW,
} from './argo.ts';
import { run } from './cli.ts';
import {
  AG,
  createPolicy,
  expectPolicyDenied,
  groupSettled,
  HR,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';
import { stagingCredentialKey, stagingRegistry } from './staging.ts';

let kube: Kube;
const SUBCHARTS = ['productpage', 'reviews', 'ratings', 'details'];

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

/** examples/bookinfo.yaml as the original wrote it, but with the fixture charts, in `namespace`. */
function bookinfo(namespace: string, version = '1.0.0', chartsUrl = inject('chartsUrl')): Obj {
  const group = parse(readFileSync(join(REPO_ROOT, 'examples/bookinfo.yaml'), 'utf8')) as ApplicationGroup;
  group.metadata.namespace = namespace;
  for (const app of group.spec.applications) {
    app.spec.chart.url = chartsUrl;
    if (app.name === 'bookinfo') app.spec.chart.version = version;
    if (app.spec.release) app.spec.release.targetNamespace = namespace;
  }
  return group as unknown as Obj;
}

/** What a subchart's release installed: its ConfigMap (release `bookinfo-<sub>`, see the fixture). */
const installed = async (namespace: string, sub: string) =>
  (await kube.get('v1', 'ConfigMap', namespace, `bookinfo-${sub}-${sub}`))?.data;

const helm = (args: string[]) => run(ensureTools().helm, args);

describe('a group with subcharts, through the controller', () => {
  it('stages each subchart and installs it as its own release, in the declared order, then the parent without them; a new parent version upgrades them', async () => {
    const namespace = await kube.createNamespace('e2e-sub');
    const recorder = await recordHelmReleaseEvents(namespace);
    try {
      await kubectlApply(bookinfo(namespace));
      const ready = await kubectlWaitReady(namespace, 'bookinfo');
      expect(ready.code, ready.stderr).toBe(0);
      // Watch order: each release created only once those it depends on were Ready.
      expectCreatedAfterReady(recorder.events, [
        ['ambassador', 'bookinfo-details'],
        ['ambassador', 'bookinfo-ratings'],
        ['bookinfo-details', 'bookinfo-reviews'],
        ['bookinfo-ratings', 'bookinfo-reviews'],
        ['bookinfo-reviews', 'bookinfo-productpage'],
        ['bookinfo-productpage', 'bookinfo'],
      ]);
    } finally {
      recorder.stop();
    }
    // Each subchart is a release of its own, from the staging registry.
    // In the namespace's own folder of the chart's registry, pulled with the namespace's credentials.
    const registry = stagedRepositoryUrl(STAGING_URL, namespace, {
      url: inject('chartsUrl'),
      name: 'bookinfo',
    });
    for (const sub of SUBCHARTS) {
      const release = (await kube.get(HR, 'HelmRelease', namespace, `bookinfo-${sub}`)) as Obj;
      expect(release.spec.chart.spec).toMatchObject({
        chart: `${sub}--1.0.0`,
        // The exact version its stage step pushed, not a range.
        version: '1.0.0',
        sourceRef: { kind: 'HelmRepository', name: `bookinfo-${sub}` },
      });
      const source = (await kube.get(
        'source.toolkit.fluxcd.io/v1',
        'HelmRepository',
        namespace,
        `bookinfo-${sub}`,
      )) as Obj;
      expect(source.spec).toMatchObject({
        type: 'oci',
        url: registry,
        insecure: true,
        secretRef: { name: STAGING_SECRET },
      });
      expect(release.status.history[0]).toMatchObject({
        chartName: sub,
        chartVersion: '1.0.0',
        status: 'deployed',
      });
      expect(await installed(namespace, sub)).toEqual({ chartVersion: '1.0.0', replicaCount: '1' });
    }
    // The parent's release holds none of them: its manifest is its own ConfigMap only.
    const manifest = await helm(['get', 'manifest', 'bookinfo', '-n', namespace]);
    expect(manifest.code, manifest.stderr).toBe(0);
    expect(manifest.stdout.match(/^# Source: .*$/gm)).toEqual([
      '# Source: bookinfo/templates/configmap.yaml',
    ]);
    expect(manifest.stdout).toContain('productpage=false reviews=false ratings=false details=false');
    // Status: each subchart's phase and version.
    const group = (await kube.get(AG, 'ApplicationGroup', namespace, 'bookinfo')) as Obj;
    const app = group.status.applications.find((a: { name: string }) => a.name === 'bookinfo');
    expect(app.subcharts).toEqual(
      Object.fromEntries(
        SUBCHARTS.map((s) => [s, expect.objectContaining({ phase: 'Succeeded', version: '1.0.0' })]),
      ),
    );
    // The real helm pulls what the stage step reports, and renders it.
    const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, 'bookinfo-g1-forward')) as Obj;
    const staged = result(taskNode(workflow, 'stage')).staged as Array<{ name: string; reference: string }>;
    expect(staged.map((s) => s.name)).toEqual(SUBCHARTS);
    // With the namespace's own credentials: the registry serves nothing without them.
    const own = namespaceCredentials(await stagingCredentialKey(kube), namespace);
    for (const chart of staged) {
      const into = mkdtempSync(join(tmpdir(), 'orkestra-pulled-'));
      const [ref, tag] = chart.reference.split(/:(?=[^:]+$)/) as [string, string];
      const pulled = await helm([
        'pull',
        ref,
        '--version',
        tag,
        '--plain-http',
        '--username',
        own.username,
        '--password',
        own.password,
        '-d',
        into,
      ]);
      expect(pulled.code, pulled.stderr).toBe(0);
      const rendered = await helm(['template', 'r', join(into, readdirSync(into)[0] as string)]);
      expect(rendered.stdout).toContain(`name: r-${chart.name}`);
    }

    // When the parent chart goes to 2.0.0: staged again, and every subchart upgraded.
    await kubectlApply(bookinfo(namespace, '2.0.0'));
    const upgraded = await groupSettled(kube, namespace, 'bookinfo');
    expect(readyCondition(upgraded), JSON.stringify(upgraded.status)).toMatchObject({ status: 'True' });
    for (const sub of SUBCHARTS) {
      expect(await installed(namespace, sub)).toMatchObject({ chartVersion: '2.0.0' });
      const release = (await kube.get(HR, 'HelmRelease', namespace, `bookinfo-${sub}`)) as Obj;
      expect(release.status.history[0]).toMatchObject({ chartVersion: '2.0.0', version: 2 });
    }
    const after = upgraded.status.applications.find((a: { name: string }) => a.name === 'bookinfo');
    expect(Object.values(after.subcharts).map((s) => (s as { version: string }).version)).toEqual([
      '2.0.0',
      '2.0.0',
      '2.0.0',
      '2.0.0',
    ]);
  });

  it('takes the parent chart with the credentials of the Secret the group names', async () => {
    const namespace = await kube.createNamespace('e2e-sub-auth');
    const { username, password } = inject('chartCredentials');
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'repo-creds', namespace },
      stringData: { username, password },
    } as Obj);
    const group = bookinfo(namespace, '1.0.0', inject('privateChartsUrl'));
    for (const app of group.spec.applications) app.spec.chart.authSecretRef = { name: 'repo-creds' };
    await kubectlApply(group);
    // The test repository speaks plain HTTP: the default policy sends no credentials over it …
    await expectPolicyDenied(
      kube,
      namespace,
      'bookinfo',
      'spec.applications["bookinfo"].spec.chart.authSecretRef: credentials would be sent over plain http://',
    );
    // … until a ReleasePolicy allows insecure sources there; the group goes on by itself.
    await createPolicy(kube, namespace, { sources: { insecure: true } });
    const ready = await kubectlWaitReady(namespace, 'bookinfo');
    expect(ready.code, ready.stderr).toBe(0);
    expect(await installed(namespace, 'reviews')).toMatchObject({ chartVersion: '1.0.0' });
  });

  it.each<[string, string, string[], RegExp]>([
    [
      'a parent that is not a chart',
      'not-a-chart',
      ['sub'],
      /chart not-a-chart 1.0.0: not a chart: no not-a-chart\/Chart.yaml/,
    ],
    ['an archive with ../ entries', 'dot-dot', ['sub'], /a path that leaves the chart's folder/],
    [
      'a symlink escaping the chart',
      'symlink-out',
      ['sub'],
      /link "symlink-out\/templates\/passwd.yaml" points outside the chart's folder/,
    ],
    [
      'a subchart the chart does not have',
      'bookinfo',
      ['reviews', 'mysql'],
      /chart bookinfo 1.0.0 has no subchart mysql \(its subcharts: details, productpage, ratings, reviews\)/,
    ],
  ])('%s: the group says why; nothing staged, nothing applied', async (_, chart, subcharts, reason) => {
    const namespace = await kube.createNamespace('e2e-sub-bad');
    await kubectlApply({
      apiVersion: AG,
      kind: 'ApplicationGroup',
      metadata: { name: 'bad', namespace },
      spec: {
        applications: [
          {
            name: 'app',
            dependencies: [],
            spec: {
              chart: { url: inject('chartsUrl'), name: chart, version: '1.0.0' },
              subcharts: subcharts.map((name) => ({ name, dependencies: [] })),
              release: { targetNamespace: namespace },
            },
          },
        ],
      },
    } as Obj);
    const settled = await groupSettled(kube, namespace, 'bad');
    expect(readyCondition(settled)).toMatchObject({ status: 'False' });
    expect(readyCondition(settled)?.message).toMatch(reason);
    expect((await kube.objects.list(HR, 'HelmRelease', namespace)).items).toEqual([]);
    // Nothing staged: the namespace's folder has no tag of any of them.
    const staging = await stagingRegistry(kube, namespace);
    const folder = stagedRepositoryUrl('staging', namespace, { url: inject('chartsUrl'), name: chart });
    const pushed = chart === 'bookinfo' ? subcharts.filter((name) => name.includes('mysql')) : subcharts;
    for (const name of pushed) expect(await staging.tags(`${folder}/${name}--1.0.0`), name).toEqual([]);
  });
});

describe('a rendered Workflow with subcharts, submitted straight to Argo', () => {
  it('succeeds without the controller: staged, each subchart installed, then the parent', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-sub-argo');
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-render-'));
    writeFileSync(join(dir, 'bookinfo.yaml'), stringify(bookinfo(namespace)));
    const rendered = await run(process.execPath, [
      join(REPO_ROOT, 'dist/orkestra.js'),
      'render',
      join(dir, 'bookinfo.yaml'),
      '--staging-url',
      `${inject('registry')}/direct`,
      '--staging-plain-http',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const objects = rendered.stdout
      .split(/^---$/m)
      .map((d) => parse(d))
      .filter(Boolean) as Obj[];
    const workflow = objects.find((o) => o.kind === 'Workflow') as Obj;
    for (const other of objects.filter((o) => o !== workflow)) await kube.apply(other);
    const finished = await runWorkflow(kube, workflow);
    expect(finished.status.phase, JSON.stringify(finished.status.message)).toBe('Succeeded');
    for (const sub of SUBCHARTS)
      expect(await installed(namespace, sub)).toMatchObject({ chartVersion: '1.0.0' });
    const parent = (await kube.get(HR, 'HelmRelease', namespace, 'bookinfo')) as Obj;
    expect(parent.status.history[0]).toMatchObject({ chartName: 'bookinfo', status: 'deployed' });
  });

  it('a staging registry nobody answers at: the stage step ends Unreachable (exit 4) and nothing is applied', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-sub-unreachable');
    const port = await freePort(); // nothing listens there
    const finished = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'stage-', [
        templateTask('stage', 'stage', {
          'chart-url': inject('chartsUrl'),
          'chart-name': 'bookinfo',
          'chart-version': '1.0.0',
          subcharts: 'reviews',
          'staging-url': `oci://127.0.0.1:${port}/staging`,
          'staging-plain-http': 'true',
          timeout: '2s',
        }),
      ]),
    );
    expect(finished.status.phase).toBe('Failed');
    const node = taskNode(finished, 'stage');
    expect(result(node)).toMatchObject({ phase: 'Unreachable', reason: 'Unreachable' });
    expect(String(result(node).message)).toMatch(
      new RegExp(
        `^HEAD 127.0.0.1:${port}/${stagedRepositoryUrl('staging', namespace, { url: inject('chartsUrl'), name: 'bookinfo' })}/reviews--1.0.0:1.0.0 failed: .*ECONNREFUSED`,
      ),
    );
    expect((await kube.objects.list(HR, 'HelmRelease', namespace)).items).toEqual([]);
  });
});
