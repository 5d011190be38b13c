import { describe, expect, it } from 'vitest';
import { CHAIN, chainRatios, chartSvg, type Figure, TO_READY, table, VARIANTS } from './report.ts';
import { chainShape, fanShape } from './rollouts.ts';
import { layeredShape } from './scale.ts';

const chain = (variant: string, ...runs: number[]): Figure => ({
  scenario: CHAIN,
  variant,
  metric: TO_READY,
  unit: 's',
  runs,
});

describe('chainRatios', () => {
  const figures = [
    chain(VARIANTS.plugin, 20, 19, 30),
    chain(VARIANTS.floor, 10, 12, 11),
    chain(VARIANTS.flux5s, 40),
    chain(VARIANTS.fluxDefault, 210),
  ];

  it.each<[string, string, number, boolean | undefined]>([
    [
      'Flux at its default over Orkestra, medians (210 ÷ 20): goal ≥ 10 met',
      `${VARIANTS.fluxDefault} ÷ ${VARIANTS.plugin}`,
      10.5,
      true,
    ],
    ['Flux at 5 s over Orkestra: no goal', `${VARIANTS.flux5s} ÷ ${VARIANTS.plugin}`, 2, undefined],
    [
      'per-edge overhead: (20 − 11) ÷ 9 edges',
      `${VARIANTS.plugin}: per-edge overhead, (it − floor) ÷ 9 (s)`,
      1,
      undefined,
    ],
    [
      'overhead over floor per release: 1 ÷ 1.1, goal ≤ 1.2 met',
      `${VARIANTS.plugin}: per-edge overhead ÷ floor per release (floor ÷ 10 = 1.10 s)`,
      1 / 1.1,
      true,
    ],
  ])('%s', (_sentence, name, value, met) => {
    const ratio = chainRatios(figures, VARIANTS.plugin).find((r) => r.name === name);
    expect(ratio?.value).toBeCloseTo(value, 6);
    expect(ratio?.goal?.met).toBe(met);
  });

  it('without an Orkestra figure there is nothing to compare', () => {
    expect(chainRatios([chain(VARIANTS.floor, 10)], VARIANTS.plugin)).toEqual([]);
  });

  it('a slow Orkestra misses both goals', () => {
    const slow = chainRatios(
      [chain(VARIANTS.plugin, 72), chain(VARIANTS.floor, 12), chain(VARIANTS.fluxDefault, 212)],
      VARIANTS.plugin,
    );
    expect(slow.filter((r) => r.goal).map((r) => r.goal?.met)).toEqual([false, false]);
  });
});

describe('table', () => {
  it('shows the median, every run (or min and max past five), and the ratios with their goals', () => {
    const text = table(
      [chain(VARIANTS.plugin, 20, 19, 30), { ...chain('x', 1, 2, 3, 4, 5, 6), unit: 'ms', metric: 'm' }],
      [{ name: 'r', value: 10.5, goal: { text: '≥ 10', met: true } }],
    );
    expect(text).toContain('20.0 s');
    expect(text).toContain('20.0 19.0 30.0');
    expect(text).toContain('6 runs, min 1, max 6');
    expect(text).toContain('r: 10.50  (goal ≥ 10: met)');
  });
});

describe('chartSvg', () => {
  it('draws one bar per timed rollout, the longest full width, and escapes text', () => {
    const svg = chartSvg([chain(VARIANTS.plugin, 20), chain('a < b', 40)], 'T & co');
    expect(svg.match(/<rect x="300"/g)).toHaveLength(2);
    expect(svg).toContain('width="370.0"');
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('T &amp; co');
    // Titled, for screen readers (and linters).
    expect(svg).toContain('<title>T &amp; co</title>');
  });
});

describe('shapes', () => {
  it('a chain: each release after the one before', () => {
    expect(chainShape(3).releases).toEqual([
      { name: 'r0', dependencies: [] },
      { name: 'r1', dependencies: ['r0'] },
      { name: 'r2', dependencies: ['r1'] },
    ]);
  });

  it('a fan: one, then the middle on it, then one on the whole middle', () => {
    const { releases } = fanShape(3);
    expect(releases.at(-1)).toEqual({ name: 'last', dependencies: ['m0', 'm1', 'm2'] });
    expect(releases.slice(1, 4).every((r) => r.dependencies?.[0] === 'first')).toBe(true);
  });

  it('layers: 100 applications are ten layers of ten, each on its place in the layer before', () => {
    const { releases } = layeredShape(100);
    expect(releases[9]?.dependencies).toEqual([]);
    expect(releases[10]?.dependencies).toEqual(['app-0']);
    expect(releases[99]?.dependencies).toEqual(['app-89']);
  });
});
