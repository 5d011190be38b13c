import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';
import { ClusterUnreachableError, TerminatedError } from './errors.ts';
import { retryTransient } from './kube-errors.ts';

const quiet = createLogger('json');
quiet.silent = true;
const options = (deadlineMs: number, signal = new AbortController().signal) => ({
  deadline: Date.now() + deadlineMs,
  signal,
  log: quiet,
});
const httpError = (code: number) =>
  Object.assign(new Error(`HTTP ${code}`), { code, body: `status ${code}` });

describe('retryTransient', () => {
  it('retries no answer, 429 and 5xx, then returns the result', async () => {
    const failures = [new Error('connect ECONNREFUSED'), httpError(429), httpError(503)];
    let calls = 0;
    const result = await retryTransient(
      'Reading x',
      async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return 'ok';
      },
      options(10_000),
    );
    expect([result, calls]).toEqual(['ok', 4]);
  });

  it('ends as ClusterUnreachable when the cluster never answers before the deadline', async () => {
    await expect(
      retryTransient(
        'Reading x',
        async () => Promise.reject(new Error('connect ECONNREFUSED')),
        options(500),
      ),
    ).rejects.toBeInstanceOf(ClusterUnreachableError);
  });

  it.each([404, 409, 422])('hands HTTP %i to the caller at once', async (code) => {
    let calls = 0;
    const failing = retryTransient(
      'Reading x',
      async () => {
        calls++;
        throw httpError(code);
      },
      options(10_000),
    );
    await expect(failing).rejects.toMatchObject({ code });
    expect(calls).toBe(1);
  });

  it('turns 403 into ClusterUnreachable naming what was refused', async () => {
    await expect(
      retryTransient('Deleting HelmRelease a/b', async () => Promise.reject(httpError(403)), options(10_000)),
    ).rejects.toThrow('Deleting HelmRelease a/b failed: HTTP 403: status 403');
  });

  it('stops retrying on SIGTERM', async () => {
    const controller = new AbortController();
    const pending = retryTransient(
      'Reading x',
      async () => Promise.reject(new Error('ECONNRESET')),
      options(60_000, controller.signal),
    );
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(TerminatedError);
  });
});
