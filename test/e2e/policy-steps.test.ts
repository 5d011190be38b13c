// Steps in pods keep to their namespace's policy whoever wrote the Workflow: a hand-written one
// calling the templates is refused (exit 2, the field named) what a group would be refused, and the
// stage step checks every redirect of a chart repository before it follows it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ApplicationGroup } from '../../lib/api/application-group.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { connect, fixtureHelmRelease, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import {
  attempts,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  result,
  runWorkflow,
  templatesNamespace,
  templateTask,
} from './argo.ts';
import { AG, group, HR, kubectlApply, readyCondition } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

let otherTenant: string;
beforeAll(async () => {
  otherTenant = await kube.createNamespace('e2e-policy-other');
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

  it('a release straight from it (no subcharts): its apply step asks for the index first, and is refused before Flux is given it', async () => {
    const namespace = await kube.createNamespace('e2e-redirect-apply');
    const redirected = group(namespace, 'redirected', [{ name: 'web' }], { remediation: 'None' });
    redirected.spec.applications[0].spec.chart.url = `${inject('chartsUrl')}/to-metadata`;
    await kubectlApply(redirected);
    const failed = await waitForObject(
      kube,
      [AG, 'ApplicationGroup', namespace, 'redirected'],
      'Ready=False',
      (g) => readyCondition(g)?.status === 'False',
    );
    expect(readyCondition(failed)?.message).toContain(
      'source.spec.url: http://169.254.169.254/latest/meta-data/index.yaml is not fetched: charts may not come from 169.254.169.254 is link-local (cloud metadata services)',
    );
    expect(await kube.get(HR, 'HelmRelease', namespace, 'web')).toBeUndefined();
    expect(await kube.get('source.toolkit.fluxcd.io/v1', 'HelmRepository', namespace, 'web')).toBeUndefined();
  });
});
