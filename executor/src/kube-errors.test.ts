import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { ClusterUnreachableError, PermissionDeniedError, TerminatedError } from './errors.ts';
import { isTransient, retryTransient, statusOf } from './kube-errors.ts';

const quiet = createLogger('json');
quiet.silent = true;
const options = (deadlineMs: number, signal = new AbortController().signal) => ({
  deadline: Date.now() + deadlineMs,
  signal,
  log: quiet,
});
const httpError = (code: number) =>
  Object.assign(new Error(`HTTP ${code}`), { code, body: `status ${code}` });

/** What client-node's fetch (undici) throws when no answer came: a TypeError whose cause says why. */
const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code });

describe('isTransient', () => {
  it.each<[string, unknown, boolean]>([
    ['a refused connection is transient', fetchFailed(systemError('ECONNREFUSED')), true],
    ['a connection reset is transient', fetchFailed(systemError('ECONNRESET')), true],
    ['a connection timeout is transient', fetchFailed(systemError('ETIMEDOUT')), true],
    ["undici's connect timeout is transient", fetchFailed(systemError('UND_ERR_CONNECT_TIMEOUT')), true],
    ['a socket closed by the other side is transient', fetchFailed(systemError('UND_ERR_SOCKET')), true],
    ['a DNS failure is transient', fetchFailed(systemError('ENOTFOUND')), true],
    ['a DNS server not answering is transient', fetchFailed(systemError('EAI_AGAIN')), true],
    [
      'every address refused (happy eyeballs) is transient',
      fetchFailed(
        Object.assign(new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')]), {
          code: 'ECONNREFUSED',
        }),
      ),
      true,
    ],
    ['HTTP 429 (throttled) is transient', httpError(429), true],
    ['HTTP 500 is transient', httpError(500), true],
    ['HTTP 503 is transient', httpError(503), true],
    [
      'a TypeError of our own code is not transient',
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      false,
    ],
    ['fetch refusing the URL (bad port) is not transient', fetchFailed(new Error('bad port')), false],
    ['any other error without an HTTP status is not transient', new Error('something else'), false],
    ['HTTP 401 is not transient', httpError(401), false],
    ['HTTP 403 is not transient', httpError(403), false],
    ['HTTP 404 is not transient', httpError(404), false],
    ['HTTP 422 is not transient', httpError(422), false],
  ])('%s', (_row, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});

describe('retryTransient', () => {
  it('retries no answer, 429 and 5xx, then returns the result', async () => {
    const failures = [fetchFailed(systemError('ECONNREFUSED')), httpError(429), httpError(503)];
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
        async () => Promise.reject(fetchFailed(systemError('ECONNREFUSED'))),
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

  it.each([401, 403])(
    'turns HTTP %i at once into PermissionDenied (exit 5) naming what was refused',
    async (code) => {
      let calls = 0;
      const refused = retryTransient(
        'Deleting HelmRelease a/b',
        async () => {
          calls++;
          throw Object.assign(httpError(code), {
            body: JSON.stringify({
              kind: 'Status',
              message:
                'helmreleases "b" is forbidden: User "system:serviceaccount:a:x" cannot delete resource',
            }),
          });
        },
        options(10_000),
      );
      await expect(refused).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(refused).rejects.toMatchObject({
        exitCode: ExitCode.PermissionDenied,
        reason: 'PermissionDenied',
      });
      await expect(refused).rejects.toThrow(
        `Deleting HelmRelease a/b was refused (HTTP ${code}): helmreleases "b" is forbidden: User "system:serviceaccount:a:x" cannot delete resource`,
      );
      expect(calls).toBe(1);
    },
  );

  it('hands an unexpected error (a bug) to the caller at once, not as an outage', async () => {
    let calls = 0;
    const bug = new TypeError("Cannot read properties of undefined (reading 'metadata')");
    const failing = retryTransient(
      'Reading x',
      async () => {
        calls++;
        throw bug;
      },
      options(10_000),
    );
    await expect(failing).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it.each<[string, unknown, string]>([
    [
      'a certificate the client does not accept',
      fetchFailed(systemError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')),
      "Reading x failed: the API server's certificate was not accepted: fetch failed: connect UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ],
    [
      'a kind the cluster does not serve',
      new Error('Unrecognized API version and kind: helm.toolkit.fluxcd.io/v2 HelmRelease'),
      'Reading x failed: the cluster does not serve helm.toolkit.fluxcd.io/v2 HelmRelease (are its CRDs installed?)',
    ],
    [
      'an API group the cluster does not serve',
      Object.assign(
        new Error(
          'Failed to fetch resource metadata for helm.toolkit.fluxcd.io/v2/HelmRelease: HTTP-Code: 404',
        ),
        { code: 404 },
      ),
      'Reading x failed: the cluster does not serve helm.toolkit.fluxcd.io/v2/HelmRelease (are its CRDs installed?)',
    ],
  ])('ends at once as ClusterUnreachable, naming the cause: %s', async (_row, error, message) => {
    let calls = 0;
    const failing = retryTransient(
      'Reading x',
      async () => {
        calls++;
        throw error;
      },
      options(10_000),
    );
    await expect(failing).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failing).rejects.toThrow(message);
    expect(calls).toBe(1);
  });

  it('takes no numeric code outside 100–599 for an HTTP status (a DOMException has one)', () => {
    expect(statusOf(new DOMException('aborted', 'AbortError'))).toBeUndefined();
    expect(statusOf(httpError(404))).toBe(404);
  });

  it('stops retrying on SIGTERM', async () => {
    const controller = new AbortController();
    const pending = retryTransient(
      'Reading x',
      async () => Promise.reject(fetchFailed(systemError('ECONNRESET'))),
      options(60_000, controller.signal),
    );
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(TerminatedError);
  });
});
