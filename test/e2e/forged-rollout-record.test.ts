// A forged rollout record (issue 21, deliverable 5), on the real cluster: a user whose only right in
// the namespace is ConfigMaps forges the controller's record, and a group's remediation applies or
// deletes nothing the group does not own or the policy does not allow.
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  MAX_RECORD_JSON_BYTES,
  RECORD_KEY,
  type RolloutRecord,
} from '../../controller/src/reconcile/rollout-record.ts';
import { condition, connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { describeWorkflow, isStep, nodes, result, WORKFLOW } from './argo.ts';
import { configMapWriter, inKubeSystem, replaceAs } from './forgery.ts';
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

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
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
    const writer = await configMapWriter(kube, namespace);
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
    expect(await inKubeSystem(kube, 'forged')).toEqual([]);
    expect(await inKubeSystem(kube, 'victim')).toEqual([]);
  }

  /**
   * Then the forged `installed` did reach the rollout — g's generation 2 Workflow tried to uninstall
   * victim, the release g no longer "has" — and the executor left it installed: not g's.
   */
  async function expectVictimLeftInstalled(g: Given): Promise<void> {
    const forward = (await kube.get(WORKFLOW, 'Workflow', g.namespace, 'g-g2-forward')) as Obj;
    const deletes = nodes(forward)
      .filter(isStep)
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
