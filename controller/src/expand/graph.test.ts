import { describe, expect, it } from 'vitest';
import { depthFirstOrder, findCycles, sinks, topologicalOrder } from './graph.ts';

const nodes = (spec: Record<string, string[]>) =>
  Object.entries(spec).map(([name, dependencies]) => ({ name, dependencies }));

describe('findCycles', () => {
  it.each<[string, Record<string, string[]>, string[][]]>([
    ['no cycle in a chain', { a: [], b: ['a'], c: ['b'] }, []],
    ['a self-dependency', { a: ['a'] }, [['a', 'a']]],
    [
      'a three-node cycle, from the first listed node',
      { a: ['b'], b: ['c'], c: ['a'] },
      [['a', 'b', 'c', 'a']],
    ],
    ['the shortest cycle through the start', { a: ['b', 'c'], b: ['c'], c: ['a'] }, [['a', 'c', 'a']]],
    ['unknown dependencies are ignored', { a: ['ghost'] }, []],
  ])('%s', (_name, spec, expected) => {
    expect(findCycles(nodes(spec))).toEqual(expected);
  });

  it('handles a 10,000-node chain without overflowing the stack', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => ({
      name: `n${i}`,
      dependencies: i ? [`n${i - 1}`] : [],
    }));
    expect(findCycles(chain)).toEqual([]);
  });
});

describe('topologicalOrder', () => {
  it('puts dependencies first and keeps the listed order among ready nodes', () => {
    expect(
      topologicalOrder(
        nodes({ productpage: ['reviews'], reviews: ['details', 'ratings'], ratings: [], details: [] }),
      ),
    ).toEqual(['ratings', 'details', 'reviews', 'productpage']);
  });
});

describe('sinks', () => {
  it('are the nodes nothing depends on', () => {
    expect(sinks(nodes({ a: [], b: ['a'], c: ['a'] }))).toEqual(['b', 'c']);
  });
});

describe('depthFirstOrder', () => {
  it.each<[string, Record<string, string[]>, string[]]>([
    ['a chain: dependencies first', { c: ['b'], b: ['a'], a: [] }, ['a', 'b', 'c']],
    [
      'two chains listed layer by layer come out chain by chain',
      { a1: [], b1: [], a2: ['a1'], b2: ['b1'] },
      ['a1', 'a2', 'b1', 'b2'],
    ],
    [
      'a shared dependency is placed once, before its first dependent',
      { r: [], x: ['r'], y: ['r'] },
      ['r', 'x', 'y'],
    ],
    ['a diamond', { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }, ['a', 'b', 'c', 'd']],
  ])('%s', (_, spec, order) => {
    expect(depthFirstOrder(nodes(spec))).toEqual(order);
  });
});
