import { describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '../../lib/api/application-group.ts';
import { progressLines, type Seen } from './progress.ts';

const app = (name: string, phase: ApplicationStatus['phase'], extra: Partial<ApplicationStatus> = {}) => ({
  name,
  phase,
  ...extra,
});

describe('progressLines', () => {
  it('prints each application once per change: waiting → running → Ready with its chart version and duration', () => {
    let seen: Seen = new Map();
    const steps: Array<[number, ApplicationStatus[]]> = [
      [0, [app('database', 'Pending'), app('api', 'Pending')]],
      [0.4, [app('database', 'Progressing'), app('api', 'Pending')]],
      [1.0, [app('database', 'Progressing'), app('api', 'Pending')]],
      [2.1, [app('database', 'Succeeded', { version: '1.0.0' }), app('api', 'Progressing')]],
      [
        3.5,
        [
          app('database', 'Succeeded', { version: '1.0.0' }),
          app('api', 'Failed', { message: 'InvalidChartReference: no version 9.9.9' }),
        ],
      ],
    ];
    const printed: string[] = [];
    for (const [seconds, apps] of steps) {
      const result = progressLines(seen, apps, seconds);
      printed.push(...result.lines);
      seen = result.seen;
    }
    expect(printed).toEqual([
      '   0.0s  database  waiting',
      '   0.0s  api       waiting',
      '   0.4s  database  running',
      '   2.1s  database  Ready  chart 1.0.0 in 1.7s',
      '   2.1s  api       running',
      '   3.5s  api       failed in 1.4s: InvalidChartReference: no version 9.9.9',
    ]);
  });

  it('an application already Ready when first seen says so, without a duration', () => {
    expect(progressLines(new Map(), [app('database', 'Succeeded', { version: '1.0.0' })], 5).lines).toEqual([
      '   5.0s  database  Ready  chart 1.0.0',
    ]);
  });
});
