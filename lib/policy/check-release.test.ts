import { describe, expect, it } from 'vitest';
import type { PolicyView } from './check-group.ts';
import { checkReleasePolicy } from './check-release.ts';
import { DEFAULT_POLICY, type EffectivePolicy } from './policy.ts';

const view = (policy: EffectivePolicy = DEFAULT_POLICY): PolicyView => ({
  policy,
  cluster: { nodes: ['198.18.0.1'], apiServer: ['10.96.0.1'] },
  resolved: new Map(),
});
const platform: EffectivePolicy = {
  ...DEFAULT_POLICY,
  name: 'platform',
  targetNamespaces: ['*'],
  createNamespace: true,
  serviceAccountName: '',
};

/** What the controller renders for an application of namespace `tenant`, with `spec` changed. */
const helmRelease = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'tenant' },
  spec: {
    chart: { spec: { chart: 'web', sourceRef: { kind: 'HelmRepository', name: 'web' } } },
    interval: '5m',
    serviceAccountName: 'orkestra-release',
    ...spec,
  },
});
const source = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
  metadata: { name: 'web', namespace: 'tenant' },
  spec: { url: 'https://charts.example/', interval: '5m', ...spec },
});

describe('checkReleasePolicy', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, EffectivePolicy, string[]]>([
    ['what the controller renders → allowed', helmRelease(), source(), DEFAULT_POLICY, []],
    [
      'its own namespace as target and storage → allowed',
      helmRelease({ targetNamespace: 'tenant', storageNamespace: 'tenant' }),
      undefined,
      DEFAULT_POLICY,
      [],
    ],
    [
      'spec.kubeConfig → refused',
      helmRelease({ kubeConfig: { secretRef: { name: 'k' } } }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.kubeConfig'],
    ],
    [
      'a source of another namespace → refused',
      helmRelease({
        chart: {
          spec: {
            chart: 'web',
            sourceRef: { kind: 'HelmRepository', name: 'web', namespace: 'flux-system' },
          },
        },
      }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.chart.spec.sourceRef.namespace'],
    ],
    [
      'a chartRef of another namespace → refused',
      helmRelease({ chart: undefined, chartRef: { kind: 'OCIRepository', name: 'web', namespace: 'other' } }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.chartRef.namespace'],
    ],
    [
      'a dependency in another namespace → refused',
      helmRelease({ dependsOn: [{ name: 'a' }, { name: 'b', namespace: 'other' }] }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.dependsOn[1].namespace'],
    ],
    [
      'valuesFrom naming another namespace → refused',
      helmRelease({ valuesFrom: [{ kind: 'Secret', name: 's', namespace: 'kube-system' }] }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.valuesFrom[0].namespace'],
    ],
    [
      'another ServiceAccount → refused',
      helmRelease({ serviceAccountName: 'admin-sa' }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.serviceAccountName'],
    ],
    [
      'no ServiceAccount where the policy names one → refused',
      helmRelease({ serviceAccountName: undefined }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.serviceAccountName'],
    ],
    [
      'no ServiceAccount where the policy names none → allowed',
      helmRelease({ serviceAccountName: undefined }),
      undefined,
      platform,
      [],
    ],
    [
      'a ServiceAccount where the policy names none → refused',
      helmRelease(),
      undefined,
      platform,
      ['helmrelease.spec.serviceAccountName'],
    ],
    [
      'targetNamespace kube-system → refused',
      helmRelease({ targetNamespace: 'kube-system' }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.targetNamespace'],
    ],
    [
      'storageNamespace kube-system → refused',
      helmRelease({ storageNamespace: 'kube-system' }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.storageNamespace'],
    ],
    [
      'anywhere, creating the namespace, under a platform policy → allowed',
      helmRelease({
        serviceAccountName: undefined,
        targetNamespace: 'kube-system',
        storageNamespace: 'kube-system',
        install: { createNamespace: true },
      }),
      undefined,
      platform,
      [],
    ],
    [
      'install.createNamespace → refused',
      helmRelease({ install: { createNamespace: true } }),
      undefined,
      DEFAULT_POLICY,
      ['helmrelease.spec.install.createNamespace'],
    ],
    [
      'a source at the metadata service → refused',
      helmRelease(),
      source({ url: 'http://169.254.169.254/' }),
      DEFAULT_POLICY,
      ['source.spec.url'],
    ],
    [
      'credentials over plain http:// → refused',
      helmRelease(),
      source({ url: 'http://charts.example/', secretRef: { name: 'c' } }),
      DEFAULT_POLICY,
      ['source.spec.secretRef'],
    ],
    [
      'credentials to a plain-HTTP OCI registry → refused',
      helmRelease(),
      source({ url: 'oci://registry.example/charts', insecure: true, secretRef: { name: 'c' } }),
      DEFAULT_POLICY,
      ['source.spec.secretRef'],
    ],
    [
      "the namespace's own staging credentials to the plain-HTTP staging registry → allowed (they open its own folder only)",
      helmRelease(),
      source({
        url: 'oci://10.96.0.50:5000/staging/tenant/x',
        insecure: true,
        secretRef: { name: 'orkestra-staging' },
      }),
      DEFAULT_POLICY,
      [],
    ],
  ])('%s', (_, hr, src, policy, paths) => {
    expect(checkReleasePolicy(hr, src, 'tenant', view(policy)).map((p) => p.path)).toEqual(paths);
  });

  it('messages name the field’s value only when it is a name, and the rule', () => {
    const [problem] = checkReleasePolicy(
      helmRelease({ targetNamespace: 'kube-system' }),
      undefined,
      'tenant',
      view(),
    );
    expect(problem?.message).toBe(
      `"kube-system" is not a namespace releases of "tenant" may use: the default policy (no ReleasePolicy selects this namespace) allows only the group's own namespace "tenant"`,
    );
    const [secret] = checkReleasePolicy(
      helmRelease({ serviceAccountName: 'x\ny' }),
      undefined,
      'tenant',
      view(),
    );
    expect(secret?.message).toContain('(a value that is not a name)');
  });

  it('several policies selecting the namespace → one problem, nothing else looked at', () => {
    expect(
      checkReleasePolicy(
        helmRelease({ kubeConfig: {} }),
        undefined,
        'tenant',
        view({ ...DEFAULT_POLICY, ambiguous: ['a', 'b'] }),
      ),
    ).toHaveLength(1);
  });
});
