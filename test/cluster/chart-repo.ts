// A Helm chart repository for the tests: every chart under test/fixtures/charts/ packaged with the
// real `helm` and served over HTTP (index.yaml + .tgz) on 127.0.0.1, or with the node on the chart
// host's address (CHART_HOST_IP), as any static chart host would; the same again below /private/,
// for basic-auth credentials only; below /to-metadata/, a redirect to the cloud metadata service's
// address. Beside them, archives no `helm package` would make
// (HOSTILE_CHARTS), listed in the index like the others.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { type Entry, tarball } from '../support/tarball.ts';
import { REPO_ROOT } from './components.ts';
import { ensureTools } from './tools.ts';

export const FIXTURE_CHARTS = join(REPO_ROOT, 'test/fixtures/charts');

export interface ChartRepository {
  url: string;
  /** The same charts, served only with `credentials` (HTTP basic auth). */
  privateUrl: string;
  credentials: { username: string; password: string };
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

const chartYaml = (name: string) => `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`;
const subchart = (parent: string): Entry[] => [
  { name: `${parent}/Chart.yaml`, data: chartYaml(parent) },
  { name: `${parent}/charts/sub/Chart.yaml`, data: chartYaml('sub') },
];

/** Parent charts (version 1.0.0, each with a subchart `sub`) that `stage` must refuse, by name. */
export const HOSTILE_CHARTS: Record<string, Entry[]> = {
  'not-a-chart': [{ name: 'not-a-chart/README.md', data: 'no Chart.yaml here' }],
  'dot-dot': [...subchart('dot-dot'), { name: 'dot-dot/../../../tmp/orkestra-escaped', data: 'x' }],
  'symlink-out': [
    ...subchart('symlink-out'),
    { name: 'symlink-out/templates/passwd.yaml', type: 'symlink', linkname: '../../../../../etc/passwd' },
  ],
};

/** Writes the HOSTILE_CHARTS archives into `dir` and lists them in its index.yaml. */
async function addHostileCharts(dir: string): Promise<void> {
  const indexPath = join(dir, 'index.yaml');
  const index = parse(readFileSync(indexPath, 'utf8')) as { entries: Record<string, unknown[]> };
  for (const [name, entries] of Object.entries(HOSTILE_CHARTS)) {
    const file = `${name}-1.0.0.tgz`;
    const archive = await tarball(entries);
    writeFileSync(join(dir, file), archive);
    const digest = createHash('sha256').update(archive).digest('hex');
    index.entries[name] = [{ apiVersion: 'v2', name, version: '1.0.0', urls: [file], digest }];
  }
  writeFileSync(indexPath, stringify(index));
}

/** Serves the fixtures on `host` (127.0.0.1, or CHART_HOST_IP so that pods reach them). */
export async function startChartRepository({ host = '127.0.0.1', port = 0 } = {}): Promise<ChartRepository> {
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-charts-'));
  packageFixtureCharts(dir);
  await addHostileCharts(dir);
  const credentials = { username: 'orkestra-fixture', password: randomBytes(12).toString('hex') };
  const basicAuth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    // A repository that sends its clients to the cloud metadata service, as a hostile one may.
    if (path.startsWith('/to-metadata/')) {
      res.writeHead(302, { location: `http://169.254.169.254/latest/meta-data/${basename(path)}` }).end();
      return;
    }
    if (path.startsWith('/private/') && req.headers.authorization !== basicAuth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fixtures"' }).end();
      return;
    }
    const name = basename(path);
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
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    privateUrl: `${url}/private`,
    credentials,
    dir,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
