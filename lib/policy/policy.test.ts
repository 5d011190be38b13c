import { describe, expect, it } from 'vitest';
import type { ReleasePolicy, ReleasePolicySpec } from '../api/release-policy.ts';
import { type ClusterAddresses, hostOf, isCidr, refusedAddress } from './addresses.ts';
import { DEFAULT_POLICY, matchesPattern, policyFor, targetAllowed } from './policy.ts';

const policy = (name: string, spec: Partial<ReleasePolicySpec>): ReleasePolicy => ({
  apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
  kind: 'ReleasePolicy',
  metadata: { name },
  spec: { namespaces: [], ...spec },
});

describe('matchesPattern', () => {
  it.each<[string, string, boolean]>([
    ['tenant', 'tenant', true],
    ['tenant', 'tenant-a', false],
    ['team-*', 'team-a', true],
    ['team-*', 'team-', true],
    ['team-*', 'team', false],
    ['*', 'anything', true],
    ['*-prod', 'web-prod', true],
    ['*-prod', 'web-prod-2', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxcyyb', false],
    ['https://charts.example.com/*', 'https://charts.example.com/stable', true],
    ['https://charts.example.com/*', 'https://charts.example.com.evil/x', false],
    ['a*a', 'a', false],
    ['.*', 'x', false],
  ])('%s against %s → %s', (pattern, value, expected) => {
    expect(matchesPattern(pattern, value)).toBe(expected);
  });
});

describe('policyFor', () => {
  it('no policy selects the namespace → the defaults', () => {
    expect(policyFor('tenant', [policy('platform', { namespaces: ['platform'] })])).toEqual(DEFAULT_POLICY);
  });
  it('the defaults: own namespace only, as orkestra-release, no namespace created, no insecure sources', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      targetNamespaces: [],
      createNamespace: false,
      serviceAccountName: 'orkestra-release',
      sources: { insecure: false },
    });
  });
  it('one policy selects it by pattern → its fields, the defaults for those it leaves out', () => {
    const effective = policyFor('team-a', [
      policy('teams', { namespaces: ['team-*'], targetNamespaces: ['team-a-*'] }),
    ]);
    expect(effective).toMatchObject({
      name: 'teams',
      targetNamespaces: ['team-a-*'],
      createNamespace: false,
      serviceAccountName: 'orkestra-release',
    });
  });
  it('serviceAccountName "" is kept: HelmReleases name none', () => {
    expect(
      policyFor('p', [policy('p', { namespaces: ['p'], serviceAccountName: '' })]).serviceAccountName,
    ).toBe('');
  });
  it('two policies select it → ambiguous, and no target is allowed, not even its own namespace', () => {
    const effective = policyFor('team-a', [
      policy('b', { namespaces: ['team-*'], targetNamespaces: ['*'] }),
      policy('a', { namespaces: ['team-a'] }),
    ]);
    expect(effective.ambiguous).toEqual(['a', 'b']);
    expect(targetAllowed(effective, 'team-a', 'team-a')).toBe(false);
  });
});

describe('targetAllowed', () => {
  const teams = policyFor('team-a', [
    policy('teams', { namespaces: ['team-*'], targetNamespaces: ['web-*'] }),
  ]);
  it.each<[string, string, boolean]>([
    ['its own namespace, by default', 'team-a', true],
    ['a namespace the policy lists by pattern', 'web-1', true],
    ['kube-system', 'kube-system', false],
    ['another team', 'team-b', false],
  ])('%s → %s', (_, target, expected) => {
    expect(targetAllowed(teams, 'team-a', target)).toBe(expected);
  });
  it('the defaults allow only the own namespace', () => {
    expect(targetAllowed(DEFAULT_POLICY, 'tenant', 'tenant')).toBe(true);
    expect(targetAllowed(DEFAULT_POLICY, 'tenant', 'kube-system')).toBe(false);
  });
});

describe('refusedAddress', () => {
  const cluster: ClusterAddresses = {
    nodes: ['198.18.0.1', 'fd00::1'],
    apiServer: ['10.96.0.1', '198.18.0.1'],
  };
  const withSources = (sources: Partial<typeof DEFAULT_POLICY.sources>) => ({
    sources: { ...DEFAULT_POLICY.sources, ...sources },
  });
  it.each<[string, string, string | undefined]>([
    ['a public address', '203.0.113.10', undefined],
    ['a cluster-internal Service address', '10.96.12.5', undefined],
    ['loopback', '127.0.0.1', '127.0.0.1 is loopback'],
    ['loopback anywhere in 127/8', '127.3.2.1', '127.3.2.1 is loopback'],
    ['IPv6 loopback', '::1', '::1 is loopback'],
    [
      'a cloud metadata service',
      '169.254.169.254',
      '169.254.169.254 is link-local (cloud metadata services)',
    ],
    [
      'the metadata service as an IPv4-mapped IPv6 address',
      '::ffff:169.254.169.254',
      '169.254.169.254 is link-local (cloud metadata services)',
    ],
    ['IPv6 link-local', 'fe80::1', 'fe80::1 is link-local'],
    ['unspecified', '0.0.0.0', '0.0.0.0 is unspecified'],
    ["a node's address", '198.18.0.1', "198.18.0.1 is a node's address"],
    ["a node's IPv6 address", 'FD00::1', "fd00::1 is a node's address"],
    ["the API server's Service address", '10.96.0.1', "10.96.0.1 is the API server's address"],
    ['not an address at all', 'charts.example.com', undefined],
  ])('%s → %s', (_, address, expected) => {
    expect(refusedAddress(address, cluster, DEFAULT_POLICY)).toBe(expected);
  });
  it('an allowed address wins over the defaults; a denied one adds to them', () => {
    expect(refusedAddress('198.18.0.1', cluster, withSources({ allowedAddresses: ['198.18.0.0/15'] }))).toBe(
      undefined,
    );
    expect(refusedAddress('10.1.2.3', cluster, withSources({ deniedAddresses: ['10.0.0.0/8'] }))).toBe(
      '10.1.2.3 is refused by the policy',
    );
  });
});

describe('isCidr and hostOf', () => {
  it.each<[string, boolean]>([
    ['10.0.0.0/8', true],
    ['10.0.0.1', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['10.0.0.0/8/8', false],
    ['example.com/8', false],
  ])('isCidr(%s) → %s', (value, expected) => expect(isCidr(value)).toBe(expected));
  it.each<[string, string | undefined]>([
    ['https://charts.example.com/stable', 'charts.example.com'],
    ['http://169.254.169.254/latest', '169.254.169.254'],
    ['oci://registry.example.com:5000/charts', 'registry.example.com'],
    ['http://[::1]:8080/', '::1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['not a url', undefined],
  ])('hostOf(%s) → %s', (url, expected) => expect(hostOf(url)).toBe(expected));
});
