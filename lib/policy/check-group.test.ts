import { describe, expect, it } from 'vitest';
import { application, groupOf } from '../../test/support/groups.ts';
import type { Application } from '../api/application-group.ts';
import { chartHosts, checkGroupPolicy, type PolicyView } from './check-group.ts';
import { DEFAULT_POLICY, type EffectivePolicy } from './policy.ts';

const cluster = { nodes: ['198.18.0.1'], apiServer: ['10.96.0.1', '198.18.0.1'] };
const view = (
  policy: EffectivePolicy = DEFAULT_POLICY,
  resolved: Record<string, string[]> = {},
): PolicyView => ({
  policy,
  cluster,
  resolved: new Map(Object.entries(resolved)),
});
const platform: EffectivePolicy = {
  ...DEFAULT_POLICY,
  name: 'platform',
  targetNamespaces: ['*'],
  createNamespace: true,
  serviceAccountName: '',
};

const app = (spec: Partial<Application['spec']>) => application('web', [], spec);
const chart = (url: string, extra = {}) => ({ chart: { url, name: 'web', version: '1.0.0', ...extra } });
const check = (a: Application, v: PolicyView = view()) =>
  checkGroupPolicy(groupOf([a], { namespace: 'tenant' }).spec, 'tenant', v);

describe('checkGroupPolicy', () => {
  it.each<[string, Application, PolicyView, Array<[path: string, message: RegExp]>]>([
    ['an ordinary chart released into the own namespace → allowed', app({}), view(), []],
    [
      'targetNamespace its own namespace → allowed',
      app({ release: { targetNamespace: 'tenant' } }),
      view(),
      [],
    ],
    [
      'targetNamespace kube-system under the defaults → refused, naming the application, field and rule',
      app({ release: { targetNamespace: 'kube-system' } }),
      view(),
      [
        [
          'spec.applications["web"].spec.release.targetNamespace',
          /"kube-system" is not a namespace this group may release into: the default policy \(no ReleasePolicy selects this namespace\) allows only the group's own namespace "tenant"/,
        ],
      ],
    ],
    [
      'targetNamespace anywhere under a platform policy → allowed',
      app({ release: { targetNamespace: 'kube-system', install: { createNamespace: true } } }),
      view(platform),
      [],
    ],
    [
      'install.createNamespace under the defaults → refused',
      app({ release: { install: { createNamespace: true } } }),
      view(),
      [['spec.applications["web"].spec.release.install.createNamespace', /may not create namespaces/]],
    ],
    [
      'a chart from the metadata service → refused',
      app(chart('http://169.254.169.254/latest/')),
      view(),
      [['spec.applications["web"].spec.chart.url', /169\.254\.169\.254 is link-local/]],
    ],
    [
      "a chart from a name that resolves to the node's address → refused, saying so",
      app(chart('https://node.internal/charts')),
      view(DEFAULT_POLICY, { 'node.internal': ['203.0.113.9', '198.18.0.1'] }),
      [
        [
          'spec.applications["web"].spec.chart.url',
          /198\.18\.0\.1 is a node's address \(node\.internal resolves to it\)/,
        ],
      ],
    ],
    [
      'a chart from an OCI registry at the API server → refused',
      app(chart('oci://10.96.0.1:443/charts')),
      view(),
      [['spec.applications["web"].spec.chart.url', /the API server's address/]],
    ],
    [
      'a chart from a name that did not resolve → left to Flux (nothing to refuse)',
      app(chart('https://nowhere.invalid/')),
      view(),
      [],
    ],
    [
      'a chart URL outside the allowed sources → refused',
      app(chart('https://evil.example/charts')),
      view({
        ...DEFAULT_POLICY,
        name: 'p',
        sources: { ...DEFAULT_POLICY.sources, urls: ['https://charts.example/*'] },
      }),
      [
        [
          'spec.applications["web"].spec.chart.url',
          /matches none of the chart sources ReleasePolicy p allows/,
        ],
      ],
    ],
    [
      'credentials over plain http:// → refused',
      app(chart('http://charts.example/', { authSecretRef: { name: 'creds' } })),
      view(),
      [['spec.applications["web"].spec.chart.authSecretRef', /plain http:\/\//]],
    ],
    [
      'credentials over plain http:// where the policy allows insecure sources → allowed',
      app(chart('http://charts.example/', { authSecretRef: { name: 'creds' } })),
      view({ ...DEFAULT_POLICY, sources: { ...DEFAULT_POLICY.sources, insecure: true } }),
      [],
    ],
    [
      'credentials from a Secret of another namespace → refused',
      app(chart('https://charts.example/', { authSecretRef: { name: 'creds', namespace: 'kube-system' } })),
      view(),
      [['spec.applications["web"].spec.chart.authSecretRef.namespace', /own namespace "tenant"/]],
    ],
  ])('%s', (_, a, v, expected) => {
    const problems = check(a, v);
    expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
    for (const [i, p] of problems.entries()) expect(p.message).toMatch((expected[i] as [string, RegExp])[1]);
  });

  it('several policies select the namespace → one problem naming them, nothing allowed', () => {
    const problems = check(app({}), view({ ...DEFAULT_POLICY, ambiguous: ['a', 'b'] }));
    expect(problems).toEqual([
      {
        path: 'metadata.namespace',
        message:
          'several ReleasePolicies select namespace "tenant" (a, b): nothing is released until exactly one does',
      },
    ]);
  });
});

describe('chartHosts', () => {
  it('each host once, IPv6 without brackets', () => {
    const group = groupOf([
      application('a', [], chart('https://charts.example/a')),
      application('b', [], chart('https://charts.example/b')),
      application('c', [], chart('oci://[fd00::5]:5000/c')),
    ]);
    expect(chartHosts(group.spec)).toEqual(['charts.example', 'fd00::5']);
  });
});
