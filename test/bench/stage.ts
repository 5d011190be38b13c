// How long `orkestra-executor stage` takes for the bookinfo fixture parent (4 subcharts): the
// bundle run as a step runs it, from process start to exit, against the fixture chart repository
// and a real distribution registry on 127.0.0.1. Five runs each to a new staging path (everything
// pushed) and five again to the same path (nothing pushed).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startChartRepository } from '../cluster/chart-repo.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { startRegistry } from '../cluster/registry.ts';
import { median } from './timing.ts';

const RUNS = 5;
const charts = await startChartRepository();
const registry = await startRegistry();
try {
  // Not spawnSync: the chart repository answers from this very process.
  const stage = async (staging: string) => {
    const started = performance.now();
    await promisify(execFile)(
      process.execPath,
      [
        join(REPO_ROOT, 'dist/orkestra-executor.js'),
        'stage',
        '--chart-url',
        charts.url,
        '--chart-name',
        'bookinfo',
        '--chart-version',
        '1.0.0',
        '--subcharts',
        'productpage,reviews,ratings,details',
        '--staging-url',
        staging,
        '--staging-plain-http',
        'true',
        '--result-file',
        '/dev/null',
      ],
      { encoding: 'utf8' },
    );
    return performance.now() - started;
  };
  const report = (label: string, times: number[]) =>
    process.stdout.write(
      `${label}: median ${Math.round(median(times))} ms (min ${Math.round(Math.min(...times))}, max ${Math.round(Math.max(...times))}) over ${times.length} runs\n`,
    );
  const fresh: number[] = [];
  const again: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const staging = `${registry.url}/bench${i}`;
    fresh.push(await stage(staging));
    again.push(await stage(staging));
    process.stdout.write(
      `run ${i}: all pushed ${Math.round(fresh.at(-1) as number)} ms, staged again ${Math.round(again.at(-1) as number)} ms\n`,
    );
  }
  process.stdout.write('\n');
  report('stage bookinfo 1.0.0 (4 subcharts pushed)', fresh);
  report('stage it again (nothing pushed)', again);
} finally {
  await registry.stop();
  await charts.stop();
}
