import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Processed, WorkQueue } from './work-queue.ts';

/** A processor whose calls finish when the test says so, recording what ran when. */
function controllable() {
  const log: string[] = [];
  const pending = new Map<string, Array<{ resolve: (p: Processed) => void; reject: (e: unknown) => void }>>();
  const process = (key: string) => {
    log.push(`start ${key}`);
    return new Promise<Processed>((resolve, reject) => {
      const list = pending.get(key) ?? [];
      list.push({
        resolve: (p) => {
          log.push(`done ${key}`);
          resolve(p);
        },
        reject: (e) => {
          log.push(`failed ${key}`);
          reject(e);
        },
      });
      pending.set(key, list);
    });
  };
  const finish = async (key: string, how: Processed | Error = undefined) => {
    const call = pending.get(key)?.shift();
    if (!call) throw new Error(`${key} is not running`);
    if (how instanceof Error) call.reject(how);
    else call.resolve(how);
    await vi.advanceTimersByTimeAsync(0);
  };
  return { log, process, finish };
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = { concurrency: 2, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('runs a key added twice while waiting once', async () => {
    const { log, process, finish } = controllable();
    const queue = new WorkQueue(process, { ...options, concurrency: 1 });
    queue.add('a');
    queue.add('b');
    queue.add('b');
    await finish('a');
    await finish('b');
    expect(log).toEqual(['start a', 'done a', 'start b', 'done b']);
  });

  it('never runs a key twice at once: added while running, it runs once more afterwards', async () => {
    const { log, process, finish } = controllable();
    const queue = new WorkQueue(process, options);
    queue.add('a');
    queue.add('a');
    queue.add('a');
    expect(log).toEqual(['start a']);
    await finish('a');
    expect(log).toEqual(['start a', 'done a', 'start a']);
    await finish('a');
    expect(queue.size).toEqual({ waiting: 0, running: 0, delayed: 0 });
  });

  it('runs at most `concurrency` keys at once', async () => {
    const { log, process, finish } = controllable();
    const queue = new WorkQueue(process, options);
    for (const key of ['a', 'b', 'c']) queue.add(key);
    expect(log).toEqual(['start a', 'start b']);
    await finish('b');
    expect(log).toEqual(['start a', 'start b', 'done b', 'start c']);
  });

  it('retries a failed key after a backoff that doubles, up to the maximum, and resets on success', async () => {
    const { log, process, finish } = controllable();
    const errors: number[] = [];
    const queue = new WorkQueue(process, { ...options, onError: (_k, _e, delay) => errors.push(delay) });
    queue.add('a');
    for (let i = 0; i < 5; i++) {
      await finish('a', new Error('conflict'));
      const delay = errors.at(-1) as number;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(log.at(-1)).toBe('failed a');
      await vi.advanceTimersByTimeAsync(1);
      expect(log.at(-1)).toBe('start a');
    }
    expect(errors).toEqual([100, 200, 400, 800, 1_000]);
    await finish('a');
    queue.add('a');
    await finish('a', new Error('again'));
    expect(errors.at(-1)).toBe(100);
  });

  it('comes back when processing asks to, and the earlier of two times wins', async () => {
    const { log, process, finish } = controllable();
    const queue = new WorkQueue(process, options);
    queue.add('a');
    await finish('a', { requeueAfterMs: 5_000 });
    queue.addAfter('a', 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log).toEqual(['start a', 'done a', 'start a']);
    await finish('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log.filter((l) => l === 'start a')).toHaveLength(2);
  });

  it('stops: nothing new starts, and stop resolves when what runs has finished', async () => {
    const { log, process, finish } = controllable();
    const queue = new WorkQueue(process, { ...options, concurrency: 1 });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 10);
    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(20);
    expect(stopped).toBe(false);
    await finish('a');
    await stopping;
    expect(log).toEqual(['start a', 'done a']);
  });
});
