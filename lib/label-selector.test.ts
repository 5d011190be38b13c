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
    ['! canary', {}, true],
    ['shard=', { shard: '' }, true],
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(matchesSelector(labels, requirements(selector))).toBe(expected);
  });

  it.each(['env in (a,b)', '!a=b', '=x', 'a b'])('refuses %j, naming it', (selector) => {
    expect(parseSelector(selector)).toMatchObject({
      problem: expect.stringContaining('is not an equality-based label requirement'),
    });
  });

  // What the API server would refuse (400) on the informer's list, so the controller would never be ready.
  it.each([
    ['a=b=c', '"b=c" is not a label value'],
    ['a=-x', '"-x" is not a label value'],
    [`a=${'v'.repeat(64)}`, 'is not a label value'],
    [`${'k'.repeat(64)}=v`, 'is not a label key'],
    ['Example.com/a=b', '"Example.com/a" is not a label key'],
    ['a..b/c=d', '"a..b/c" is not a label key'],
  ])('refuses %j: %s', (selector, problem) => {
    expect(parseSelector(selector)).toMatchObject({ problem: expect.stringContaining(problem) });
  });
});
