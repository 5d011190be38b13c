import { describe, expect, it } from 'vitest';
import { allInOrder } from './all-in-order.ts';

const resolveAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failAfter = (ms: number, message: string) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms));

describe('allInOrder', () => {
  it('gives every value in the order of the list, whatever order they came in', async () => {
    expect(
      await allInOrder([resolveAfter(20, 'a'), resolveAfter(0, 2), Promise.resolve(true)] as const),
    ).toEqual(['a', 2, true]);
  });

  it('throws the first failure of the list, even when a later one failed sooner', async () => {
    await expect(allInOrder([failAfter(20, 'policy'), failAfter(0, 'conflict')])).rejects.toThrow('policy');
  });

  it('waits for every promise before throwing, so nothing is left running unobserved', async () => {
    let slowDone = false;
    const slow = resolveAfter(30, 'slow').then((v) => {
      slowDone = true;
      return v;
    });
    await expect(allInOrder([failAfter(0, 'early'), slow])).rejects.toThrow('early');
    expect(slowDone).toBe(true);
  });

  it('gives an empty list for no promises', async () => {
    expect(await allInOrder([])).toEqual([]);
  });
});
