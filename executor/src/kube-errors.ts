import { ClusterUnreachableError } from './errors.ts';

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
