// PURE: the benchmark's figures as a table, the ratios between figures of the same run, and an SVG
// bar chart of the rollouts.
import { median } from './timing.ts';

export interface Figure {
  /** What was rolled out or measured, e.g. `chain of 10`. */
  scenario: string;
  /** How, e.g. `Orkestra` or `Flux dependsOn (default 30 s)`. */
  variant: string;
  /** What the numbers are, e.g. `apply → all Ready`. */
  metric: string;
  unit: 's' | 'ms' | 'MiB' | 'KiB' | 'count';
  /** One value per run. */
  runs: number[];
}

export interface Ratio {
  name: string;
  value: number;
  /** What it should be, e.g. `≥ 10`; met tells whether it is. */
  goal?: { text: string; met: boolean };
}

export const CHAIN = 'chain of 10';
export const VARIANTS = {
  plugin: 'Orkestra, executor plugin',
  pod: 'Orkestra, pod per step',
  pluginArgoDefaults: 'Orkestra, executor plugin, Argo at its defaults',
  podArgoDefaults: 'Orkestra, pod per step, Argo at its defaults',
  fluxDefault: 'Flux dependsOn, default (30 s)',
  flux5s: 'Flux dependsOn, --requeue-dependency=5s',
  floor: 'floor: applied one by one, watched',
} as const;
export const TO_READY = 'apply → all Ready';

export const value = (f: Figure) => median(f.runs);

const find = (figures: Figure[], scenario: string, variant: string, metric = TO_READY) =>
  figures.find((f) => f.scenario === scenario && f.variant === variant && f.metric === metric);

/** Issue 22's goal: each edge costs at most 1.2 times what a release itself takes in the floor. */
const EDGE_GOAL = 1.2;

/**
 * The ratios asked for, from the chain figures of this run (those it has), for one Orkestra
 * variant: Flux `dependsOn` over it, and its per-edge overhead over the floor's time per release.
 */
export function chainRatios(figures: Figure[], orkestraVariant: string, edges = 9): Ratio[] {
  const of = (variant: string) => {
    const f = find(figures, CHAIN, variant);
    return f ? value(f) : undefined;
  };
  const orkestra = of(orkestraVariant);
  const floor = of(VARIANTS.floor);
  const ratios: Ratio[] = [];
  if (orkestra === undefined) return ratios;
  for (const [variant, goal] of [
    [VARIANTS.fluxDefault, 10],
    [VARIANTS.flux5s, undefined],
  ] as const) {
    const flux = of(variant);
    if (flux === undefined) continue;
    const ratio = flux / orkestra;
    ratios.push({
      name: `${variant} ÷ ${orkestraVariant}`,
      value: ratio,
      ...(goal ? { goal: { text: `≥ ${goal}`, met: ratio >= goal } } : {}),
    });
  }
  if (floor !== undefined) {
    const overhead = (orkestra - floor) / edges;
    const perRelease = floor / (edges + 1);
    ratios.push(
      { name: `${orkestraVariant}: per-edge overhead, (it − floor) ÷ ${edges} (s)`, value: overhead },
      {
        name: `${orkestraVariant}: per-edge overhead ÷ floor per release (floor ÷ ${edges + 1} = ${perRelease.toFixed(2)} s)`,
        value: overhead / perRelease,
        goal: { text: `≤ ${EDGE_GOAL}`, met: overhead / perRelease <= EDGE_GOAL },
      },
    );
  }
  return ratios;
}

const shown = (n: number, unit: Figure['unit']) =>
  unit === 'count' ? String(Math.round(n)) : unit === 'ms' ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1);

/** A plain-text table: one row per figure (median, then every run), then the ratios. */
export function table(figures: Figure[], ratios: Ratio[]): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.variant,
    f.metric,
    `${shown(value(f), f.unit)} ${f.unit}`,
    f.runs.length <= 5
      ? f.runs.map((r) => shown(r, f.unit)).join(' ')
      : `${f.runs.length} runs, min ${shown(Math.min(...f.runs), f.unit)}, max ${shown(Math.max(...f.runs), f.unit)}`,
  ]);
  const header = ['scenario', 'variant', 'metric', 'median', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (ratios.length > 0) {
    out.push('', 'Ratios (same run):');
    for (const r of ratios) {
      const goal = r.goal ? `  (goal ${r.goal.text}: ${r.goal.met ? 'met' : 'missed'})` : '';
      out.push(`  ${r.name}: ${r.value.toFixed(2)}${goal}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Horizontal bars, one panel per scenario, of the figures in seconds whose metric is `apply → all
 * Ready`: each bar's length is its median, scaled within its panel.
 */
export function chartSvg(figures: Figure[], title: string): string {
  const timed = figures.filter((f) => f.unit === 's' && f.metric === TO_READY);
  const scenarios = [...new Set(timed.map((f) => f.scenario))];
  const width = 760;
  const labelWidth = 300;
  const barMax = width - labelWidth - 90;
  const rowHeight = 22;
  let y = 40;
  const parts: string[] = [
    `<text x="10" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const scenario of scenarios) {
    const rows = timed.filter((f) => f.scenario === scenario);
    const max = Math.max(...rows.map(value));
    parts.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escapeXml(scenario)}</text>`);
    y += rowHeight;
    for (const f of rows) {
      const length = max > 0 ? Math.max(1, (value(f) / max) * barMax) : 1;
      parts.push(
        `<text x="20" y="${y + 14}" font-size="12">${escapeXml(f.variant)}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="14" fill="#4c78a8"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 14}" font-size="12">${shown(value(f), 's')} s</text>`,
      );
      y += rowHeight;
    }
    y += 8;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">\n<title>${escapeXml(title)}</title>\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
