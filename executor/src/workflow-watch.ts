// One watch per Workflow for every wait in this process: the plugin may run hundreds of waits on one
// (large) Workflow, and each Workflow update would otherwise reach every one of them over the wire.
import type { KubeConfig } from '@kubernetes/client-node';
import { ARGO_GROUP, ARGO_VERSION, type Workflow } from '../../lib/api/argo.ts';
import type { Logger } from '../../lib/log.ts';
import { TerminatedError, TimedOutError } from './errors.ts';
import { customObjectFeed } from './helm-release-feed.ts';
import { watchUntil } from './watch-until.ts';

interface Subscriber {
  /** Settles the caller when `decide` answers for the Workflow as it is now (undefined: absent). */
  observe: (workflow: Workflow | undefined) => void;
  fail: (error: unknown) => void;
}

interface SharedWatch {
  subscribers: Set<Subscriber>;
  /** The Workflow as last seen; `seen` false until the first read. */
  latest?: Workflow;
  seen: boolean;
  stop: AbortController;
}

const watches = new Map<string, SharedWatch>();

/** The shared watch's own deadline: as far as a Node timer reaches (about 23 days). */
const WATCH_HORIZON_MS = 2_000_000_000;

export interface WatchOptions {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
  describe: string;
}

/**
 * Resolves with the first answer `decide` gives for Workflow namespace/name (undefined when it is
 * absent), from a list-then-watch shared with every other caller for the same Workflow.
 */
export function untilWorkflow<R>(
  kube: KubeConfig,
  namespace: string,
  name: string,
  decide: (workflow: Workflow | undefined) => R | undefined,
  { deadline, signal, log, describe }: WatchOptions,
): Promise<R> {
  const key = `${kube.getCurrentCluster()?.server ?? ''} ${namespace}/${name}`;
  return new Promise<R>((resolve, reject) => {
    let shared = watches.get(key);
    const leave = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!shared) return;
      shared.subscribers.delete(subscriber);
      if (shared.subscribers.size === 0 && watches.get(key) === shared) {
        watches.delete(key);
        shared.stop.abort();
      }
    };
    const subscriber: Subscriber = {
      observe: (workflow) => {
        const answer = decide(workflow);
        if (answer === undefined) return;
        leave();
        resolve(answer);
      },
      fail: (error) => {
        leave();
        reject(error);
      },
    };
    const timer = setTimeout(
      () => {
        leave();
        reject(new TimedOutError(`Timed out waiting for ${describe}`));
      },
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = () => {
      leave();
      reject(new TerminatedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();

    if (shared) {
      shared.subscribers.add(subscriber);
      if (shared.seen) subscriber.observe(shared.latest);
      return;
    }
    const created: SharedWatch = {
      subscribers: new Set([subscriber]),
      seen: false,
      stop: new AbortController(),
    };
    shared = created;
    watches.set(key, created);
    watchUntil(
      customObjectFeed<Workflow>(
        kube,
        { group: ARGO_GROUP, version: ARGO_VERSION, plural: 'workflows' },
        namespace,
        name,
        `Workflow ${namespace}/${name}`,
      ),
      (workflow) => {
        created.latest = workflow;
        created.seen = true;
        for (const each of [...created.subscribers]) each.observe(workflow);
        return created.subscribers.size === 0 ? true : undefined;
      },
      // Each subscriber keeps its own deadline; the watch lasts while one is left.
      { deadline: Date.now() + WATCH_HORIZON_MS, signal: created.stop.signal, log },
    ).catch((error: unknown) => {
      if (created.stop.signal.aborted) return;
      if (watches.get(key) === created) watches.delete(key);
      for (const each of [...created.subscribers]) each.fail(error);
    });
  });
}
