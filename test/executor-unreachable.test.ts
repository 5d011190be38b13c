// The bundled executor with no cluster to talk to: no control plane needed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from './cluster/ports.ts';

const root = join(import.meta.dirname, '..');

describe('orkestra-executor against a cluster that never answers', () => {
  it('exits 4 (cluster unreachable) and says which call failed, and why', async () => {
    // A port nothing listens on: connection refused. (Not port 1: fetch refuses that URL itself.)
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-unreachable-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
    );
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'dist/orkestra-executor.js'),
        'delete',
        '--name',
        'x',
        '--namespace',
        'y',
        '--timeout',
        '2s',
        '--result-file',
        join(dir, 'r.json'),
      ],
      { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig } },
    );
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(
      new RegExp(`Reading HelmRelease y/x failed: .*connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`),
    );
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))).toMatchObject({
      phase: 'Unreachable',
      reason: 'ClusterUnreachable',
    });
  });

  it.each<[string, string[], Record<string, string | undefined>, string]>([
    [
      'a --kubeconfig that does not exist',
      ['--kubeconfig', '/nonexistent/kubeconfig'],
      {},
      '--kubeconfig: ENOENT: no such file or directory',
    ],
    [
      'no kubeconfig at all, outside a pod',
      [],
      { KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined },
      'kubeconfig: no cluster to talk to: give --kubeconfig, set KUBECONFIG, or run in a pod',
    ],
  ])('exits 2 (invalid input) for %s, naming it', (_name, args, env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-no-kubeconfig-'));
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'dist/orkestra-executor.js'),
        'probe',
        '--name',
        'x',
        '--namespace',
        'y',
        ...args,
        '--result-file',
        join(dir, 'r.json'),
      ],
      { encoding: 'utf8', env: { ...process.env, ...env } },
    );
    expect(result.status, result.stderr).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))).toMatchObject({ phase: 'Invalid' });
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).message).toContain(message);
  });
});
