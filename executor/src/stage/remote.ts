// HTTP to chart repositories and registries: one request at a time, retried while the failure is
// transient (no answer, 429, 5xx) and the deadline allows, with the body read up to a limit.
import { ExitCode, OrkestraError } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import { TerminatedError, TimedOutError } from '../errors.ts';
import { describeNetworkFailure, retryWhileTransient } from '../kube-errors.ts';

export interface RemoteContext {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
  /**
   * Called with each URL before it is requested — the first and every redirect's — and throws when
   * it may not be: chart sources go through the policy's address check (executor/src/policy.ts).
   */
  guard?: (url: URL) => Promise<void>;
}

/** At most this many redirects are followed (fetch's own limit is 20). */
const MAX_REDIRECTS = 10;

export interface RemoteResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A chart repository or registry that never answered: exit 4, as an unreachable cluster. */
export class UnreachableError extends OrkestraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unreachable', message, ExitCode.ClusterUnreachable, options);
  }
}

/** An answer with a status that retrying may change: thrown inside the retry loop only. */
class TransientStatus extends Error {
  readonly code: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.code = status;
  }
}

/** A body over `maxBytes`: refused while it is read, not after. */
export class TooLargeError extends Error {}

async function readLimited(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new TooLargeError(`the response is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > maxBytes) throw new TooLargeError(`the response is larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * One request: retried on no answer, 429 and 5xx until the deadline; then UnreachableError (exit
 * 4). Any other answer is returned, whatever its status, for the caller to judge.
 */
export async function request(
  what: string,
  url: string,
  init: RequestInit,
  context: RemoteContext,
  maxBytes = 1024 * 1024,
): Promise<RemoteResponse> {
  const { signal } = context;
  try {
    return await retryWhileTransient(
      what,
      async () => {
        const response = await fetchGuarded(url, init, context);
        if (response.status === 429 || response.status >= 500) {
          await response.body?.cancel();
          throw new TransientStatus(response.status);
        }
        return {
          status: response.status,
          headers: response.headers,
          // A HEAD's Content-Length is the size of what a GET would send, not a body to read.
          body: init.method === 'HEAD' ? Buffer.alloc(0) : await readLimited(response, maxBytes),
        };
      },
      context,
    );
  } catch (error) {
    if (signal.aborted) throw new TerminatedError();
    if (error instanceof TooLargeError || error instanceof OrkestraError) throw error;
    if ((error as Error).name === 'TimeoutError')
      throw new TimedOutError(`${what}: no answer before the deadline`);
    // No answer (after retries), a certificate refused, a URL fetch cannot use: nothing to stage from or to.
    throw new UnreachableError(`${what} failed: ${describeNetworkFailure(error)}`, { cause: error });
  }
}

/**
 * fetch, with each hop checked by the context's guard before it is requested; redirects followed
 * here, not by fetch, which would connect first. Credentials go to the first origin only, as fetch
 * and Helm send them.
 */
async function fetchGuarded(url: string, init: RequestInit, context: RemoteContext): Promise<Response> {
  const signal = AbortSignal.any([
    context.signal,
    AbortSignal.timeout(Math.max(1, context.deadline - Date.now())),
  ]);
  if (!context.guard) return fetch(url, { ...init, redirect: 'follow', signal });
  const origin = new URL(url).origin;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    await context.guard(current);
    const sameOrigin = current.origin === origin;
    const response = await fetch(current, {
      ...init,
      ...(sameOrigin ? {} : { headers: undefined }),
      redirect: 'manual',
      signal,
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new UnreachableError(`${url}: more than ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current);
  }
}
