// A forged previous-release record (issue 21, deliverable 5), on the real cluster: a user whose only
// right in the namespace is ConfigMaps forges the executor's record, and the rollback step applies
// nothing the group does not own or the policy does not allow.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { previousRecordName } from '../../executor/src/previous-record.ts';
import { Labels } from '../../lib/wire-names.ts';
import { connect, fixtureHelmRelease, type Kube, type Obj } from '../integration/kube.ts';
import {
  attempts,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  result,
  runWorkflow,
  taskNode,
  templatesNamespace,
  templateTask,
} from './argo.ts';
import { configMapWriter, inKubeSystem, replaceAs } from './forgery.ts';
import { HR } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

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
    writer = await configMapWriter(kube, namespace);
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
      expect(await inKubeSystem(kube, release)).toEqual([]);
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
