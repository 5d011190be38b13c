import type { HelmRelease } from '../../../lib/api/flux.ts';
import { evaluateRelease, isFinal, type Verdict } from '../../../lib/helm-release/verdict.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { ReleaseFailedError, TimedOutError } from '../errors.ts';
import { helmReleaseFeed } from '../helm-release-feed.ts';
import { watchUntil } from '../watch-until.ts';

/**
 * Watches the HelmRelease until Flux's verdict for `generation` (default: the generation first seen)
 * is final. Resolves with the outcome when it succeeded; throws ReleaseFailedError when it failed or
 * is suspended, TimedOutError at the deadline.
 */
export async function probeHelmRelease(
  context: ActionContext,
  namespace: string,
  name: string,
  generation?: number,
): Promise<Outcome> {
  const log = context.log.child({
    helmRelease: `${namespace}/${name}`,
    ...(generation ? { generation } : {}),
  });
  let target = generation;
  let last: Verdict | undefined;
  const result = await watchUntil(
    helmReleaseFeed(context.kube, namespace, name),
    (object: HelmRelease | undefined) => {
      if (!object) {
        last = {
          phase: 'Failed',
          reason: 'NotFound',
          message: `HelmRelease ${namespace}/${name} does not exist`,
        };
        return { verdict: last, object };
      }
      target ??= object.metadata.generation;
      const verdict = evaluateRelease(object, target);
      if (verdict.reason !== last?.reason || verdict.phase !== last.phase) {
        log.info('Observed HelmRelease', {
          generation: target,
          phase: verdict.phase,
          reason: verdict.reason,
        });
      }
      last = verdict;
      return isFinal(verdict) ? { verdict, object } : undefined;
    },
    {
      deadline: context.deadline,
      signal: context.signal,
      log,
      onTimeout: () =>
        new TimedOutError(
          `HelmRelease ${namespace}/${name} did not finish generation ${target} in time`,
          last,
        ),
    },
  );
  const outcome: Outcome = {
    action: 'probe',
    phase: result.verdict.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
    reason: result.verdict.reason,
    message: result.verdict.message,
    name,
    namespace,
    generation: target,
    revision: result.object?.status?.lastAttemptedRevision,
    chartVersion: result.object?.status?.history?.[0]?.chartVersion,
  };
  if (result.verdict.phase !== 'Succeeded')
    throw Object.assign(new ReleaseFailedError(result.verdict), { outcome });
  return outcome;
}
