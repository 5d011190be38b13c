// Fills dist/compile-cache with V8's code cache for the executor, as the executor image ships it
// (ENV NODE_COMPILE_CACHE): a step pod starts with every chunk already compiled. The warm-up runs
// `apply` and `probe` against an address where nothing listens, so every module on their path is
// loaded and run; both must end with exit 4 (cluster unreachable).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const COMPILE_CACHE = join(root, 'dist/compile-cache');

/**
 * A port where nothing listens: one the system just gave out and took back. (Not a fixed low port:
 * fetch refuses the "bad ports" such as 1 before connecting, which is no outage but a bug.)
 */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'orkestra-warm-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:${await closedPort()}", insecure-skip-tls-verify: true}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
`,
);
const helmRelease = JSON.stringify({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'warm-up', namespace: 'default' },
  spec: { interval: '5m', chart: { spec: { chart: 'c', sourceRef: { kind: 'HelmRepository', name: 'r' } } } },
});
rmSync(COMPILE_CACHE, { recursive: true, force: true });
for (const args of [
  ['apply', '--helmrelease', helmRelease, '--timeout', '2s'],
  ['probe', '--name', 'warm-up', '--namespace', 'default', '--timeout', '2s'],
]) {
  const result = spawnSync(
    process.execPath,
    [join(root, 'dist/orkestra-executor.js'), ...args, '--result-file', join(dir, 'result.json')],
    {
      env: { ...process.env, KUBECONFIG: kubeconfig, NODE_COMPILE_CACHE: COMPILE_CACHE },
      encoding: 'utf8',
    },
  );
  if (result.status !== 3 && result.status !== 4) {
    throw new Error(`warm-up ${args[0]} exited ${result.status}, not 3 or 4:\n${result.stderr}`);
  }
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`Compile cache written to ${COMPILE_CACHE}\n`);
