import pRetry from 'p-retry';
import type { Logger } from '../../lib/log.ts';
import { ClusterUnreachableError, TerminatedError } from './errors.ts';

/** HTTP status of a client-node error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Worth another try: no answer at all (connection refused/reset, DNS, timeout), 429, 5xx. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return true;
  return status === 429 || status >= 500;
}

export function unreachable(action: string, error: unknown): ClusterUnreachableError {
  const status = statusOf(error);
  const detail = status
    ? `HTTP ${status}: ${(error as { body?: unknown }).body ?? ''}`
    : String((error as Error)?.message ?? error);
  return new ClusterUnreachableError(`${action} failed: ${detail}`, { cause: error });
}

export interface RetryOptions {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Calls `fn` until it succeeds, retrying with backoff while the failure is transient (no answer,
 * 429, 5xx) and the deadline allows. A cluster that never answered ends as ClusterUnreachable
 * (exit 4); SIGTERM as Terminated; any other failure (404, 409, 422 …) is the caller's to handle.
 */
export async function retryTransient<T>(
  what: string,
  fn: () => Promise<T>,
  { deadline, signal, log }: RetryOptions,
): Promise<T> {
  try {
    return await pRetry(fn, {
      retries: 1_000,
      minTimeout: 200,
      maxTimeout: 5_000,
      maxRetryTime: Math.max(0, deadline - Date.now()),
      signal,
      shouldRetry: ({ error }) => isTransient(error) && Date.now() < deadline,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (isTransient(error))
          log.warn(`${what} failed; retrying`, { attempt: attemptNumber, error: error.message });
      },
    });
  } catch (error) {
    if (signal.aborted) throw new TerminatedError();
    const status = statusOf(error);
    if (isTransient(error) || status === 401 || status === 403) throw unreachable(what, error);
    throw error;
  }
}

/** retryTransient with the action's own deadline, signal and logger. */
export function callCluster<T>(
  context: { deadline: number; signal: AbortSignal; log: Logger },
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  return retryTransient(what, fn, context);
}
