import type { HelmRelease } from '../../../lib/api/flux.ts';
import {
  type ChartSourceObject,
  chartSourceOf,
  evaluateProbe,
} from '../../../lib/helm-release/chart-source.ts';
import { isFinal, type Verdict } from '../../../lib/helm-release/verdict.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { ReleaseFailedError, TimedOutError } from '../errors.ts';
import { chartSourceFeed, helmReleaseFeed } from '../helm-release-feed.ts';
import { watchUntil } from '../watch-until.ts';

type Answer = { verdict: Verdict; object?: HelmRelease };

/**
 * Watches the HelmRelease until Flux's verdict for `generation` (default: the generation first seen)
 * is final. Resolves with the outcome when it succeeded; throws ReleaseFailedError when it failed or
 * is suspended, TimedOutError at the deadline. Its chart source (HelmChart or OCIRepository) is
 * watched beside it: one that has given up fails the release at once, where helm-controller would
 * wait for it until the timeout.
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
  // The latest of each object, whichever watch saw it: each event decides on both.
  const seen: { release?: HelmRelease; source?: ChartSourceObject } = {};
  const decide = (): Answer | undefined => {
    const release = seen.release;
    if (!release) return undefined;
    target ??= release.metadata.generation;
    const verdict = evaluateProbe(release, seen.source, target);
    if (verdict.reason !== last?.reason || verdict.phase !== last.phase) {
      log.info('Observed HelmRelease', { generation: target, phase: verdict.phase, reason: verdict.reason });
    }
    last = verdict;
    return isFinal(verdict) ? { verdict, object: release } : undefined;
  };

  const finished = new AbortController();
  const signal = AbortSignal.any([context.signal, finished.signal]);
  // Answered by the source watch, once it runs and finds an answer; a failed source watch never
  // answers, so only the release's own watch can end the probe without one.
  let answerFromSource: (answer: Answer) => void = () => {};
  const sourceAnswer = new Promise<Answer>((resolve) => {
    answerFromSource = resolve;
  });
  let sourceWatched = false;
  const releaseWatch = watchUntil(
    helmReleaseFeed(context.kube, namespace, name),
    (object: HelmRelease | undefined): Answer | undefined => {
      if (!object) {
        last = {
          phase: 'Failed',
          reason: 'NotFound',
          message: `HelmRelease ${namespace}/${name} does not exist`,
        };
        return { verdict: last };
      }
      seen.release = object;
      const ref = chartSourceOf(object);
      if (ref && !sourceWatched) {
        sourceWatched = true;
        // The release's own deadline ends the probe; the source watch only stops with it.
        watchUntil(
          chartSourceFeed(context.kube, ref),
          (source) => {
            seen.source = source;
            return decide();
          },
          { deadline: context.deadline + 60_000, signal, log },
        ).then(answerFromSource, (error: unknown) => {
          if (!signal.aborted) {
            log.warn('Watching the chart source failed; the release alone decides', { error: String(error) });
          }
        });
      }
      return decide();
    },
    {
      deadline: context.deadline,
      signal,
      log,
      onTimeout: () =>
        new TimedOutError(
          `HelmRelease ${namespace}/${name} did not finish generation ${target} in time`,
          last,
        ),
    },
  );
  let result: Answer;
  try {
    result = await Promise.race([releaseWatch, sourceAnswer]);
  } finally {
    finished.abort();
    releaseWatch.catch(() => {});
  }
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
