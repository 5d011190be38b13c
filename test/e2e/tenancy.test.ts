// What a namespace user can make Orkestra do, on the real cluster with Orkestra installed by its
// chart: a user whose only right is ApplicationGroups in their namespace (kubectl --as) gets no
// right they lack through a group — releases stay in their namespace and run as its
// orkestra-release ServiceAccount — while a platform namespace named in the chart's values still
// releases anywhere, as the original Orkestra did.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ApplicationGroup } from '../../lib/api/application-group.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { RELEASE } from '../cluster/orkestra-install.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import {
  condition,
  connect,
  fixtureHelmRelease,
  type Kube,
  type Obj,
  waitForGone,
  waitForObject,
} from '../integration/kube.ts';
import {
  attempts,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  result,
  run,
  runWorkflow,
  templatesNamespace,
  templateTask,
} from './argo.ts';
import { AG, group, HR, kubectlApply, kubectlWaitReady, readyCondition } from './groups.ts';

let kube: Kube;
const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);
/** A user of the test's own, with no right but what the test gives. */
const user = `tenant-${randomBytes(4).toString('hex')}`;
let tenant: string;
let otherTenant: string;

/** `kubectl auth can-i VERB RESOURCE -n NAMESPACE --as=SUBJECT`, the API server's answer. */
async function canI(subject: string, verb: string, resource: string, namespace: string): Promise<boolean> {
  const result = await kubectl('auth', 'can-i', verb, resource, `--as=${subject}`, '-n', namespace);
  if (![0, 1].includes(result.code as number)) throw new Error(`kubectl auth can-i: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

/** `kubectl apply -f` of `object` as the tenant user. */
async function applyAsTenant(object: Obj): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'orkestra-tenant-')), 'group.yaml');
  writeFileSync(file, stringify(object));
  const applied = await kubectl('apply', `--as=${user}`, '-f', file);
  expect(applied.code, applied.stderr).toBe(0);
}

/** The group once it says Stalled=True for its current generation. */
const stalled = (namespace: string, name: string) =>
  waitForObject(kube, [AG, 'ApplicationGroup', namespace, name], 'Stalled=True', (g) => {
    const s = condition(g, 'Stalled');
    return s?.status === 'True' && s.observedGeneration === g.metadata?.generation;
  });

const escalating = (namespace: string, name: string, target: string) =>
  group(
    namespace,
    name,
    [{ name: 'escalate', chart: 'escalate', release: { targetNamespace: target, values: { user } } }],
    { remediation: 'None' },
  );

beforeAll(async () => {
  kube = connect(inject('kubeconfig'));
  tenant = await kube.createNamespace('e2e-tenant');
  otherTenant = await kube.createNamespace('e2e-tenant-other');
  // Given a user whose only right is to write ApplicationGroups in their namespace
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'applicationgroups', namespace: tenant },
    rules: [{ apiGroups: ['orkestra.azure.microsoft.com'], resources: ['applicationgroups'], verbs: ['*'] }],
  } as Obj);
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'applicationgroups', namespace: tenant },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'applicationgroups' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  } as Obj);
});

describe('a user whose only right is ApplicationGroups in their namespace', () => {
  it('can write groups there, and cannot create ClusterRoleBindings or list Secrets in kube-system', async () => {
    expect(await canI(user, 'create', 'applicationgroups.orkestra.azure.microsoft.com', tenant)).toBe(true);
    expect(await canI(user, 'create', 'clusterrolebindings', tenant)).toBe(false);
    expect(await canI(user, 'list', 'secrets', 'kube-system')).toBe(false);
    expect(await canI(user, 'create', 'helmreleases.helm.toolkit.fluxcd.io', tenant)).toBe(false);
  });

  it.each([
    ['kube-system', () => 'kube-system'],
    ["another tenant's namespace", () => otherTenant],
  ])(
    'a group releasing a ClusterRoleBinding chart into %s → Stalled, PolicyDenied, nothing applied',
    async (_, targetOf) => {
      const target = targetOf();
      const name = `into-${target === 'kube-system' ? 'system' : 'other'}`;
      await applyAsTenant(escalating(tenant, name, target));
      const refused = await stalled(tenant, name);
      expect(condition(refused, 'Stalled')).toMatchObject({ reason: 'PolicyDenied' });
      expect(condition(refused, 'Stalled')?.message).toBe(
        `The policy refuses the spec, and nothing of it is applied: spec.applications["escalate"].spec.release.targetNamespace: "${target}" is not a namespace this group may release into: the default policy (no ReleasePolicy selects this namespace) allows only the group's own namespace "${tenant}"`,
      );
      expect(readyCondition(refused)).toMatchObject({ status: 'False', reason: 'PolicyDenied' });
      // Nothing of it exists: no finalizer, no Workflow, no HelmRelease, no binding.
      expect(refused.metadata?.finalizers ?? []).toEqual([]);
      const workflows = await kubectl('get', 'workflows', '-n', tenant, '-o', 'name');
      expect(workflows.stdout).not.toContain(name);
      expect(await kube.get(HR, 'HelmRelease', tenant, 'escalate')).toBeUndefined();
      const bindings = await kubectl('get', 'clusterrolebindings', '-o', 'name');
      expect(bindings.stdout).not.toContain('escalate');
      expect(await canI(user, 'list', 'secrets', 'kube-system')).toBe(false);
    },
  );

  it("the same chart into its own namespace → the release fails with helm-controller's Forbidden, as orkestra-release; no ClusterRoleBinding", async () => {
    await applyAsTenant(escalating(tenant, 'escalate-here', tenant));
    const failed = await waitForObject(
      kube,
      [AG, 'ApplicationGroup', tenant, 'escalate-here'],
      'Ready=False',
      (g) => readyCondition(g)?.status === 'False',
      150_000,
    );
    expect(readyCondition(failed)?.message).toMatch(
      new RegExp(
        `application escalate failed .*clusterrolebindings\\.rbac\\.authorization\\.k8s\\.io "[^"]*" is forbidden: User "system:serviceaccount:${tenant}:orkestra-release" cannot (get|create) resource "clusterrolebindings"`,
      ),
    );
    const release = (await kube.get(HR, 'HelmRelease', tenant, 'escalate')) as Obj;
    expect(release.spec.serviceAccountName).toBe('orkestra-release');
    expect((await kubectl('get', 'clusterrolebindings', '-o', 'name')).stdout).not.toContain('escalate');
    expect(await canI(user, 'list', 'secrets', 'kube-system')).toBe(false);
    // The ServiceAccount it ran as: namespace admin there, nothing cluster-wide.
    const account = `system:serviceaccount:${tenant}:orkestra-release`;
    expect(await canI(account, 'create', 'configmaps', tenant)).toBe(true);
    expect(await canI(account, 'create', 'configmaps', 'kube-system')).toBe(false);
    expect(await canI(account, 'create', 'namespaces', tenant)).toBe(false);
  });

  it('an ordinary chart into its own namespace → Ready, with nothing set up beyond the chart', async () => {
    await applyAsTenant(group(tenant, 'ordinary', [{ name: 'web' }, { name: 'api', dependencies: ['web'] }]));
    const ready = await kubectlWaitReady(tenant, 'ordinary');
    expect(ready.code, ready.stderr).toBe(0);
    const installed = await kube.get('v1', 'ConfigMap', tenant, 'api-config');
    expect(installed).toBeDefined();
  });

  it('a chart from the metadata service address → Stalled, PolicyDenied; no source is created to fetch it', async () => {
    const metadata = group(tenant, 'metadata', [{ name: 'steal' }]);
    metadata.spec.applications[0].spec.chart.url = 'http://169.254.169.254/latest/meta-data/';
    await applyAsTenant(metadata);
    const refused = await stalled(tenant, 'metadata');
    expect(condition(refused, 'Stalled')?.message).toContain(
      'spec.applications["steal"].spec.chart.url: charts may not be fetched from 169.254.169.254 is link-local (cloud metadata services): the default policy',
    );
    expect(await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', tenant, 'steal')).toBeUndefined();
  });
});

