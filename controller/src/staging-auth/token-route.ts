// The staging registry's token endpoint (Docker's token spec, GET with Basic auth): a namespace's
// credentials get a token for what it asked of its own folder, nothing more; no credentials, or
// wrong ones, get 401. The decisions are lib/staging-auth.ts's; this is the HTTP around them.
import { randomUUID } from 'node:crypto';
import {
  authenticatedNamespace,
  grantedAccess,
  parseScopes,
  signToken,
  TOKEN_TTL_SECONDS,
} from '../../../lib/staging-auth.ts';
import type { Route } from '../runtime/http-server.ts';

export interface TokenKeys {
  credentialKey: string;
  signingKeyPem: string;
  certificatePem: string;
}

export function tokenRoute(
  keys: TokenKeys,
  stagingPath: string,
  log: (message: string, fields: Record<string, unknown>) => void,
  now: () => Date = () => new Date(),
): Route {
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const requested = parseScopes(url.searchParams.getAll('scope'));
    const namespace = authenticatedNamespace(request.headers.authorization, keys.credentialKey);
    if (request.method !== 'GET' || namespace === undefined) {
      log('Refused a token', {
        method: request.method,
        credentials: request.headers.authorization ? 'wrong' : 'none',
        scope: url.searchParams.getAll('scope'),
      });
      response
        .writeHead(request.method === 'GET' ? 401 : 405, {
          'content-type': 'application/json',
          'www-authenticate': 'Basic realm="orkestra-staging"',
        })
        .end(
          `${JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'the staging registry takes a namespace’s own credentials (Secret orkestra-staging)' }] })}\n`,
        );
      return true;
    }
    const access = grantedAccess(requested, namespace, stagingPath);
    const issued = now();
    const token = signToken({
      ...keys,
      subject: namespace,
      access,
      nowSeconds: Math.floor(issued.getTime() / 1000),
      id: randomUUID(),
    });
    log('Issued a token', { namespace, granted: access, asked: requested.length });
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: TOKEN_TTL_SECONDS,
        issued_at: issued.toISOString(),
      }),
    );
    return true;
  };
}
