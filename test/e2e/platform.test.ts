// Platform teams keep the original Orkestra's reach where an administrator grants it: a namespace
// named in the chart's values (policy.platform.namespaces), or a ReleasePolicy of their own, rolls
// out the original's cross-namespace samples, creating namespaces, on the real cluster.
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
import { connect, type Kube, type Obj } from '../integration/kube.ts';
import { run } from './cli.ts';
import { AG, createPolicy, expectPolicyDenied, HR, kubectlApply, kubectlWaitReady } from './groups.ts';

let kube: Kube;
const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
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

describe('a ReleasePolicy of the administrator’s own', () => {
  it('rolls out the original Orkestra bookinfo sample (subcharts removed, charts from the fixture repository) once a ReleasePolicy lets it release across namespaces', async () => {
    const namespace = await kube.createNamespace('e2e-bookinfo');
    const sample = parse(readFileSync(join(REPO_ROOT, 'examples/bookinfo.yaml'), 'utf8')) as Obj;
    sample.metadata = { ...sample.metadata, namespace };
    for (const app of sample.spec.applications) {
      app.spec.chart.url = inject('chartsUrl');
      delete app.spec.subcharts;
    }
    await kubectlApply(sample);
    // Its releases go into `ambassador` and `bookinfo`: no policy allows that by default …
    await expectPolicyDenied(
      kube,
      namespace,
      'bookinfo',
      'spec.applications["ambassador"].spec.release.targetNamespace: "ambassador" is not a namespace this group may release into',
    );
    // … until an administrator writes one, with a ServiceAccount that may (bound cluster-wide here).
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'platform', namespace },
    } as Obj);
    await kube.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${namespace}-platform` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'platform', namespace }],
    } as Obj);
    await createPolicy(kube, namespace, {
      targetNamespaces: ['*'],
      createNamespace: true,
      serviceAccountName: 'platform',
    });
    const waited = await kubectlWaitReady(namespace, 'bookinfo');
    expect(waited.code, waited.stderr).toBe(0);
    const bookinfo = (await kube.get(AG, 'ApplicationGroup', namespace, 'bookinfo')) as Obj;
    expect(
      bookinfo.status.applications.map((a: { name: string; version: string }) => [a.name, a.version]),
    ).toEqual([
      ['ambassador', '6.6.0'],
      ['bookinfo', '1.0.0'],
    ]);
    expect((await kube.get('v1', 'ConfigMap', 'ambassador', 'ambassador-config'))?.data?.serviceType).toBe(
      'ClusterIP',
    );
  });
});
