// Who may push to and pull from the staging registry the chart installs: each namespace its own
// folder and nothing else. The registry checks bearer tokens (Docker's token spec, distribution's
// `auth.token`); the token server hands them out to a namespace's credentials, for repositories
// below `<staging path>/<namespace>/` only. A namespace's credentials are derived from one key held
// by the controller (which writes them into the namespace's Secret `orkestra-staging`) and the token
// server, so neither keeps a list nor reads Secrets. The writer and every reader import this module.
import { createHmac, createPrivateKey, sign, timingSafeEqual, X509Certificate } from 'node:crypto';

/** The Secret in each group namespace with the staging credentials (`username`, `password`). */
export const STAGING_SECRET = 'orkestra-staging';

/** The environment variables the stage template fills from STAGING_SECRET (secretKeyRef, optional). */
export const StagingCredentialEnv = {
  username: 'ORKESTRA_STAGING_USERNAME',
  password: 'ORKESTRA_STAGING_PASSWORD',
} as const;

/** The registry's `auth.token` settings the token server signs for (chart: staging-registry.yaml). */
export const STAGING_TOKEN = { issuer: 'orkestra-staging-auth', service: 'orkestra-staging' } as const;

/** How long a token is good for: one stage step's pushes, or one fetch by source-controller. */
export const TOKEN_TTL_SECONDS = 300;

/** Keys of the Secret the chart generates at install (key material, never in a group namespace). */
export const StagingAuthKeys = {
  /** Derives each namespace's password. */
  credentialKey: 'credential-key',
  /** Signs tokens (PEM, RSA). */
  signingKey: 'tls.key',
  /** The signing key's certificate: the registry's root bundle, and the tokens' x5c. */
  certificate: 'tls.crt',
} as const;

/** A namespace's staging password: HMAC-SHA256 of its name under the credential key. */
export function namespacePassword(credentialKey: string | Buffer, namespace: string): string {
  return createHmac('sha256', credentialKey).update(`orkestra-staging/${namespace}`).digest('hex');
}

/** The credentials the controller writes into a namespace's STAGING_SECRET. */
export function namespaceCredentials(credentialKey: string | Buffer, namespace: string) {
  return { username: namespace, password: namespacePassword(credentialKey, namespace) };
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The namespace whose credentials an `Authorization: Basic …` header carries, when they are right. */
export function authenticatedNamespace(
  authorization: string | undefined,
  credentialKey: string | Buffer,
): string | undefined {
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const namespace = decoded.slice(0, colon);
  if (!NAMESPACE.test(namespace)) return undefined;
  const given = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(namespacePassword(credentialKey, namespace));
  return given.length === expected.length && timingSafeEqual(given, expected) ? namespace : undefined;
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:staging/ns/x/y:pull,push` (several `scope` parameters, or one space-separated) → accesses. */
export function parseScopes(scopes: readonly string[]): Access[] {
  return scopes
    .flatMap((scope) => scope.split(' '))
    .flatMap((scope) => {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last === first) return [];
      return [
        {
          type: scope.slice(0, first),
          name: scope.slice(first + 1, last),
          actions: scope
            .slice(last + 1)
            .split(',')
            .filter(Boolean),
        },
      ];
    });
}

/** The folder a namespace's credentials open: `<staging path>/<namespace>/`. */
export function namespaceFolder(stagingPath: string, namespace: string): string {
  return stagingPath === '' ? `${namespace}/` : `${stagingPath}/${namespace}/`;
}

/** What a namespace is granted of what it asked: pull and push of repositories in its folder, nothing else. */
export function grantedAccess(
  requested: readonly Access[],
  namespace: string,
  stagingPath: string,
): Access[] {
  const folder = namespaceFolder(stagingPath, namespace);
  return requested.flatMap((access) => {
    if (access.type !== 'repository' || !access.name.startsWith(folder) || access.name.includes('..'))
      return [];
    const actions = [...new Set(access.actions.filter((action) => action === 'pull' || action === 'push'))];
    return actions.length > 0 ? [{ type: access.type, name: access.name, actions }] : [];
  });
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A registry token (JWT, RS256) for `access`, signed with the key of `certificate`, which it
 * carries as `x5c`: the registry trusts it because that certificate is its root bundle.
 */
export function signToken(input: {
  signingKeyPem: string;
  certificatePem: string;
  subject: string;
  access: readonly Access[];
  nowSeconds: number;
  id: string;
}): string {
  const certificate = new X509Certificate(input.certificatePem);
  const header = { alg: 'RS256', typ: 'JWT', x5c: [certificate.raw.toString('base64')] };
  const claims = {
    iss: STAGING_TOKEN.issuer,
    sub: input.subject,
    aud: STAGING_TOKEN.service,
    exp: input.nowSeconds + TOKEN_TTL_SECONDS,
    nbf: input.nowSeconds - 10,
    iat: input.nowSeconds,
    jti: input.id,
    access: input.access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(input.signingKeyPem));
  return `${signingInput}.${base64url(signature)}`;
}