describe('a platform namespace named in the chart values (policy.platform.namespaces)', () => {
  const helmUpgrade = (namespaces: string) =>
    run(ensureTools().helm, [
      'upgrade',
      RELEASE,
      join(REPO_ROOT, 'chart/orkestra'),
      '-n',
      TEMPLATES_NAMESPACE,
      '--reuse-values',
      '--set',
      `policy.platform.namespaces=${namespaces}`,
    ]);
  afterAll(async () => {
    const restored = await helmUpgrade('null');
    expect(restored.code, restored.stderr).toBe(0);
  });

  it("rolls out the original Orkestra's bookinfo sample across namespaces, creating them", async () => {
    const platform = await kube.createNamespace('e2e-platform');
    const upgraded = await helmUpgrade(`{${platform}}`);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    // examples/bookinfo.yaml as written (ambassador and bookinfo in namespaces of their own), with
    // the fixture charts and target namespaces this test owns.
    const bookinfo = parse(
      readFileSync(join(REPO_ROOT, 'examples/bookinfo.yaml'), 'utf8'),
    ) as ApplicationGroup;
    bookinfo.metadata.namespace = platform;
    for (const app of bookinfo.spec.applications) {
      app.spec.chart.url = inject('chartsUrl');
      if (app.name === 'bookinfo') app.spec.chart.version = '1.0.0';
      if (app.spec.release)
        app.spec.release.targetNamespace = `${platform}-${app.spec.release.targetNamespace}`;
    }
    const file = join(mkdtempSync(join(tmpdir(), 'orkestra-platform-')), 'bookinfo.yaml');
    writeFileSync(file, stringify(bookinfo));
    const applied = await kubectl('apply', '-f', file);
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectlWaitReady(platform, 'bookinfo', '240s');
    expect(ready.code, ready.stderr).toBe(0);
    const parent = (await kube.get(HR, 'HelmRelease', platform, 'bookinfo')) as Obj;
    expect(parent.spec).toMatchObject({
      serviceAccountName: 'orkestra-platform',
      targetNamespace: `${platform}-bookinfo`,
      install: { createNamespace: true },
    });
    const created = await kubectl('get', 'namespace', `${platform}-ambassador`, '-o', 'name');
    expect(created.stdout.trim()).toBe(`namespace/${platform}-ambassador`);
    expect(
      await kube.get('v1', 'ConfigMap', `${platform}-bookinfo`, 'bookinfo-details-details'),
    ).toBeDefined();
  });
});

