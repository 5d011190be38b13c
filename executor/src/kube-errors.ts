import pRetry from 'p-retry';
import { serverMessage } from '../../lib/kube.ts';
import type { Logger } from '../../lib/log.ts';
import { ClusterUnreachableError, PermissionDeniedError, TerminatedError } from './errors.ts';

/** HTTP status of a client-node error, if it has one (not e.g. a DOMException's numeric code). */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
}

/**
 * Codes of a request that got no answer: Node's socket and DNS errors and undici's own (fetch in
 * client-node throws `TypeError: fetch failed` with one of these in its `cause`).
 */
const NO_ANSWER = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Whether the error, or one it was caused by, has a string code that `matches`. */
function hasCode(error: unknown, matches: (code: string) => boolean, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && matches(code)) return true;
  if (Array.isArray(errors) && errors.some((e) => hasCode(e, matches, depth + 1))) return true;
  return hasCode(cause, matches, depth + 1);
}

/** A network failure: no answer at all. */
const isNetworkFailure = (error: unknown) => hasCode(error, (code) => NO_ANSWER.has(code));

/** The API server answered, but its certificate was not accepted (Node's and OpenSSL's codes). */
const isTlsFailure = (error: unknown) =>
  hasCode(error, (code) =>
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/.test(
      code,
    ),
  );

/**
 * The API version and kind a request needed that the cluster does not serve (client-node's
 * discovery: no such group/version, or no such kind in it), e.g. Flux's CRDs not installed.
 */
function unservedKind(error: unknown): string | undefined {
  const message = String((error as Error)?.message ?? '');
  const unrecognized = /^Unrecognized API version and kind: (.+)$/.exec(message);
  if (unrecognized) return unrecognized[1];
  const discovery = /^Failed to fetch resource metadata for (\S+):/.exec(message);
  return discovery && statusOf(error) === 404 ? discovery[1] : undefined;
}

/**
 * Worth another try: no answer at all (connection refused or reset, timeouts, DNS), 429, 5xx. Not a
 * refused permission (401, 403) nor any other error: those do not go away by waiting.
 */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return isNetworkFailure(error);
  return status === 429 || status >= 500;
}

export { serverMessage };

export function unreachable(action: string, error: unknown): ClusterUnreachableError {
  const status = statusOf(error);
  const detail = status ? `HTTP ${status}: ${serverMessage(error)}` : describeNetworkFailure(error);
  return new ClusterUnreachableError(`${action} failed: ${detail}`, { cause: error });
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:6443` rather than fetch's bare `fetch failed`. */
export function describeNetworkFailure(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: unknown; cause?: unknown } | undefined; e && parts.length < 5; ) {
    if (e.message) parts.push(String(e.message));
    e = e.cause as typeof e;
  }
  return parts.join(': ') || String(error);
}

export function permissionDenied(action: string, error: unknown): PermissionDeniedError {
  return new PermissionDeniedError(
    `${action} was refused (HTTP ${statusOf(error)}): ${serverMessage(error)}`,
    { cause: error },
  );
}

export interface RetryOptions {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Calls `fn` until it succeeds or fails for good: retried with backoff while the failure is
 * transient (isTransient) and the deadline allows, each retry logged. The last error is thrown as is.
 */
export function retryWhileTransient<T>(
  what: string,
  fn: () => Promise<T>,
  { deadline, signal, log }: RetryOptions,
): Promise<T> {
  return pRetry(fn, {
    retries: 1_000,
    minTimeout: 200,
    maxTimeout: 5_000,
    maxRetryTime: Math.max(0, deadline - Date.now()),
    signal,
    shouldRetry: ({ error }) => isTransient(error) && Date.now() < deadline,
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (isTransient(error))
        log.warn(`${what} failed; retrying`, {
          attempt: attemptNumber,
          error: statusOf(error) ? error.message : describeNetworkFailure(error),
        });
    },
  });
}

/**
 * Calls `fn` until it succeeds, retrying with backoff while the failure is transient (no answer,
 * 429, 5xx) and the deadline allows. A cluster that never answered ends as ClusterUnreachable
 * (exit 4), and so at once does one that does not serve the kind or whose certificate is refused;
 * 401/403 end at once as PermissionDenied (exit 5); SIGTERM as Terminated; any other failure (404,
 * 409, 422, or a bug) is the caller's to handle.
 */
export async function retryTransient<T>(
  what: string,
  fn: () => Promise<T>,
  { deadline, signal, log }: RetryOptions,
): Promise<T> {
  try {
    return await retryWhileTransient(what, fn, { deadline, signal, log });
  } catch (error) {
    if (signal.aborted) throw new TerminatedError();
    const status = statusOf(error);
    if (status === 401 || status === 403) throw permissionDenied(what, error);
    if (isTransient(error)) throw unreachable(what, error);
    const kind = unservedKind(error);
    if (kind) {
      throw new ClusterUnreachableError(
        `${what} failed: the cluster does not serve ${kind} (are its CRDs installed?)`,
        { cause: error },
      );
    }
    if (isTlsFailure(error)) {
      throw new ClusterUnreachableError(
        `${what} failed: the API server's certificate was not accepted: ${describeNetworkFailure(error)}`,
        { cause: error },
      );
    }
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
