/** Exit codes shared by the executor and the CLIs (see DESIGN.md, Executor contract). */
export const ExitCode = {
  Succeeded: 0,
  ReleaseFailed: 1,
  InvalidInput: 2,
  TimedOut: 3,
  ClusterUnreachable: 4,
  /** The API server refused the executor's identity (401) or permission (403): RBAC to fix, not to retry. */
  PermissionDenied: 5,
  /** An unexpected error: a bug in Orkestra (sysexits' EX_SOFTWARE), logged with its stack. */
  InternalError: 70,
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error Orkestra raises on purpose: carries an exit code and a CamelCase reason. */
export class OrkestraError extends Error {
  readonly exitCode: ExitCode;
  readonly reason: string;

  constructor(reason: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.reason = reason;
    this.exitCode = exitCode;
  }
}

/** One problem found in user input, with the path of the offending field. */
export interface Problem {
  path: string;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** Input that cannot be used; lists every problem found, not just the first. */
export class InvalidInputError extends OrkestraError {
  readonly problems: readonly Problem[];

  constructor(source: string, problems: readonly Problem[], options?: { cause?: unknown }) {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`).join('\n');
    super('InvalidSpec', `${source} is invalid:\n${lines}`, ExitCode.InvalidInput, options);
    this.problems = problems;
  }
}