describe('a hand-written Workflow calling the templates, under the default policy', () => {
  it.each<[string, (namespace: string, other: string) => Obj, string]>([
    [
      'a HelmRelease in another namespace',
      (_namespace, other) => fixtureHelmRelease(other, 'web', 'configmap-app', '1.0.0'),
      'helmrelease.metadata.namespace: namespace "OTHER" is not the Workflow\'s own namespace "NAMESPACE" (read from the pod)',
    ],
    [
      'spec.kubeConfig',
      (namespace) =>
        fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', {
          kubeConfig: { secretRef: { name: 'remote' } },
        }),
      'helmrelease.spec.kubeConfig: releases act on this cluster as the policy says, not through a kubeconfig',
    ],
    [
      'another serviceAccountName',
      (namespace) =>
        fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', {
          serviceAccountName: 'orkestra-executor',
        }),
      'helmrelease.spec.serviceAccountName: must be "orkestra-release"',
    ],
    [
      'a targetNamespace elsewhere',
      (namespace) =>
        fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', { targetNamespace: 'kube-system' }),
      'helmrelease.spec.targetNamespace: "kube-system" is not a namespace releases of "NAMESPACE" may use',
    ],
  ])(
    '%s → the step fails with exit 2 naming the field; nothing applied',
    async (_, helmRelease, expected) => {
      const namespace = await templatesNamespace(kube, 'e2e-policy-step');
      const workflow = await runWorkflow(
        kube,
        dagWorkflow(namespace, 'refused-', [
          templateTask('web', 'apply', {
            helmrelease: stringify(helmRelease(namespace, otherTenant)),
            source: fixtureSource(namespace),
            timeout: '2m',
          }),
        ]),
      );
      expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
      const [attempt, ...retried] = attempts(workflow, 'web');
      expect(retried).toEqual([]);
      expect(attempt?.outputs?.exitCode).toBe('2');
      expect(result(attempt)).toMatchObject({ phase: 'Invalid', reason: 'InvalidSpec' });
      expect(result(attempt).message).toContain(
        expected.replace('NAMESPACE', namespace).replace('OTHER', otherTenant),
      );
      for (const where of [namespace, otherTenant]) {
        expect(await kube.get(HR, 'HelmRelease', where, 'web')).toBeUndefined();
        expect(
          await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', where, 'fixtures'),
        ).toBeUndefined();
      }
    },
  );
});

