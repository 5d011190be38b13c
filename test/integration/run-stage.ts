// `orkestra-executor stage` as the stage tests run it: the bundled executor, plain HTTP to the
// registry, the fixture chart repository unless said otherwise.
import { inject } from 'vitest';
import { executor } from './run-executor.ts';

/** Whose folder the stage steps here push to (--namespace, as a pod's own namespace would be). */
export const NAMESPACE = 'stage-tests';

export function stage(args: Record<string, string>, env: Record<string, string> = {}) {
  return executor(
    [
      'stage',
      '--log-format',
      'text',
      '--staging-plain-http',
      'true',
      ...Object.entries({ 'chart-url': inject('chartsUrl'), namespace: NAMESPACE, ...args }).flatMap(
        ([k, v]) => [`--${k}`, v],
      ),
    ],
    { env },
  ).done;
}
