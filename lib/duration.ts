const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
const SECONDS_PER_UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function isDuration(value: string): boolean {
  return DURATION.test(value);
}

/** Seconds in a Go duration string such as `1h30m` or `90s`; NaN when it is not one. */
export function durationSeconds(duration: string): number {
  if (!isDuration(duration)) return Number.NaN;
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(DURATION_PART)) {
    total += Number(amount) * (SECONDS_PER_UNIT[unit as string] ?? 0);
  }
  return total;
}