describe('ownership: a second group with an application of the same name', () => {
  it('is Stalled with Conflict, naming the HelmRelease and its owner; the first is untouched, and deleting the second leaves it', async () => {
    const namespace = await kube.createNamespace('e2e-owner');
    await kubectlApply(group(namespace, 'first', [{ name: 'web' }]));
    const ready = await kubectlWaitReady(namespace, 'first');
    expect(ready.code, ready.stderr).toBe(0);
    const first = (await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj;
    const release = (await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj;
    expect(release.metadata?.labels?.['orkestra.azure.microsoft.com/group-uid']).toBe(first.metadata?.uid);

    await kubectlApply(group(namespace, 'second', [{ name: 'web', version: '2.0.0' }]));
    const second = await stalled(namespace, 'second');
    expect(condition(second, 'Stalled')).toMatchObject({
      reason: 'Conflict',
      message: `Not applied, to leave what others own alone: HelmRelease ${namespace}/web belongs to ApplicationGroup first (uid ${first.metadata?.uid}); HelmRepository ${namespace}/web belongs to ApplicationGroup first (uid ${first.metadata?.uid})`,
    });
    const after = (await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj;
    expect(after.metadata?.generation).toBe(release.metadata?.generation);
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('1.0.0');
    expect(((await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj).status).toEqual(
      first.status,
    );

    await kube.remove(AG, 'ApplicationGroup', namespace, 'second');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'second'], 150_000);
    expect(((await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj).metadata?.generation).toBe(
      release.metadata?.generation,
    );
    expect(readyCondition((await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj)?.status).toBe(
      'True',
    );
  });
});

describe('a chart repository that redirects to the metadata service', () => {
  it('the stage step checks every redirect: refused before anything is requested there; nothing applied', async () => {
    const namespace = await kube.createNamespace('e2e-redirect');
    // bookinfo's parent chart is fetched by Orkestra's own stage step (its subcharts are staged).
    const bookinfo = parse(
      readFileSync(join(REPO_ROOT, 'examples/bookinfo.yaml'), 'utf8'),
    ) as ApplicationGroup;
    bookinfo.metadata.namespace = namespace;
    bookinfo.spec.remediation = { strategy: 'None' };
    bookinfo.spec.applications = bookinfo.spec.applications.filter((a) => a.name === 'bookinfo');
    const app = bookinfo.spec.applications[0] as ApplicationGroup['spec']['applications'][number];
    app.dependencies = [];
    app.spec.chart.url = `${inject('chartsUrl')}/to-metadata`;
    app.spec.chart.version = '1.0.0';
    if (app.spec.release) app.spec.release.targetNamespace = namespace;
    await kubectlApply(bookinfo as unknown as Obj);
    const failed = await waitForObject(
      kube,
      [AG, 'ApplicationGroup', namespace, 'bookinfo'],
      'Ready=False',
      (g) => readyCondition(g)?.status === 'False',
    );
    expect(readyCondition(failed)?.message).toContain(
      'http://169.254.169.254/latest/meta-data/index.yaml is not fetched: charts may not come from 169.254.169.254 is link-local (cloud metadata services)',
    );
    expect(await kube.get(HR, 'HelmRelease', namespace, 'bookinfo')).toBeUndefined();
    expect(await kube.get(HR, 'HelmRelease', namespace, 'bookinfo-details')).toBeUndefined();
  });
});
