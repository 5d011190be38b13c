import { describe, expect, it } from 'vitest';
import { matchesSelector, parseSelector, type Requirement } from './label-selector.ts';

const requirements = (selector: string) => parseSelector(selector) as Requirement[];

describe('label selectors', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['', { a: 'x' }, true],
    ['shard=one', { shard: 'one' }, true],
    ['shard==one', { shard: 'one' }, true],
    ['shard=one', { shard: 'two' }, false],
    ['shard!=one', { shard: 'two' }, true],
    ['shard!=one', undefined, true],
    ['shard', { shard: '' }, true],
    ['!orkestra.test/controller', { app: 'x' }, true],
    ['!orkestra.test/controller', { 'orkestra.test/controller': 'c1' }, false],
    ['team=a, env!=prod', { team: 'a', env: 'dev' }, true],
    ['team=a,env!=prod', { team: 'a', env: 'prod' }, false],
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(matchesSelector(labels, requirements(selector))).toBe(expected);
  });

  it.each(['env in (a,b)', '!a=b', '=x', 'a b'])('refuses %j, naming it', (selector) => {
    expect(parseSelector(selector)).toMatchObject({
      problem: expect.stringContaining('is not an equality-based label requirement'),
    });
  });
});
