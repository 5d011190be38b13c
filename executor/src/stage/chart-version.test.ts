import { describe, expect, it } from 'vitest';
import { pickVersion } from './chart-version.ts';

const published = ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1', 'v1', 'latest'];

describe('pickVersion', () => {
  it.each<[string, string, string | undefined]>([
    ['no version → the highest stable one (not 1.2.0, not the release candidate)', '', '1.10.0'],
    ['a version written as published → that one', '1.2.0', '1.2.0'],
    ['a version that is not semver, written as published → that one', 'v1', 'v1'],
    ['a range → the highest it accepts', '~1.2', '1.2.0'],
    ['a range that asks for pre-releases → one', '>=2.0.0-0', '2.0.0-rc.1'],
    ['a version nobody published → none', '3.0.0', undefined],
    ['text that is neither published nor a range → none', 'stable', undefined],
  ])('%s', (_, wanted, expected) => {
    expect(pickVersion(published, wanted)).toBe(expected);
  });
});
