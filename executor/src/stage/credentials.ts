// PURE: the parent chart repository's credentials, from the Secret the group names (Flux's format:
// `username` + `password`, or a `.dockerconfigjson` for registries), as the stage template passes
// its keys: environment variables the kubelet fills from the Secret (secretKeyRef, optional).
import type { Credentials } from './oci-registry.ts';

export const CredentialEnv = {
  username: 'ORKESTRA_CHART_USERNAME',
  password: 'ORKESTRA_CHART_PASSWORD',
  dockerConfigJson: 'ORKESTRA_CHART_DOCKERCONFIGJSON',
} as const;

export type CredentialsFound = { credentials?: Credentials } | { problem: string };

/** The host[:port] a chart URL names, as `.dockerconfigjson` keys it. */
function hostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? '';
}

export function chartCredentials(
  env: Readonly<Record<string, string | undefined>>,
  secret: string,
  chartUrl: string,
): CredentialsFound {
  const username = env[CredentialEnv.username] ?? '';
  const password = env[CredentialEnv.password] ?? '';
  if (username !== '' && password !== '') return { credentials: { username, password } };
  if (username !== '' || password !== '') {
    return {
      problem: `Secret ${secret} has a ${username ? 'username but no password' : 'password but no username'}`,
    };
  }
  const config = env[CredentialEnv.dockerConfigJson];
  if (config) {
    let auths: Record<string, { username?: string; password?: string; auth?: string }>;
    try {
      auths = (JSON.parse(config) as { auths?: typeof auths }).auths ?? {};
    } catch {
      return { problem: `Secret ${secret}: .dockerconfigjson is not JSON` };
    }
    const host = hostOf(chartUrl);
    const entry = auths[host] ?? auths[`https://${host}`] ?? auths[`http://${host}`];
    if (!entry) return { problem: `Secret ${secret}: .dockerconfigjson has no entry for ${host}` };
    if (entry.username && entry.password)
      return { credentials: { username: entry.username, password: entry.password } };
    const decoded = Buffer.from(entry.auth ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
    return {
      problem: `Secret ${secret}: the .dockerconfigjson entry for ${host} has no username and password`,
    };
  }
  if (secret !== '')
    return {
      problem: `Secret ${secret} has no username and password (nor a .dockerconfigjson), or does not exist`,
    };
  return {};
}
