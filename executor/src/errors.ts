import { ExitCode, OrkestraError } from '../../lib/errors.ts';
import type { Verdict } from '../../lib/helm-release/verdict.ts';

/** Flux says the release failed (or is suspended): exit 1. */
export class ReleaseFailedError extends OrkestraError {
  readonly verdict: Verdict;

  constructor(verdict: Verdict) {
    super(verdict.reason, verdict.message, ExitCode.ReleaseFailed);
    this.verdict = verdict;
  }
}

export class TimedOutError extends OrkestraError {
  readonly verdict?: Verdict;

  constructor(what: string, verdict?: Verdict) {
    super(
      'TimedOut',
      `${what}${verdict ? ` (last seen: ${verdict.reason}: ${verdict.message})` : ''}`,
      ExitCode.TimedOut,
    );
    this.verdict = verdict;
  }
}

export class ClusterUnreachableError extends OrkestraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ClusterUnreachable', message, ExitCode.ClusterUnreachable, options);
  }
}

/** The API server refused the request (401 or 403): an RBAC problem, permanent until someone fixes it. */
export class PermissionDeniedError extends OrkestraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PermissionDenied', message, ExitCode.PermissionDenied, options);
  }
}

export class TerminatedError extends OrkestraError {
  constructor() {
    super('Terminated', 'Stopped by SIGTERM', ExitCode.Terminated);
  }
}

/**
 * What the step would write over belongs to someone else (another group, or not Orkestra): exit 1,
 * not retried, and nothing of it changed.
 */
export class ConflictError extends OrkestraError {
  constructor(message: string) {
    super('Conflict', message, ExitCode.ReleaseFailed);
  }
}
