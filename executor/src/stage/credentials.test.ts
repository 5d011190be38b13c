import { describe, expect, it } from 'vitest';
import { CredentialEnv, type CredentialsFound, chartCredentials } from './credentials.ts';

const dockerConfig = (auths: object) => JSON.stringify({ auths });
const basic = Buffer.from('robot:s3cr:et').toString('base64');

describe('chartCredentials', () => {
  it.each<[string, Record<string, string>, string, string, CredentialsFound]>([
    ['no Secret named and nothing given → anonymous', {}, '', 'https://charts.example', {}],
    [
      'username and password → basic credentials',
      { [CredentialEnv.username]: 'u', [CredentialEnv.password]: 'p' },
      'creds',
      'https://charts.example',
      { credentials: { username: 'u', password: 'p' } },
    ],
    [
      'a username without a password → the Secret named with what it lacks',
      { [CredentialEnv.username]: 'u' },
      'creds',
      'https://charts.example',
      { problem: 'Secret creds has a username but no password' },
    ],
    [
      'a Secret named that gave nothing (missing, or other keys) → said',
      {},
      'creds',
      'https://charts.example',
      { problem: 'Secret creds has no username and password (nor a .dockerconfigjson), or does not exist' },
    ],
    [
      '.dockerconfigjson with the registry host and port → its username and password',
      {
        [CredentialEnv.dockerConfigJson]: dockerConfig({
          'reg.example:5000': { username: 'a', password: 'b' },
        }),
      },
      'pull',
      'oci://reg.example:5000/charts',
      { credentials: { username: 'a', password: 'b' } },
    ],
    [
      '.dockerconfigjson with only `auth` → decoded at the first colon',
      { [CredentialEnv.dockerConfigJson]: dockerConfig({ 'https://reg.example': { auth: basic } }) },
      'pull',
      'oci://reg.example/charts',
      { credentials: { username: 'robot', password: 's3cr:et' } },
    ],
    [
      '.dockerconfigjson for another host → said',
      { [CredentialEnv.dockerConfigJson]: dockerConfig({ 'other.example': { auth: basic } }) },
      'pull',
      'oci://reg.example/charts',
      { problem: 'Secret pull: .dockerconfigjson has no entry for reg.example' },
    ],
    [
      '.dockerconfigjson that is not JSON → said',
      { [CredentialEnv.dockerConfigJson]: '{' },
      'pull',
      'oci://reg.example',
      { problem: 'Secret pull: .dockerconfigjson is not JSON' },
    ],
  ])('%s', (_, env, secret, url, expected) => {
    expect(chartCredentials(env, secret, url)).toEqual(expected);
  });
});
