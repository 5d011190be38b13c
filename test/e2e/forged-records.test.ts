// Records others can write are verified before use (issue 21, deliverable 5), on the real cluster: a
// user whose only right in the namespace is ConfigMaps forges the executor's previous-release record
// or the controller's rollout record, and neither a rollback step nor a group's remediation applies
// or deletes anything the group does not own or the policy does not allow.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import {
  MAX_RECORD_JSON_BYTES,
  RECORD_KEY,
  type RolloutRecord,
} from '../../controller/src/reconcile/rollout-record.ts';
import { previousRecordName } from '../../executor/src/previous-record.ts';
import { Labels } from '../../lib/wire-names.ts';
import { ensureTools } from '../cluster/tools.ts';
import {
  condition,
  connect,
  fixtureHelmRelease,
  type Kube,
  type Obj,
  waitForObject,
} from '../integration/kube.ts';
import {
  attempts,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  nodes,
  result,
  run,
  runWorkflow,
  taskNode,
  templatesNamespace,
  templateTask,
  WORKFLOW,
} from './argo.ts';
import {
  AG,
  type App,
  group,
  groupSettled,
  groupStalled,
  HR,
  kubectlApply,
  kubectlWaitReady,
  readyCondition,
} from './groups.ts';

let kube: Kube;
const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

/**
 * Given a user of the test's own whose only right in `namespace` is to read and write ConfigMaps:
 * who can forge a record, and nothing else.
 */
async function configMapWriter(namespace: string): Promise<string> {
  const user = `configmaps-${randomBytes(4).toString('hex')}`;
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'configmaps', namespace },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'update', 'patch'] }],
  } as Obj);
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'configmaps', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  } as Obj);
  for (const [verb, resource, allowed] of [
    ['update', 'configmaps', 'yes'],
    ['patch', 'helmreleases.helm.toolkit.fluxcd.io', 'no'],
    ['create', 'workflows.argoproj.io', 'no'],
    ['patch', 'applicationgroups.orkestra.azure.microsoft.com', 'no'],
  ] as const) {
    const answer = await kubectl('auth', 'can-i', verb, resource, `--as=${user}`, '-n', namespace);
    expect(answer.stdout.trim(), `${user} ${verb} ${resource}: ${answer.stderr}`).toBe(allowed);
  }
  return user;
}

/** `kubectl replace -f` of the ConfigMap as `user`: the forgery, as that user can make it. */
async function replaceAs(user: string, configMap: Obj): Promise<void> {
  // Unconditionally (no resourceVersion): the same forgery may be written again later.
  const { managedFields: _, resourceVersion: __, ...metadata } = configMap.metadata ?? {};
  const file = join(mkdtempSync(join(tmpdir(), 'orkestra-forged-')), 'configmap.yaml');
  writeFileSync(file, stringify({ ...configMap, metadata }));
  const replaced = await kubectl('replace', `--as=${user}`, '-f', file);
  expect(replaced.code, replaced.stderr).toBe(0);
}

/** Names of ConfigMaps and Secrets (Helm's release storage) in kube-system that mention `name`. */
async function inKubeSystem(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const kind of ['ConfigMap', 'Secret']) {
    const list = await kube.objects.list('v1', kind, 'kube-system');
    for (const item of list.items)
      if (item.metadata?.name?.includes(name)) found.push(`${kind}/${item.metadata.name}`);
  }
  return found;
}

