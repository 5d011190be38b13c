// A work queue of keys (namespace/name) as client-go's workqueue keeps them: a key waits at most
// once; a key is never processed twice at the same time — added again while it runs, it runs once
// more afterwards; at most `concurrency` keys run at once; a key whose processing fails comes back
// after an exponential backoff (reset by its next success); processing may ask to come back later.

export interface WorkQueueOptions {
  concurrency: number;
  /** The first retry after a failure waits this long, each further one twice as long … */
  baseDelayMs: number;
  /** … up to this. */
  maxDelayMs: number;
  /** Told about each failure, with the delay before the retry. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
}

/** What processing a key asks for: nothing, or to be processed again after a while. */
export type Processed = undefined | { requeueAfterMs: number };

export class WorkQueue {
  readonly #process: (key: string) => Promise<Processed>;
  readonly #options: WorkQueueOptions;
  readonly #waiting = new Set<string>();
  readonly #running = new Set<string>();
  /** Added again while running: run once more when done. */
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  readonly #idle: Array<() => void> = [];
  #stopped = false;

  constructor(process: (key: string) => Promise<Processed>, options: WorkQueueOptions) {
    this.#process = process;
    this.#options = options;
  }

  /** Process `key` soon. */
  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#waiting.add(key);
    this.#pump();
  }

  /** Process `key` in `ms` (an earlier pending time wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const at = Date.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.#timers.set(key, { at, timer });
  }

  /** Keys waiting or running, and timers pending. */
  get size(): { waiting: number; running: number; delayed: number } {
    return { waiting: this.#waiting.size, running: this.#running.size, delayed: this.#timers.size };
  }

  /** Stops taking work; resolves once what runs has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.clear();
    if (this.#running.size > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#options.concurrency) {
      const key = this.#waiting.values().next().value;
      if (key === undefined) return;
      this.#waiting.delete(key);
      this.#running.add(key);
      void this.#run(key);
    }
  }

  async #run(key: string): Promise<void> {
    try {
      const processed = await this.#process(key);
      this.#failures.delete(key);
      if (processed) this.addAfter(key, processed.requeueAfterMs);
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (failures - 1));
      this.#options.onError?.(key, error, delay);
      this.addAfter(key, delay);
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#running.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      this.#pump();
    }
  }
}
