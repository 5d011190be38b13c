// The staging registry's token auth against the real distribution registry (built from its Go
// module), the token server in-process: a namespace's own credentials push and pull in its own
// folder; no credentials, wrong ones or another namespace's folder get 401 and push nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serveHttp } from '../../controller/src/runtime/http-server.ts';
import { tokenRoute } from '../../controller/src/staging-auth/token-route.ts';
import { OciRegistry } from '../../executor/src/stage/oci-registry.ts';
import { createLogger } from '../../lib/log.ts';
import { stagedRepositoryUrl } from '../../lib/staging.ts';
import { namespaceCredentials, STAGING_TOKEN, StagingCredentialEnv } from '../../lib/staging-auth.ts';
import { startRegistry } from '../cluster/registry.ts';
import { selfSignedCertificate } from '../support/signing-certificate.ts';
import { stage } from './run-stage.ts';

describe("with the staging registry's token auth: each namespace its own folder", () => {
  const credentialKey = randomBytes(32).toString('hex');
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let tokens: Awaited<ReturnType<typeof serveHttp>>;
  const issued: Array<Record<string, unknown>> = [];
  const credentialsOf = (namespace: string) => {
    const { username, password } = namespaceCredentials(credentialKey, namespace);
    return { [StagingCredentialEnv.username]: username, [StagingCredentialEnv.password]: password };
  };

  beforeAll(async () => {
    const { certificatePath, signingKeyPem, certificatePem } = selfSignedCertificate();
    const keys = {
      credentialKey,
      signingKeyPem,
      certificatePem,
    };
    tokens = await serveHttp('127.0.0.1:0', {
      '/token': tokenRoute(keys, 'staging', (message, fields) => issued.push({ message, ...fields })),
    });
    registry = await startRegistry({
      token: {
        realm: `http://127.0.0.1:${tokens.port}/token`,
        service: STAGING_TOKEN.service,
        issuer: STAGING_TOKEN.issuer,
        rootCertBundle: certificatePath,
      },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  const stageAs = (namespace: string, env: Record<string, string>) =>
    stage(
      {
        'chart-name': 'bookinfo',
        'chart-version': '1.0.0',
        subcharts: 'reviews',
        'staging-url': `${registry.url}/staging`,
        namespace,
      },
      env,
    );

  it("a namespace's own credentials push into its folder, and pull from it", async () => {
    const run = await stageAs('team-a', credentialsOf('team-a'));
    expect(run.code, run.stderr).toBe(0);
    const [staged] = run.result.staged as Array<{ reference: string; digest: string }>;
    expect(staged?.reference).toMatch(
      new RegExp(`^${registry.url}/staging/team-a/bookinfo-[0-9a-f]{64}/reviews--1\\.0\\.0:1\\.0\\.0$`),
    );
    const [repository, tag] = (staged?.reference ?? '').replace(/^oci:\/\/[^/]+\//, '').split(':') as [
      string,
      string,
    ];
    const as = (namespace: string) =>
      new OciRegistry(registry.url.replace(/^oci:\/\//, ''), {
        plainHttp: true,
        credentials: namespaceCredentials(credentialKey, namespace),
        context: {
          log: createLogger('text'),
          signal: new AbortController().signal,
          deadline: Date.now() + 30_000,
        },
      });
    expect(await as('team-a').manifestDigest(repository, tag)).toBe(staged?.digest);
    // Another namespace's credentials cannot read it.
    await expect(as('team-b').manifestDigest(repository, tag)).rejects.toMatchObject({ status: 401 });
  });

  it('no credentials, wrong ones or another namespace’s folder: 401, nothing pushed', async () => {
    const cases: Array<[string, string, Record<string, string>]> = [
      ['no credentials', 'team-c', {}],
      [
        'a wrong password',
        'team-c',
        { ...credentialsOf('team-c'), [StagingCredentialEnv.password]: 'x'.repeat(64) },
      ],
      ["team-a's credentials into team-c's folder", 'team-c', credentialsOf('team-a')],
    ];
    for (const [what, namespace, env] of cases) {
      const run = await stageAs(namespace, env);
      expect(run.code, `${what}: ${run.stderr}`).toBe(5);
      expect(run.result, what).toMatchObject({ phase: 'Forbidden', reason: 'PushRefused' });
      expect(run.result.message, what).toMatch(/HTTP 401/);
      expect(run.result.message, what).toContain('Secret orkestra-staging');
    }
    // The registry holds nothing of team-c's: team-c's own credentials find no tag.
    const own = new OciRegistry(registry.url.replace(/^oci:\/\//, ''), {
      plainHttp: true,
      credentials: namespaceCredentials(credentialKey, 'team-c'),
      context: {
        log: createLogger('text'),
        signal: new AbortController().signal,
        deadline: Date.now() + 30_000,
      },
    });
    const folder = stagedRepositoryUrl('staging', 'team-c', { url: inject('chartsUrl'), name: 'bookinfo' });
    expect(await own.tags(`${folder}/reviews--1.0.0`)).toEqual([]);
  });
});