describe('a forged previous-release record (the rollback template)', () => {
  const release = 'forged-web';
  let namespace: string;
  let otherNamespace: string;
  let writer: string;
  /** The record apply wrote, as it wrote it: what the last case restores. */
  let genuine: Obj;
  /** The HelmRelease as the upgrade left it. */
  let live: Obj;

  beforeAll(async () => {
    namespace = await templatesNamespace(kube, 'e2e-forged-previous');
    otherNamespace = await kube.createNamespace('e2e-forged-other');
    writer = await configMapWriter(namespace);
    // Given forged-web at 1.0.0, then upgraded to 2.0.0, both by the apply template: apply keeps
    // 1.0.0 as the previous release in its record.
    const applying = (version: string) => ({
      helmrelease: stringify(fixtureHelmRelease(namespace, release, 'configmap-app', version)),
      source: fixtureSource(namespace),
      timeout: '2m',
    });
    const upgraded = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'install-then-upgrade-', [
        templateTask('install', 'apply', applying('1.0.0')),
        templateTask('upgrade', 'apply', applying('2.0.0'), { dependencies: ['install'] }),
      ]),
    );
    expect(upgraded.status?.phase, describeWorkflow(upgraded)).toBe('Succeeded');
    genuine = (await kube.get('v1', 'ConfigMap', namespace, previousRecordName(release))) as Obj;
    expect(genuine.data?.existed).toBe('true');
    expect(JSON.parse(genuine.data?.helmrelease as string).spec.chart.spec.version).toBe('1.0.0');
    live = (await kube.get(HR, 'HelmRelease', namespace, release)) as Obj;
    expect(live.spec.chart.spec.version).toBe('2.0.0');
  });

  /** The genuine record with its HelmRelease changed by `edit`, or the whole ConfigMap by `editMap`. */
  const forgery =
    (edit: (helmRelease: Obj) => void, editMap: (configMap: Obj) => void = () => {}) =>
    () => {
      const configMap = structuredClone(genuine);
      const helmRelease = JSON.parse(configMap.data?.helmrelease as string) as Obj;
      edit(helmRelease);
      (configMap.data as Record<string, string>).helmrelease = JSON.stringify(helmRelease);
      editMap(configMap);
      return configMap;
    };

  it.each<[string, () => Obj, () => string]>([
    [
      'a HelmRelease targeting kube-system',
      forgery((hr) => {
        hr.spec.targetNamespace = 'kube-system';
      }),
      () =>
        `helmrelease.spec.targetNamespace: "kube-system" is not a namespace releases of "${namespace}" may use`,
    ],
    [
      'a HelmRelease with spec.kubeConfig',
      forgery((hr) => {
        hr.spec.kubeConfig = { secretRef: { name: 'remote' } };
      }),
      () =>
        'helmrelease.spec.kubeConfig: releases act on this cluster as the policy says, not through a kubeconfig',
    ],
    [
      'a HelmRelease running as another ServiceAccount',
      forgery((hr) => {
        hr.spec.serviceAccountName = 'orkestra-executor';
      }),
      () => 'helmrelease.spec.serviceAccountName: must be "orkestra-release"',
    ],
    [
      'a HelmRelease of another namespace',
      forgery((hr) => {
        (hr.metadata as { namespace: string }).namespace = otherNamespace;
      }),
      () =>
        `ConfigMap ${namespace}/${previousRecordName(release)} data.helmrelease.metadata.namespace: namespace "${otherNamespace}" is not the Workflow's own namespace "${namespace}" (read from the pod)`,
    ],
    [
      'a HelmRelease of another name',
      forgery((hr) => {
        (hr.metadata as { name: string }).name = 'other-web';
      }),
      () =>
        `ConfigMap ${namespace}/${previousRecordName(release)} data.helmrelease: holds HelmRelease ${namespace}/other-web, not ${namespace}/${release}`,
    ],
    [
      'no record label',
      forgery(
        () => {},
        (configMap) => {
          delete configMap.metadata?.labels?.[Labels.recordOf];
        },
      ),
      () =>
        `ConfigMap ${namespace}/${previousRecordName(release)}: is not a record of HelmRelease ${namespace}/${release} (label ${Labels.recordOf} is missing)`,
    ],
  ])(
    'holding %s → rollback fails with exit 2 naming it; the HelmRelease unchanged, nothing elsewhere',
    async (_, forged, expected) => {
      // When someone with ConfigMap rights rewrites the record, and the rollback template runs
      await replaceAs(writer, forged());
      const workflow = await runWorkflow(
        kube,
        dagWorkflow(namespace, 'forged-rollback-', [
          templateTask('rollback', 'rollback', { name: release, namespace, timeout: '2m' }),
        ]),
      );
      // Then the step fails once, exit 2 (not retried), naming what is wrong
      expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
      const [attempt, ...retried] = attempts(workflow, 'rollback');
      expect(retried).toEqual([]);
      expect(attempt?.outputs?.exitCode).toBe('2');
      expect(result(attempt)).toMatchObject({ phase: 'Invalid', reason: 'InvalidSpec' });
      expect(result(attempt).message).toContain(expected());
      // And the HelmRelease is as the upgrade left it; nothing of it elsewhere
      const after = (await kube.get(HR, 'HelmRelease', namespace, release)) as Obj;
      expect(after.metadata?.generation).toBe(live.metadata?.generation);
      expect(after.spec).toEqual(live.spec);
      expect((await kube.get('v1', 'ConfigMap', namespace, `${release}-config`))?.data?.chartVersion).toBe(
        '2.0.0',
      );
      expect(await kube.get(HR, 'HelmRelease', otherNamespace, release)).toBeUndefined();
      expect(await kube.get(HR, 'HelmRelease', namespace, 'other-web')).toBeUndefined();
      expect(await inKubeSystem(release)).toEqual([]);
    },
  );

  it('the genuine record put back → the same rollback succeeds (1.0.0 again): the refusals were the forgeries', async () => {
    await replaceAs(writer, structuredClone(genuine));
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'genuine-rollback-', [
        templateTask('rollback', 'rollback', { name: release, namespace, timeout: '2m' }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(result(taskNode(workflow, 'rollback'))).toMatchObject({ action: 'rollback', phase: 'Succeeded' });
    expect((await kube.get(HR, 'HelmRelease', namespace, release))?.spec?.chart?.spec?.version).toBe('1.0.0');
    expect((await kube.get('v1', 'ConfigMap', namespace, `${release}-config`))?.data?.chartVersion).toBe(
      '1.0.0',
    );
  });
});

