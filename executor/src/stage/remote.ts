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
}

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
  const { deadline, signal } = context;
  try {
    return await retryWhileTransient(
      what,
      async () => {
        const response = await fetch(url, {
          ...init,
          redirect: 'follow',
          signal: AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]),
        });
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
    if (error instanceof TooLargeError) throw error;
    if ((error as Error).name === 'TimeoutError')
      throw new TimedOutError(`${what}: no answer before the deadline`);
    // No answer (after retries), a certificate refused, a URL fetch cannot use: nothing to stage from or to.
    throw new UnreachableError(`${what} failed: ${describeNetworkFailure(error)}`, { cause: error });
  }
}
