import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExitCode, InvalidInputError } from '../../lib/errors.ts';
import { ClusterUnreachableError, PermissionDeniedError, TerminatedError } from './errors.ts';
import { exitCodeOf, fluxShardOf, makeRun, type RunResult } from './run.ts';

describe('exitCodeOf', () => {
  it.each<[string, unknown, number]>([
    ['no error → 0', undefined, ExitCode.Succeeded],
    ['invalid input → 2', new InvalidInputError('x', []), 2],
    ['a cluster that never answered → 4', new ClusterUnreachableError('x'), 4],
    ['a refused permission → 5', new PermissionDeniedError('x'), 5],
    ['SIGTERM → 143', new TerminatedError(), 143],
    ['an unexpected error (a bug) → 70, not 1 (release failed)', new TypeError('x is undefined'), 70],
  ])('%s', (_row, error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});

describe('makeRun', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports an unexpected error as a bug: reason InternalError, and its stack in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-run-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const results: RunResult = {};
    const run = makeRun(new AbortController().signal, results);
    await run(
      'probe',
      { timeout: '5m', 'result-file': join(dir, 'result.json'), 'log-format': 'json', kubeconfig },
      async () => {
        const missing = undefined as unknown as { metadata: { name: string } };
        return { action: 'probe', phase: 'Succeeded', reason: 'x', message: missing.metadata.name };
      },
    );
    expect(results.error).toBeInstanceOf(TypeError);
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))).toMatchObject({
      action: 'probe',
      phase: 'Error',
      reason: 'InternalError',
    });
    const logged = written.map((line) => JSON.parse(line));
    expect(logged.at(-1)).toMatchObject({ level: 'error', reason: 'InternalError' });
    expect(logged.at(-1)?.message).toContain('unexpected error');
    expect(logged.at(-1)?.stack).toContain('TypeError');
    expect(logged.at(-1)?.stack).toContain('run.test.ts');
  });
});

describe('fluxShardOf', () => {
  it.each<[string, NodeJS.ProcessEnv, { fluxShard?: string }]>([
    ['unset: the chart’s own Flux', {}, { fluxShard: 'orkestra' }],
    ['set', { ORKESTRA_FLUX_SHARD: 'blue' }, { fluxShard: 'blue' }],
    ['"": no shard (the cluster’s own Flux)', { ORKESTRA_FLUX_SHARD: '' }, {}],
  ])('%s', (_, env, shard) => {
    expect(fluxShardOf(env)).toEqual(shard);
  });
});