describe('a forged rollout record (a group whose upgrade fails, remediation Rollback)', () => {
  const RECORD = 'g-rollout-record';
  const apps = (version: string): App[] => [{ name: 'forged', chart: 'fail-upgrade', version }];
  const decode = (configMap: Obj): RolloutRecord =>
    JSON.parse(
      gunzipSync(
        Buffer.from(
          (configMap as { binaryData: Record<string, string> }).binaryData[RECORD_KEY] as string,
          'base64',
        ),
        {
          maxOutputLength: MAX_RECORD_JSON_BYTES,
        },
      ).toString(),
    );
  const encoded = (json: string) => gzipSync(json).toString('base64');

  interface Given {
    namespace: string;
    writer: string;
    /** The rollout record of group g once generation 1 rolled out. */
    record: Obj;
    /** Group `other`'s release `victim`, its installed ConfigMap and its group, before anything was forged. */
    victim: { release: Obj; installed: Obj; group: Obj };
  }

  /**
   * Given, in a new namespace, group `other` (release `victim`) and group `g` (release `forged` of
   * fail-upgrade 1.0.0, remediation Rollback), both Ready, and a user with ConfigMap rights only.
   */
  async function given(prefix: string): Promise<Given> {
    const namespace = await kube.createNamespace(prefix);
    await kubectlApply(group(namespace, 'other', [{ name: 'victim' }]));
    await kubectlApply(group(namespace, 'g', apps('1.0.0'), { remediation: 'Rollback' }));
    for (const name of ['other', 'g']) {
      const ready = await kubectlWaitReady(namespace, name);
      expect(ready.code, ready.stderr).toBe(0);
    }
    const writer = await configMapWriter(namespace);
    const record = await waitForObject(
      kube,
      ['v1', 'ConfigMap', namespace, RECORD],
      'to record generation 1 as rolled out',
      (c) => decode(c).succeeded?.generation === 1 && decode(c).pending === undefined,
    );
    const victim = {
      release: (await kube.get(HR, 'HelmRelease', namespace, 'victim')) as Obj,
      installed: (await kube.get('v1', 'ConfigMap', namespace, 'victim-config')) as Obj,
      group: (await kube.get(AG, 'ApplicationGroup', namespace, 'other')) as Obj,
    };
    expect(victim.installed.data?.chartVersion).toBe('1.0.0');
    return { namespace, writer, record, victim };
  }

  /** The record rewritten by the ConfigMap writer to hold `json` (ownerReferences and labels kept). */
  async function forge(g: Given, json: string): Promise<void> {
    const configMap = structuredClone(g.record) as Obj & { binaryData: Record<string, string> };
    configMap.binaryData[RECORD_KEY] = encoded(json);
    await replaceAs(g.writer, configMap);
  }

  /** When g is upgraded to fail-upgrade 2.0.0 (generation 2), whose upgrade fails. */
  async function failUpgrade(g: Given): Promise<void> {
    await kubectlApply(group(g.namespace, 'g', apps('2.0.0'), { remediation: 'Rollback' }));
  }

  /** Then: the other group's release, what it installed and its status as they were; nothing in kube-system. */
  async function expectNothingElseTouched(g: Given): Promise<void> {
    const release = (await kube.get(HR, 'HelmRelease', g.namespace, 'victim')) as Obj;
    expect(release.metadata?.uid).toBe(g.victim.release.metadata?.uid);
    expect(release.metadata?.generation).toBe(g.victim.release.metadata?.generation);
    expect(release.spec).toEqual(g.victim.release.spec);
    const installed = (await kube.get('v1', 'ConfigMap', g.namespace, 'victim-config')) as Obj;
    expect(installed.metadata?.uid).toBe(g.victim.installed.metadata?.uid);
    expect(installed.data).toEqual(g.victim.installed.data);
    expect(
      await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', g.namespace, 'victim'),
    ).toBeDefined();
    expect(((await kube.get(AG, 'ApplicationGroup', g.namespace, 'other')) as Obj).status).toEqual(
      g.victim.group.status,
    );
    expect(await inKubeSystem('forged')).toEqual([]);
    expect(await inKubeSystem('victim')).toEqual([]);
  }

  /**
   * Then the forged `installed` did reach the rollout — g's generation 2 Workflow tried to uninstall
   * victim, the release g no longer "has" — and the executor left it installed: not g's.
   */
  async function expectVictimLeftInstalled(g: Given): Promise<void> {
    const forward = (await kube.get(WORKFLOW, 'Workflow', g.namespace, 'g-g2-forward')) as Obj;
    const deletes = nodes(forward)
      .filter((n) => n.type === 'Pod')
      .map(result)
      .filter((r) => r.action === 'delete');
    expect(deletes, describeWorkflow(forward)).toEqual([
      expect.objectContaining({
        name: 'victim',
        phase: 'Succeeded',
        reason: 'NotOwned',
        message: `HelmRelease ${g.namespace}/victim belongs to ApplicationGroup other (uid ${g.victim.group.metadata?.uid}): left installed`,
      }),
    ]);
  }

  const rollbackWorkflow = (g: Given) => kube.get(WORKFLOW, 'Workflow', g.namespace, 'g-g2-rollback');

  /** The genuine record with its last successful spec changed by `edit`, and `installed` naming victim too. */
  function forgedRecord(g: Given, edit: (spec: Obj['spec']) => void): string {
    const record = decode(g.record) as RolloutRecord & { succeeded: { spec: Obj['spec'] } };
    edit(record.succeeded.spec);
    const [unit] = Object.values(record.installed);
    record.installed = { ...record.installed, victim: { dependsOn: [], timeout: unit?.timeout ?? '5m' } };
    return JSON.stringify(record);
  }

  it('its last successful spec targeting kube-system (and installed naming another group’s release) → not rolled back to, the policy named; nothing of another group deleted, nothing in kube-system', async () => {
    const g = await given('e2e-forged-rollout-system');
    await forge(
      g,
      forgedRecord(g, (spec) => {
        spec.applications[0].spec.release.targetNamespace = 'kube-system';
      }),
    );
    await failUpgrade(g);
    const after = await groupSettled(kube, g.namespace, 'g');
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(readyCondition(after)?.message).toMatch(
      new RegExp(
        `^application forged failed to install or upgrade: .*\\(Workflow g-g2-forward\\); not remediated: the policy refuses the spec of generation 1, the last that rolled out successfully: spec\\.applications\\["forged"\\]\\.spec\\.release\\.targetNamespace: "kube-system" is not a namespace this group may release into: the default policy \\(no ReleasePolicy selects this namespace\\) allows only the group's own namespace "${g.namespace}"$`,
      ),
    );
    expect(await rollbackWorkflow(g)).toBeUndefined();
    // The failed rollout's release is left as it failed, in the group's namespace.
    const forged = (await kube.get(HR, 'HelmRelease', g.namespace, 'forged')) as Obj;
    expect(forged.spec.chart.spec.version).toBe('2.0.0');
    expect(forged.spec.targetNamespace).toBe(g.namespace);
    await expectVictimLeftInstalled(g);
    await expectNothingElseTouched(g);
  });

  it('its last successful spec naming another group’s release → Stalled, Conflict, naming it and its owner; no rollback Workflow; that release untouched', async () => {
    const g = await given('e2e-forged-rollout-other');
    await forge(
      g,
      forgedRecord(g, (spec) => {
        const [app] = spec.applications;
        spec.applications.push({ ...structuredClone(app), name: 'victim' });
      }),
    );
    await failUpgrade(g);
    const stalled = await groupStalled(kube, g.namespace, 'g');
    const owner = g.victim.group.metadata?.uid;
    expect(condition(stalled, 'Stalled')).toMatchObject({
      reason: 'Conflict',
      message: `Not applied, to leave what others own alone: HelmRelease ${g.namespace}/victim belongs to ApplicationGroup other (uid ${owner}); HelmRepository ${g.namespace}/victim belongs to ApplicationGroup other (uid ${owner})`,
    });
    expect(readyCondition(stalled)).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(await rollbackWorkflow(g)).toBeUndefined();
    await expectVictimLeftInstalled(g);
    await expectNothingElseTouched(g);
  });

  it('a gzip bomb (the genuine record padded past 4 MiB gunzipped) → not read: no rollback, the record reported missing; the controller writes its own', async () => {
    const g = await given('e2e-forged-rollout-bomb');
    const bomb = `${JSON.stringify(decode(g.record))}${' '.repeat(MAX_RECORD_JSON_BYTES)}`;
    expect(encoded(bomb).length).toBeLessThan(64 * 1024);
    await forge(g, bomb);
    await failUpgrade(g);
    const after = await groupSettled(kube, g.namespace, 'g');
    expect(readyCondition(after)).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(readyCondition(after)?.message).toMatch(
      new RegExp(
        `^application forged failed to install or upgrade: .*\\(Workflow g-g2-forward\\); not remediated: the record of generation 1, the last successful one, is missing or not usable \\(ConfigMap ${RECORD}\\)$`,
      ),
    );
    expect(await rollbackWorkflow(g)).toBeUndefined();
    // The controller replaced the bomb with its own record of the rollout it started.
    const record = decode((await kube.get('v1', 'ConfigMap', g.namespace, RECORD)) as Obj);
    expect(record.succeeded).toBeUndefined();
    expect(record.pending?.generation).toBe(2);
    await expectNothingElseTouched(g);
  });
});
