import { generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../test/support/signing-certificate.ts';
import {
  type Access,
  authenticatedNamespace,
  grantedAccess,
  namespaceCredentials,
  parseScopes,
  STAGING_TOKEN,
  signToken,
} from './staging-auth.ts';

const KEY = 'k'.repeat(64);
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authenticatedNamespace', () => {
  const { username, password } = namespaceCredentials(KEY, 'team-a');
  it.each<[string, string | undefined, string | undefined]>([
    ["the namespace's own credentials", basic(username, password), 'team-a'],
    ['no header', undefined, undefined],
    ['a bearer token', `Bearer ${password}`, undefined],
    ["another namespace's name with this password", basic('team-b', password), undefined],
    ['a wrong password', basic('team-a', `${password.slice(1)}0`), undefined],
    ['a password one character short', basic('team-a', password.slice(1)), undefined],
    ['no colon', `Basic ${Buffer.from('team-a').toString('base64')}`, undefined],
    ['a name that is no namespace', basic('Team_A', password), undefined],
  ])('%s', (_, header, expected) => {
    expect(authenticatedNamespace(header, KEY)).toBe(expected);
  });

  it('another key gives other passwords', () => {
    expect(namespaceCredentials('other', 'team-a').password).not.toBe(password);
  });
});

describe('grantedAccess', () => {
  const ask = (scope: string) => grantedAccess(parseScopes([scope]), 'team-a', 'staging');
  it.each<[string, Access[]]>([
    [
      'repository:staging/team-a/bookinfo-0f/reviews--1.0.0:pull,push',
      [{ type: 'repository', name: 'staging/team-a/bookinfo-0f/reviews--1.0.0', actions: ['pull', 'push'] }],
    ],
    ['repository:staging/team-b/bookinfo-0f/reviews--1.0.0:pull,push', []],
    ['repository:staging/team-a-x/c:pull', []],
    ['repository:staging/team-a:pull', []],
    ['repository:other/team-a/c:pull', []],
    ['repository:staging/team-a/c:delete,*', []],
    ['registry:catalog:*', []],
    [
      'repository:staging/team-a/c:pull,pull,delete',
      [{ type: 'repository', name: 'staging/team-a/c', actions: ['pull'] }],
    ],
  ])('%s', (scope, expected) => {
    expect(ask(scope)).toEqual(expected);
  });

  it('takes several scopes, as separate parameters or space-separated', () => {
    const scopes = parseScopes([
      'repository:staging/team-a/x:pull repository:staging/team-b/y:push',
      'repository:staging/team-a/z:push',
    ]);
    expect(grantedAccess(scopes, 'team-a', 'staging').map((a) => a.name)).toEqual([
      'staging/team-a/x',
      'staging/team-a/z',
    ]);
  });

  it('with no staging path, the folder is the namespace itself', () => {
    expect(grantedAccess(parseScopes(['repository:team-a/x:pull']), 'team-a', '')).toHaveLength(1);
  });
});

describe('signToken', () => {
  it('is a JWT signed with the key of the certificate it carries, for the registry’s issuer and service', () => {
    const { signingKeyPem, certificatePem } = selfSignedCertificate();
    const access = [{ type: 'repository', name: 'staging/team-a/x', actions: ['pull'] }];
    const token = signToken({
      signingKeyPem,
      certificatePem,
      subject: 'team-a',
      access,
      nowSeconds: 1_000_000,
      id: 'id-1',
    });
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    expect(decode(header)).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      x5c: [new X509Certificate(certificatePem).raw.toString('base64')],
    });
    expect(decode(claims)).toMatchObject({
      iss: STAGING_TOKEN.issuer,
      aud: STAGING_TOKEN.service,
      sub: 'team-a',
      iat: 1_000_000,
      exp: 1_000_300,
      access,
    });
    const publicKey = new X509Certificate(certificatePem).publicKey;
    expect(
      verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url')),
    ).toBe(true);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(
      verify('sha256', Buffer.from(`${header}.${claims}`), other, Buffer.from(signature, 'base64url')),
    ).toBe(false);
  });
});
