import { writeFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { durationSeconds } from '../../lib/duration.ts';
import { ExitCode, InvalidInputError, OrkestraError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { FLUX_SHARD, FLUX_SHARD_ENV } from '../../lib/wire-names.ts';
import type { CommonArgs } from './commands/common.ts';
import type { ActionContext, Outcome } from './context.ts';
import { runsInPod } from './parameter.ts';

/** Runs one action with its context; what `main` needs to exit with is thrown or returned. */
export type Run = (
  action: string,
  args: CommonArgs,
  work: (context: ActionContext) => Promise<Outcome>,
) => Promise<void>;

export interface RunResult {
  outcome?: Outcome;
  error?: unknown;
}

/** The result file's phase: one per exit code (Outcome['phase']). */
const PHASE_BY_EXIT_CODE: Partial<Record<number, Outcome['phase']>> = {
  [ExitCode.InvalidInput]: 'Invalid',
  [ExitCode.TimedOut]: 'TimedOut',
  [ExitCode.ClusterUnreachable]: 'Unreachable',
  [ExitCode.PermissionDenied]: 'Forbidden',
  [ExitCode.Terminated]: 'Terminated',
};

/** The process's exit code for what a run ended with: an unexpected error is a bug (70), not exit 1. */
export function exitCodeOf(error: unknown): number {
  if (error === undefined) return ExitCode.Succeeded;
  return error instanceof OrkestraError ? error.exitCode : ExitCode.InternalError;
}

/** The outcome an error stands for, for the result file. */
export function outcomeOf(action: string, error: unknown): Outcome {
  const carried = (error as { outcome?: Outcome }).outcome;
  if (carried) return { ...carried, action };
  if (error instanceof OrkestraError) {
    return {
      action,
      phase: PHASE_BY_EXIT_CODE[error.exitCode] ?? 'Failed',
      reason: error.reason,
      message: error.message,
    };
  }
  return {
    action,
    phase: 'Error',
    reason: 'InternalError',
    message: `unexpected error (a bug in orkestra-executor): ${String((error as Error)?.message ?? error)}`,
  };
}

/**
 * A Run that builds the context from the common flags and writes the result file either way (the
 * plugin, which replies with the outcome instead, writes none).
 */
export function makeRun(
  signal: AbortSignal,
  results: RunResult,
  {
    resultFile = true,
    kubeConfigs,
  }: {
    resultFile?: boolean;
    /**
     * Where the kube config of `--kubeconfig` (undefined: KUBECONFIG, else in cluster) comes from;
     * the plugin keeps one per path for all its steps, so that each does not look up the API's
     * resources again. Default: loaded afresh.
     */
    kubeConfigs?: (path: string | undefined) => KubeConfig;
  } = {},
): Run {
  return async (action, args, work) => {
    const log = createLogger(args['log-format'], { action });
    const seconds = durationSeconds(args.timeout);
    const writeResult = (outcome: Outcome) => {
      if (!resultFile) return;
      try {
        writeFileSync(args['result-file'], `${JSON.stringify(outcome)}\n`);
      } catch (error) {
        log.warn('Could not write the result file', { path: args['result-file'], error: String(error) });
      }
    };
    try {
      if (!(seconds > 0)) {
        throw new InvalidInputError('--timeout', [
          { path: '--timeout', message: `"${args.timeout}" is not a duration such as 90s or 5m` },
        ]);
      }
      const { loadKubeConfig, defaultNamespace } = await import('../../lib/kube.ts');
      const allowed = args['namespace-allow']
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      // Loaded when an action first needs the cluster (`stage` never does).
      let kube: ReturnType<typeof loadKubeConfig> | undefined;
      const loadKube = () => {
        try {
          kube ??= (kubeConfigs ?? loadKubeConfig)(args.kubeconfig);
          return kube;
        } catch (error) {
          const where = args.kubeconfig
            ? '--kubeconfig'
            : process.env.KUBECONFIG
              ? 'KUBECONFIG'
              : 'kubeconfig';
          throw new InvalidInputError(where, [{ path: where, message: (error as Error).message }], {
            cause: error,
          });
        }
      };
      const inPod = runsInPod(process.env, args.kubeconfig);
      const context: ActionContext = {
        get kube() {
          return loadKube();
        },
        log,
        signal,
        deadline: Date.now() + seconds * 1000,
        inPod,
        get rules() {
          // In a pod the context's namespace is the pod's own (client-node reads it from the
          // ServiceAccount's mount): the Workflow's, which no parameter can change.
          const namespace = defaultNamespace(loadKube());
          return {
            defaultNamespace: namespace,
            allowedNamespaces: allowed?.length ? allowed : undefined,
            ...(inPod ? { home: namespace } : {}),
            ...fluxShardOf(process.env),
          };
        },
      };
      results.outcome = await work(context);
      writeResult(results.outcome);
      log.info(`${action} succeeded`, { ...results.outcome });
    } catch (error) {
      results.error = error;
      const outcome = outcomeOf(action, error);
      writeResult(outcome);
      if (error instanceof OrkestraError || (error as { outcome?: unknown })?.outcome) {
        log.error(`${action} ${outcome.phase === 'Failed' ? 'failed' : outcome.phase}`, { ...outcome });
      } else {
        // Not an outcome but a bug: keep everything needed to report it.
        log.error(`${action} ended with an unexpected error; please report it with this log line`, {
          ...outcome,
          stack: (error as Error)?.stack ?? String(error),
        });
      }
    }
  };
}

/** The Flux shard the executor's releases go to: FLUX_SHARD_ENV's, FLUX_SHARD when unset, none when "". */
export function fluxShardOf(env: NodeJS.ProcessEnv): { fluxShard?: string } {
  const shard = env[FLUX_SHARD_ENV] ?? FLUX_SHARD;
  return shard ? { fluxShard: shard } : {};
}
