import { describe, expect, it } from 'vitest';
import { isDnsLabel, toDnsLabel, uniqueName } from './names.ts';

describe('toDnsLabel', () => {
  it.each<[string, string | string[], number | undefined, (label: string) => void]>([
    ['keeps a valid label', 'bookinfo', undefined, (l) => expect(l).toBe('bookinfo')],
    ['joins parts with -', ['bookinfo', 'reviews'], undefined, (l) => expect(l).toBe('bookinfo-reviews')],
    [
      'lower-cases and hashes a changed name',
      'Web_App',
      undefined,
      (l) => expect(l).toMatch(/^web-app-[0-9a-f]{8}$/),
    ],
    [
      'truncates to 63 with a hash',
      'a'.repeat(80),
      undefined,
      (l) => expect(l).toMatch(/^a{54}-[0-9a-f]{8}$/),
    ],
    ['truncates to a given length', ['x'.repeat(40), 'y'.repeat(20)], 53, (l) => expect(l.length).toBe(53)],
  ])('%s', (_name, input, max, check) => {
    const label = toDnsLabel(input, max);
    check(label);
    expect(isDnsLabel(label)).toBe(true);
  });

  it('keeps names apart that sanitise alike', () => {
    expect(toDnsLabel('Web')).not.toBe(toDnsLabel('web'));
  });

  it('refuses a name with nothing to keep', () => {
    expect(() => toDnsLabel('--')).toThrow('"--" cannot become a DNS-1123 label');
  });
});

describe('uniqueName', () => {
  it('numbers a taken name', () => {
    expect(uniqueName('stage', new Set(['stage', 'stage-2']))).toBe('stage-3');
  });
});
