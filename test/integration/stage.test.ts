// `orkestra-executor stage` against the real distribution registry and the fixture chart repository:
// what it pushes is what the real `helm` pulls and renders; staging again changes nothing; bad
// input is refused with its reason before anything is pushed.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sha256Digest } from '../../executor/src/stage/helm-artifact.ts';
import { OciRegistry } from '../../executor/src/stage/oci-registry.ts';
import { fetchParentChart } from '../../executor/src/stage/parent-chart.ts';
import { createLogger } from '../../lib/log.ts';
import { stagedRepositoryUrl } from '../../lib/staging.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { freePort } from '../cluster/ports.ts';
import { startRegistry } from '../cluster/registry.ts';
import { ensureTools } from '../cluster/tools.ts';
import { NAMESPACE, stage } from './run-stage.ts';

const BOOKINFO_SUBCHARTS = ['productpage', 'reviews', 'ratings', 'details'];
let staging: string;
let registryHttp: string;

/** A staging URL of its own for each test, so what one pushed is told apart. */
let counter = 0;
const freshStaging = () => `${staging}/t${Date.now().toString(36)}${counter++}`;

/** Every repository the registry holds below `prefix` (the distribution catalog API). */
async function repositoriesBelow(prefix: string): Promise<string[]> {
  const response = await fetch(`${registryHttp}/v2/_catalog?n=1000`);
  if (response.status !== 200) throw new Error(`the registry's catalog: HTTP ${response.status}`);
  const body = (await response.json()) as { repositories: string[] };
  const path = prefix.replace(/^oci:\/\/[^/]+\//, '');
  return body.repositories.filter((r) => r.startsWith(`${path}/`));
}

async function manifestDigest(repository: string, tag: string): Promise<string | null> {
  const response = await fetch(`${registryHttp}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return response.headers.get('docker-content-digest');
}

/** The bookinfo fixture's folder in the registry: the namespace, its name and a hash of its repository's URL. */
let BOOKINFO: string;

beforeAll(() => {
  BOOKINFO = stagedRepositoryUrl('', NAMESPACE, { url: inject('chartsUrl'), name: 'bookinfo' }).replace(
    /^\//,
    '',
  );
  staging = `${inject('registry')}/stage-tests`;
  registryHttp = inject('registry').replace(/^oci:/, 'http:');
});

describe('orkestra-executor stage', () => {
  it('pushes each named subchart; helm pulls and renders it; staging again pushes nothing', async () => {
    const url = freshStaging();
    const args = {
      'chart-name': 'bookinfo',
      'chart-version': '1.0.0',
      subcharts: BOOKINFO_SUBCHARTS.join(','),
      'staging-url': url,
    };
    const first = await stage(args);
    expect(first.code, first.stderr).toBe(0);
    const staged = first.result.staged as Array<{
      name: string;
      version: string;
      reference: string;
      digest: string;
      changed: boolean;
    }>;
    expect(staged.map((s) => [s.name, s.version, s.changed])).toEqual(
      BOOKINFO_SUBCHARTS.map((n) => [n, '1.0.0', true]),
    );
    expect((await repositoriesBelow(url)).sort()).toEqual(
      BOOKINFO_SUBCHARTS.map((n) => `${url.replace(/^oci:\/\/[^/]+\//, '')}/${BOOKINFO}/${n}--1.0.0`).sort(),
    );

    // The real helm pulls each one by its reference and renders it.
    const { helm } = ensureTools();
    for (const chart of staged) {
      const into = mkdtempSync(join(tmpdir(), 'orkestra-pulled-'));
      const [ref, tag] = chart.reference.split(/:(?=[^:]+$)/) as [string, string];
      const pulled = spawnSync(helm, ['pull', ref, '--version', tag, '--plain-http', '-d', into], {
        encoding: 'utf8',
      });
      expect(pulled.status, pulled.stderr).toBe(0);
      expect(`${pulled.stdout}${pulled.stderr}`).toContain(`Digest: ${chart.digest}`);
      const [archive] = readdirSync(into);
      const rendered = execFileSync(helm, ['template', 'r', join(into, archive as string)], {
        encoding: 'utf8',
      });
      expect(rendered).toContain(`name: r-${chart.name}`);
      expect(rendered).toContain('chartVersion: "1.0.0"');
    }

    // Staging the same parent version again: success, nothing pushed, the same digests.
    const again = await stage(args);
    expect(again.code, again.stderr).toBe(0);
    const restaged = again.result.staged as typeof staged;
    expect(restaged.map((s) => [s.name, s.digest, s.changed])).toEqual(
      staged.map((s) => [s.name, s.digest, false]),
    );
    const repository = `${url.replace(/^oci:\/\/[^/]+\//, '')}/${BOOKINFO}/reviews--1.0.0`;
    expect(await manifestDigest(repository, '1.0.0')).toBe(staged[1]?.digest);
  });

  it('stages another parent version beside the first, with that version’s subcharts', async () => {
    const url = freshStaging();
    for (const version of ['1.0.0', '2.0.0']) {
      const run = await stage({
        'chart-name': 'bookinfo',
        'chart-version': version,
        subcharts: 'ratings',
        'staging-url': url,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.result.staged).toMatchObject([
        { name: 'ratings', version, reference: `${url}/${BOOKINFO}/ratings--${version}:${version}` },
      ]);
    }
  });

  it('fetches from a repository that wants credentials with those it is given, and says so when refused', async () => {
    const { username, password } = inject('chartCredentials');
    const args = {
      'chart-url': inject('privateChartsUrl'),
      'chart-name': 'bookinfo',
      'chart-version': '1.0.0',
      subcharts: 'details',
      'staging-url': freshStaging(),
    };
    const refused = await stage({ ...args, 'auth-secret': '' });
    expect(refused.code).toBe(5);
    expect(refused.result).toMatchObject({ phase: 'Forbidden', reason: 'ChartAccessDenied' });
    expect(refused.result.message).toMatch(
      /index.yaml refused access \(HTTP 401\) \(no credentials were given: name a Secret in spec.chart.authSecretRef\)$/,
    );
    const wrong = await stage(
      { ...args, 'auth-secret': 'repo-creds' },
      { ORKESTRA_CHART_USERNAME: username, ORKESTRA_CHART_PASSWORD: 'wrong' },
    );
    expect(wrong.result.message).toMatch(
      /refused access \(HTTP 401\) \(with the credentials of Secret repo-creds\)$/,
    );
    const allowed = await stage(
      { ...args, 'auth-secret': 'repo-creds' },
      { ORKESTRA_CHART_USERNAME: username, ORKESTRA_CHART_PASSWORD: password },
    );
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it.each<[string, Record<string, string>, number, string, RegExp]>([
    [
      'a subchart the chart does not have → exit 2 naming it and those it has',
      { 'chart-name': 'bookinfo', 'chart-version': '1.0.0', subcharts: 'reviews,mysql' },
      2,
      'InvalidSpec',
      /chart bookinfo 1.0.0 has no subchart mysql \(its subcharts: details, productpage, ratings, reviews\)/,
    ],
    [
      'a parent that is not a chart → exit 2',
      { 'chart-name': 'not-a-chart', 'chart-version': '1.0.0', subcharts: 'sub' },
      2,
      'InvalidChart',
      /^chart not-a-chart 1.0.0: not a chart: no not-a-chart\/Chart.yaml$/,
    ],
    [
      'an archive with ../ entries → exit 2',
      { 'chart-name': 'dot-dot', 'chart-version': '1.0.0', subcharts: 'sub' },
      2,
      'InvalidChart',
      /entry "dot-dot\/..\/..\/..\/tmp\/orkestra-escaped": a path that leaves the chart's folder/,
    ],
    [
      'a symlink out of the folder → exit 2',
      { 'chart-name': 'symlink-out', 'chart-version': '1.0.0', subcharts: 'sub' },
      2,
      'InvalidChart',
      /link "symlink-out\/templates\/passwd.yaml" points outside the chart's folder/,
    ],
    [
      'a version the repository does not have → exit 2 with those it has',
      { 'chart-name': 'bookinfo', 'chart-version': '9.9.9', subcharts: 'reviews' },
      2,
      'ChartNotFound',
      /has no version 9.9.9 of bookinfo \(it has (2.0.0, 1.0.0|1.0.0, 2.0.0)\)/,
    ],
    [
      'a staging URL that is not oci:// → exit 2 before anything is fetched',
      {
        'chart-name': 'bookinfo',
        'chart-version': '1.0.0',
        subcharts: 'reviews',
        'staging-url': 'http://127.0.0.1:1/x',
      },
      2,
      'InvalidSpec',
      /--staging-url: "http:\/\/127.0.0.1:1\/x" is not an oci:\/\/HOST\[:PORT\]\[\/PATH\] URL/,
    ],
  ])('%s; nothing is pushed', async (_, args, code, reason, message) => {
    const url = freshStaging();
    const run = await stage({ 'staging-url': url, ...args });
    expect(run.code, run.stderr).toBe(code);
    expect(run.result.reason).toBe(reason);
    expect(run.result.message).toMatch(message);
    expect(await repositoriesBelow(url)).toEqual([]);
  });

  it('an unreachable registry → exit 4; an unreachable chart repository → exit 4', async () => {
    const port = await freePort(); // free: nothing listens there
    const closed = `oci://127.0.0.1:${port}/staging`;
    const registry = await stage({
      'chart-name': 'bookinfo',
      'chart-version': '1.0.0',
      subcharts: 'reviews',
      'staging-url': closed,
      timeout: '2s',
    });
    expect(registry.code, registry.stderr).toBe(4);
    expect(registry.result).toMatchObject({ phase: 'Unreachable', reason: 'Unreachable' });
    expect(registry.result.message).toMatch(
      new RegExp(`^HEAD 127.0.0.1:${port}/staging/${BOOKINFO}/reviews--1.0.0:1.0.0 failed: .*ECONNREFUSED`),
    );
    const repository = await stage({
      'chart-url': `http://127.0.0.1:${port}`,
      'chart-name': 'bookinfo',
      'chart-version': '1.0.0',
      subcharts: 'reviews',
      'staging-url': freshStaging(),
      timeout: '2s',
    });
    expect(repository.code, repository.stderr).toBe(4);
    expect(repository.result.message).toMatch(
      new RegExp(`^GET http://127.0.0.1:${port}/index.yaml failed: .*ECONNREFUSED`),
    );
  });

  it('pushes a blob the repository already has (over 1 MiB) without reading it again', async () => {
    const registry = new OciRegistry(registryHttp.replace(/^http:\/\//, ''), {
      plainHttp: true,
      context: {
        deadline: Date.now() + 30_000,
        signal: new AbortController().signal,
        log: createLogger('text'),
      },
    });
    const data = randomBytes(2 * 1024 * 1024);
    const blob = { digest: sha256Digest(data), data };
    const repository = `${freshStaging().replace(/^oci:\/\/[^/]+\//, '')}/big`;
    await registry.pushBlob(repository, blob);
    // The second time HEAD answers 200 with a Content-Length of 2 MiB: nothing to upload, nothing to read.
    await registry.pushBlob(repository, blob);
    expect(await registry.blob(repository, blob.digest, 4 * 1024 * 1024)).toEqual(data);
  });

  it('fetches a parent chart that the real helm pushed to an oci:// registry: a version, or the highest', async () => {
    const { helm } = ensureTools();
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-parents-'));
    const parents = `${freshStaging()}/parents`;
    for (const version of ['1.0.0', '2.0.0']) {
      execFileSync(helm, ['package', join(REPO_ROOT, `test/fixtures/charts/bookinfo-${version}`), '-d', dir]);
      const pushed = spawnSync(
        helm,
        ['push', join(dir, `bookinfo-${version}.tgz`), parents, '--plain-http'],
        {
          encoding: 'utf8',
        },
      );
      expect(pushed.status, pushed.stderr).toBe(0);
    }
    const context = {
      deadline: Date.now() + 30_000,
      signal: new AbortController().signal,
      log: createLogger('text'),
    };
    const fetch = (version: string) =>
      fetchParentChart(
        { url: parents, name: 'bookinfo', version },
        { plainHttp: true, context, credentialsHint: '' },
      );
    const exact = await fetch('1.0.0');
    expect(exact.version).toBe('1.0.0');
    expect(sha256Digest(exact.archive)).toBe(sha256Digest(readFileSync(join(dir, 'bookinfo-1.0.0.tgz'))));
    const highest = await fetch('');
    expect([highest.version, highest.from]).toEqual(['2.0.0', `${parents}/bookinfo:2.0.0`]);
    const missing = await fetch('9.9.9').catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(
      new RegExp(
        `^${parents}/bookinfo has no version 9.9.9 of bookinfo \\(it has (2.0.0, 1.0.0|1.0.0, 2.0.0)\\)$`,
      ),
    );
  });

  describe('with a registry that refuses pushes (read-only)', () => {
    let readonly: Awaited<ReturnType<typeof startRegistry>>;
    beforeAll(async () => {
      readonly = await startRegistry({ readonly: true });
    });
    afterAll(async () => readonly?.stop());

    it('ends PushRefused (exit 1) with what the registry said', async () => {
      const run = await stage({
        'chart-name': 'bookinfo',
        'chart-version': '1.0.0',
        subcharts: 'reviews',
        'staging-url': `${readonly.url}/staging`,
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.result).toMatchObject({ phase: 'Failed', reason: 'PushRefused' });
      expect(run.result.message).toMatch(
        new RegExp(
          `^the staging registry refused upload of sha256:[0-9a-f]{64} to 127.0.0.1:\\d+/staging/${BOOKINFO}/reviews--1.0.0: HTTP 405`,
        ),
      );
    });
  });
});
