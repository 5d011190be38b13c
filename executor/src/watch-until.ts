// Watches one object until `decide` has an answer: list once, then follow the watch from that
// resourceVersion; on 410 Gone, a dropped connection or a transient error, list again (with backoff)
// and resume. No fixed-interval polling.
import type { Logger } from '../../lib/log.ts';
import { TerminatedError, TimedOutError } from './errors.ts';
import { retryTransient } from './kube-errors.ts';

export interface Snapshot<T> {
  object?: T;
  resourceVersion: string;
}

/** One-function dependencies: how to read the object, and how to watch it from a resourceVersion. */
export interface ObjectFeed<T> {
  describe: string;
  read: () => Promise<Snapshot<T>>;
  watch: (
    resourceVersion: string,
    onEvent: (type: string, object: unknown) => void,
    onEnd: (error?: unknown) => void,
  ) => Promise<{ stop: () => void }>;
}

export interface WaitOptions {
  deadline: number;
  signal: AbortSignal;
  log: Logger;
  /** Describes the last state seen, for the timeout message. */
  onTimeout?: () => TimedOutError;
}

/** Resolves with the first answer `decide` gives (for the object, or undefined when it is absent). */
export async function watchUntil<T, R>(
  feed: ObjectFeed<T>,
  decide: (object: T | undefined) => R | undefined,
  { deadline, signal, log, onTimeout }: WaitOptions,
): Promise<R> {
  const timedOut = () => onTimeout?.() ?? new TimedOutError(`Timed out waiting for ${feed.describe}`);
  for (;;) {
    if (signal.aborted) throw new TerminatedError();
    if (Date.now() >= deadline) throw timedOut();
    const snapshot = await retryTransient(`Reading ${feed.describe}`, feed.read, { deadline, signal, log });
    const answer = decide(snapshot.object);
    if (answer !== undefined) return answer;

    // Follow changes until an answer, the end of the watch (then list again), the deadline or SIGTERM.
    const outcome = await new Promise<{
      answer?: R;
      relist?: boolean;
      error?: unknown;
      stop?: 'timeout' | 'signal';
    }>((resolve) => {
      let handle: { stop: () => void } | undefined;
      const finish = (result: {
        answer?: R;
        relist?: boolean;
        error?: unknown;
        stop?: 'timeout' | 'signal';
      }) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        handle?.stop();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ stop: 'timeout' }), Math.max(0, deadline - Date.now()));
      const onAbort = () => finish({ stop: 'signal' });
      signal.addEventListener('abort', onAbort, { once: true });
      feed
        .watch(
          snapshot.resourceVersion,
          (type, object) => {
            if (type === 'ERROR') {
              finish({ relist: true, error: object });
              return;
            }
            const next = decide(type === 'DELETED' ? undefined : (object as T));
            if (next !== undefined) finish({ answer: next });
          },
          (error) => finish({ relist: true, error }),
        )
        .then(
          (h) => {
            handle = h;
          },
          (error: unknown) => finish({ relist: true, error }),
        );
    });
    if (outcome.answer !== undefined) return outcome.answer;
    if (outcome.stop === 'signal') throw new TerminatedError();
    if (outcome.stop === 'timeout') throw timedOut();
    if (outcome.error) {
      log.info(`Watch of ${feed.describe} ended; listing again`, {
        error: String((outcome.error as Error)?.message ?? JSON.stringify(outcome.error)),
      });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
