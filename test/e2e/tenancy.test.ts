// What a namespace user can make Orkestra do, on the real cluster with Orkestra installed by its
// chart: a user whose only right is ApplicationGroups in their namespace (kubectl --as) gets no
// right they lack through a group — releases stay in their namespace and run as its
// orkestra-release ServiceAccount. Platform namespaces: platform.test.ts; hand-written steps:
// policy-steps.test.ts; ownership: ownership.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { ensureTools } from '../cluster/tools.ts';
import { condition, connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { run } from './cli.ts';
import { AG, group, groupStalled, HR, kubectlWaitReady, readyCondition } from './groups.ts';

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
      const refused = await groupStalled(kube, tenant, name);
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
    const refused = await groupStalled(kube, tenant, 'metadata');
    expect(condition(refused, 'Stalled')?.message).toContain(
      'spec.applications["steal"].spec.chart.url: charts may not be fetched from 169.254.169.254 is link-local (cloud metadata services): the default policy',
    );
    expect(await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', tenant, 'steal')).toBeUndefined();
  });
});
