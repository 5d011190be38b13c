import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkApplyRequest, MAX_OBJECT_BYTES } from './input.ts';

const rules = { defaultNamespace: 'apps', allowedNamespaces: ['apps', 'web'] };
const hr = (
  extra: Record<string, unknown> = {},
  metadata: Record<string, unknown> = { name: 'web', namespace: 'apps' },
) =>
  stringify({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata,
    spec: {
      interval: '5m',
      targetNamespace: 'web',
      chart: { spec: { chart: 'c', sourceRef: { kind: 'HelmRepository', name: 'r' } } },
      ...extra,
    },
  });

function problems(helmRelease: string, source?: string) {
  return checkApplyRequest(helmRelease, source, rules).problems.map((p) => `${p.path}: ${p.message}`);
}

describe('parse errors never quote the input', () => {
  it.each([
    ['a nested mapping', 'token: abc: hunter2-secret'],
    ['a bad escape', '{"password": "hunter2\\q"}'],
    ['an unknown tag', 'password: !hunter2 x'],
    ['a duplicate key', 'hunter2: 1\nhunter2: 2'],
    ['a tab as indentation', 'a:\n\thunter2: x'],
  ])('%s', (_name, text) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThan(0);
    for (const problem of found) {
      expect(problem).toMatch(/^helmrelease: malformed YAML or JSON at line \d+, column \d+: [a-z]/);
      expect(problem).not.toContain('hunter2');
    }
  });

  it('quotes names, namespaces and kinds only when they look like identifiers', () => {
    const secretish = 'password: hunter2 and more text';
    const found = problems(
      stringify({ apiVersion: secretish, kind: 'HelmRelease', metadata: { name: 'x' } }),
    ).concat(problems(hr({}, { name: secretish, namespace: `${secretish} ns` })));
    expect(found).toEqual([
      'helmrelease: must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not (not a name) HelmRelease',
      'helmrelease.metadata.name: (a value that is not a name) is not a valid Kubernetes name',
      'helmrelease.metadata.namespace: namespace (a value that is not a name) is not allowed (--namespace-allow apps,web)',
    ]);
  });

  it('refuses an alias bomb without expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
      .concat(
        Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(', ')}]`,
        ),
      )
      .join('\n');
    expect(problems(bomb)).toEqual(['helmrelease: uses YAML aliases too often (at most 100)']);
  });
});

describe('checkApplyRequest', () => {
  it('accepts a HelmRelease (YAML) with a HelmRepository (JSON), defaulting namespaces', () => {
    const source = JSON.stringify({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'r' },
      spec: { url: 'https://x/', interval: '5m' },
    });
    const { request, problems } = checkApplyRequest(hr({}, { name: 'web' }), source, rules);
    expect(problems).toEqual([]);
    expect(request?.helmRelease.metadata.namespace).toBe('apps');
    expect(request?.source?.metadata.namespace).toBe('apps');
  });

  it.each<[string, string, string | undefined, Array<string | RegExp>]>([
    [
      'malformed YAML, named by line and column',
      'kind: [HelmRelease',
      undefined,
      [
        'helmrelease: malformed YAML or JSON at line 1, column 19: a flow collection is not closed or not indented enough',
      ],
    ],
    [
      'a Deployment instead of a HelmRelease',
      stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }),
      undefined,
      ['helmrelease: must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not apps/v1 Deployment'],
    ],
    [
      'an old HelmRelease API version',
      hr().replace('helm.toolkit.fluxcd.io/v2', 'helm.toolkit.fluxcd.io/v2beta1'),
      undefined,
      [
        'helmrelease: must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not helm.toolkit.fluxcd.io/v2beta1 HelmRelease',
      ],
    ],
    [
      'a namespace not allowed',
      hr({}, { name: 'web', namespace: 'kube-system' }),
      undefined,
      ['helmrelease.metadata.namespace: namespace "kube-system" is not allowed (--namespace-allow apps,web)'],
    ],
    [
      'a target namespace not allowed',
      hr({ targetNamespace: 'kube-system' }),
      undefined,
      [
        'helmrelease.spec.targetNamespace: namespace "kube-system" is not allowed (--namespace-allow apps,web)',
      ],
    ],
    ['a missing name', hr({}, { namespace: 'apps' }), undefined, ['helmrelease.metadata.name: is required']],
    [
      'values too large for an object',
      hr({ values: { blob: 'x'.repeat(MAX_OBJECT_BYTES) } }),
      undefined,
      [
        /^helmrelease: is 15\d{5} bytes, over the 1572864 an object may have \(move large values to valuesFrom\)$/,
      ],
    ],
    [
      'a source of another kind',
      hr(),
      stringify({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'g' },
      }),
      [
        'source: must be a source.toolkit.fluxcd.io/v1 HelmRepository or OCIRepository, not source.toolkit.fluxcd.io/v1 GitRepository',
      ],
    ],
    [
      'two objects in one parameter',
      `${hr()}---\n${hr()}`,
      undefined,
      ['helmrelease: must hold exactly one object (found 2)'],
    ],
  ])('refuses %s', (_name, helmRelease, source, expected) => {
    const found = problems(helmRelease, source);
    expect(found).toHaveLength(expected.length);
    found.forEach((p, i) => {
      const want = expected[i] as string | RegExp;
      if (typeof want === 'string') expect(p.startsWith(want), p).toBe(true);
      else expect(p).toMatch(want);
    });
  });
});

describe('checkApplyRequest with a Flux shard', () => {
  const sharded = { ...rules, fluxShard: 'orkestra' };
  const repository = (labels?: Record<string, string>) =>
    stringify({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'r', ...(labels ? { labels } : {}) },
      spec: { url: 'https://x/', interval: '5m' },
    });

  it('labels the HelmRelease, the HelmChart it makes and the source for the shard', () => {
    const { request, problems } = checkApplyRequest(
      hr({}, { name: 'web', labels: { team: 'a' } }),
      repository(),
      sharded,
    );
    expect(problems).toEqual([]);
    expect(request?.helmRelease.metadata.labels).toEqual({ team: 'a', 'sharding.fluxcd.io/key': 'orkestra' });
    expect(request?.helmRelease.spec.chart?.metadata?.labels).toEqual({
      'sharding.fluxcd.io/key': 'orkestra',
    });
    expect(request?.source?.metadata.labels).toEqual({ 'sharding.fluxcd.io/key': 'orkestra' });
  });

  it('keeps a label that already names the shard, and a chartRef release gets no chart labels', () => {
    const { request, problems } = checkApplyRequest(
      hr(
        { chart: undefined, chartRef: { kind: 'OCIRepository', name: 'o' } },
        { name: 'web', labels: { 'sharding.fluxcd.io/key': 'orkestra' } },
      ),
      undefined,
      sharded,
    );
    expect(problems).toEqual([]);
    expect(request?.helmRelease.metadata.labels).toEqual({ 'sharding.fluxcd.io/key': 'orkestra' });
    expect(request?.helmRelease.spec.chart).toBeUndefined();
  });

  it('refuses objects labelled for another shard, each named', () => {
    const { request, problems } = checkApplyRequest(
      hr(
        {
          chart: {
            metadata: { labels: { 'sharding.fluxcd.io/key': 'main' } },
            spec: { chart: 'c', sourceRef: { kind: 'HelmRepository', name: 'r' } },
          },
        },
        { name: 'web', labels: { 'sharding.fluxcd.io/key': 'main' } },
      ),
      repository({ 'sharding.fluxcd.io/key': '' }),
      sharded,
    );
    expect(request).toBeUndefined();
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'helmrelease.metadata.labels: sharding.fluxcd.io/key is "main", but this executor\'s releases go to Flux shard "orkestra": leave the label out',
      'helmrelease.spec.chart.metadata.labels: sharding.fluxcd.io/key is "main", but this executor\'s releases go to Flux shard "orkestra": leave the label out',
      'source.metadata.labels: sharding.fluxcd.io/key is "", but this executor\'s releases go to Flux shard "orkestra": leave the label out',
    ]);
  });

  it('without a shard, labels stay as given', () => {
    const { request } = checkApplyRequest(
      hr({}, { name: 'web', labels: { 'sharding.fluxcd.io/key': 'main' } }),
      undefined,
      rules,
    );
    expect(request?.helmRelease.metadata.labels).toEqual({ 'sharding.fluxcd.io/key': 'main' });
    expect(request?.helmRelease.spec.chart?.metadata).toBeUndefined();
  });
});
