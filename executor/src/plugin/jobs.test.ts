import { describe, expect, it } from 'vitest';
import type { Outcome } from '../context.ts';
import { Jobs } from './jobs.ts';
import type { Task } from './protocol.ts';

const workflow = { name: 'w', namespace: 'n', uid: 'u' };
const task = (key: string): Task => ({ workflow, args: ['apply', key], key });
const done = (key: string): Outcome => ({ action: 'apply', phase: 'Succeeded', reason: 'R', message: key });

/** Steps that finish when the test says so; records which started. */
function controlledSteps(parallelism?: number) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const jobs = new Jobs({
    run: (t) =>
      new Promise<Outcome>((resolve) => {
        started.push(t.key);
        finishers.set(t.key, () => resolve(done(t.key)));
      }),
    parallelism: async () => parallelism,
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { jobs, started, finish: (key: string) => finishers.get(key)?.(), settle };
}

describe('Jobs', () => {
  it('the first ask starts the step and answers at once, without waiting', async () => {
    const { jobs, started, settle } = controlledSteps();
    expect(await jobs.ask(task('a'), 60_000)).toBeUndefined();
    await settle();
    expect(started).toEqual(['a']);
  });

  it('a later ask waits for the outcome and gets it as soon as the step ends', async () => {
    const { jobs, finish, settle } = controlledSteps();
    await jobs.ask(task('a'), 0);
    await settle();
    const answer = jobs.ask(task('a'), 60_000);
    finish('a');
    expect(await answer).toEqual(done('a'));
  });

  it('a later ask that outwaits its hold answers undefined (Running), and the step goes on', async () => {
    const { jobs, finish, settle } = controlledSteps();
    await jobs.ask(task('a'), 0);
    await settle();
    expect(await jobs.ask(task('a'), 5)).toBeUndefined();
    finish('a');
    expect(await jobs.ask(task('a'), 60_000)).toEqual(done('a'));
  });

  it('an outcome is told once: asking again with the same args runs the step again (a retry)', async () => {
    const { jobs, started, finish, settle } = controlledSteps();
    await jobs.ask(task('a'), 0);
    await settle();
    finish('a');
    await jobs.ask(task('a'), 60_000);
    expect(await jobs.ask(task('a'), 0)).toBeUndefined();
    await settle();
    expect(started).toEqual(['a', 'a']);
    expect(jobs.size).toBe(1);
  });

  it('with spec.parallelism 2, a third step starts only when one of the first two ends', async () => {
    const { jobs, started, finish, settle } = controlledSteps(2);
    for (const key of ['a', 'b', 'c']) await jobs.ask(task(key), 0);
    await settle();
    expect(started).toEqual(['a', 'b']);
    finish('b');
    await settle();
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('waits do not count against spec.parallelism: with 1 slot, two waits and an install all start', async () => {
    const { jobs, started, settle } = controlledSteps(1);
    const wait = (key: string): Task => ({ workflow, args: ['wait', key], key });
    for (const t of [wait('w1'), wait('w2'), task('a'), task('b')]) await jobs.ask(t, 0);
    await settle();
    expect(started).toEqual(['w1', 'w2', 'a']);
  });

  it('counts the asks it holds while they wait for an outcome', async () => {
    const { jobs, finish, settle } = controlledSteps();
    await jobs.ask(task('a'), 0);
    await settle();
    const answer = jobs.ask(task('a'), 60_000);
    expect(jobs.held).toBe(1);
    finish('a');
    await answer;
    expect(jobs.held).toBe(0);
  });
});
