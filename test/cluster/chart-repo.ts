// A Helm chart repository for the tests: every chart under test/fixtures/charts/ packaged with the
// real `helm` and served over HTTP on 127.0.0.1 (index.yaml + .tgz), as any static chart host would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './components.ts';
import { ensureTools } from './tools.ts';

export const FIXTURE_CHARTS = join(REPO_ROOT, 'test/fixtures/charts');

export interface ChartRepository {
  url: string;
  dir: string;
  stop: () => Promise<void>;
}

/** Packages every fixture chart into `dir` and writes index.yaml (chart URLs relative to the index). */
export function packageFixtureCharts(dir: string): void {
  const { helm } = ensureTools();
  for (const chart of readdirSync(FIXTURE_CHARTS)) {
    execFileSync(helm, ['package', join(FIXTURE_CHARTS, chart), '--destination', dir], { stdio: 'pipe' });
  }
  execFileSync(helm, ['repo', 'index', dir], { stdio: 'pipe' });
}

export async function startChartRepository(port = 0): Promise<ChartRepository> {
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-charts-'));
  packageFixtureCharts(dir);
  const server: Server = createServer((req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, {
        'content-type': name.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    dir,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
