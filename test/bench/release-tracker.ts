// What a benchmark sees of the HelmReleases of a namespace, by watch: when each first reached its
// verdict, and how many were installing at once (created, no verdict yet) at the peak.
import type { KubeConfig } from '@kubernetes/client-node';
import { evaluateRelease } from '../../lib/helm-release/verdict.ts';
import type { Obj } from '../integration/kube.ts';
import { follow } from './timing.ts';

export interface ReleaseTracker {
  /** performance.now() when every one of `names` was Ready (resolves once they all are). */
  allReady: (names: string[]) => Promise<number>;
  /** The most HelmReleases seen installing at once so far. */
  peakInstalling: () => number;
  stop: () => void;
}

/** Follows the HelmReleases of `namespace` from now on (a watch opened before anything is applied). */
export async function trackReleases(config: KubeConfig, namespace: string): Promise<ReleaseTracker> {
  const readyAt = new Map<string, number>();
  const installing = new Set<string>();
  let peak = 0;
  let failure: Error | undefined;
  const waiters = new Set<() => void>();
  const watch = await follow(
    config,
    `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
    (type, object: Obj) => {
      const name = object.metadata?.name as string;
      const phase = evaluateRelease(object as never).phase;
      if (type === 'DELETED' || phase === 'Succeeded' || phase === 'Failed') installing.delete(name);
      else if (!readyAt.has(name)) installing.add(name);
      peak = Math.max(peak, installing.size);
      if (phase === 'Succeeded' && !readyAt.has(name)) readyAt.set(name, performance.now());
      if (phase === 'Failed') failure ??= new Error(`HelmRelease ${namespace}/${name} failed`);
      for (const wake of waiters) wake();
    },
  );
  return {
    allReady: (names) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (failure) {
            waiters.delete(check);
            reject(failure);
          } else if (names.every((n) => readyAt.has(n))) {
            waiters.delete(check);
            resolve(Math.max(...names.map((n) => readyAt.get(n) as number)));
          }
        };
        waiters.add(check);
        check();
      }),
    peakInstalling: () => peak,
    stop: watch.stop,
  };
}
