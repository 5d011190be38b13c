// Benchmark (a script, not a test), on a local control plane it starts itself:
// (a) latency from a HelmRelease becoming Ready to the executor exiting, median and p95 over 20
//     releases, beside a 1 s polling loop (what the original Orkestra executor did) on the same releases;
// (b) executor process start to its first API request, median of 20.
// Run: npm run bench:executor
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { evaluateRelease } from '../../lib/helm-release/verdict.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import { startControlPlane } from '../cluster/control-plane.ts';
import { connect, fixtureHelmRelease } from '../integration/kube.ts';

const RELEASES = 20;
const executorPath = join(REPO_ROOT, 'dist/orkestra-executor.js');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const fmt = (values: number[]) =>
  `median ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms`;

const plane = await startControlPlane({ argo: false });
try {
  const kube = connect(plane.kubeconfig);
  const namespace = await kube.createNamespace('bench');
  await kube.apply({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: 'fixtures', namespace },
    spec: { url: plane.charts.url, interval: '10m' },
  });

  // A watch in this process time-stamps the moment each HelmRelease is Ready for its generation.
  const readyAt = new Map<string, number>();
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  await new Watch(config).watch(
    `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
    {},
    (_type, object) => {
      const name = object.metadata.name as string;
      if (!readyAt.has(name) && evaluateRelease(object).phase === 'Succeeded')
        readyAt.set(name, performance.now());
    },
    () => {},
  );

  const executorLatency: number[] = [];
  const pollingLatency: number[] = [];
  for (let i = 0; i < RELEASES; i++) {
    const name = `r${i}`;
    const child = spawn(
      process.execPath,
      [
        executorPath,
        'apply',
        '--helmrelease',
        JSON.stringify(fixtureHelmRelease(namespace, name, 'configmap-app', '1.0.0')),
        '--result-file',
        '/dev/null',
        '--timeout',
        '2m',
      ],
      { env: { ...process.env, KUBECONFIG: plane.kubeconfig }, stdio: 'ignore' },
    );
    // The baseline: read the object every second until it is Ready (as the original executor polled).
    const polling = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const object = await kube.get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', namespace, name);
        if (object && evaluateRelease(object as never).phase === 'Succeeded') return performance.now();
      }
    })();
    const exitedAt = await new Promise<number>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0 ? resolve(performance.now()) : reject(new Error(`executor exited ${code}`)),
      ),
    );
    const polledAt = await polling;
    const ready = readyAt.get(name) as number;
    executorLatency.push(exitedAt - ready);
    pollingLatency.push(polledAt - ready);
  }
  console.log(`(a) HelmRelease Ready → step done, ${RELEASES} releases:`);
  console.log(
    `    orkestra-executor (watch, process exit): ${fmt(executorLatency)}  (target median < 100 ms)`,
  );
  console.log(`    1 s polling loop (in-process):           ${fmt(pollingLatency)}`);

  // (b) A TCP relay in front of the API server notes when the executor's first request arrives.
  const [host, port] = new URL(plane.server).host.split(':') as [string, string];
  let firstConnection: number | undefined;
  const relay = createServer((socket) => {
    firstConnection ??= performance.now();
    const upstream = tcpConnect(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.address() as { port: number }).port;
  const relayedConfig = join(plane.dir, 'kubeconfig-relay');
  writeFileSync(
    relayedConfig,
    (await import('node:fs')).readFileSync(plane.kubeconfig, 'utf8').replace(`:${port}`, `:${relayPort}`),
  );
  const measureStartup = async (env: NodeJS.ProcessEnv) => {
    const startup: number[] = [];
    for (let i = 0; i < 20; i++) {
      firstConnection = undefined;
      const startedAt = performance.now();
      const child = spawn(
        process.execPath,
        [executorPath, 'probe', '--name', 'r0', '--namespace', namespace, '--result-file', '/dev/null'],
        { env: { ...process.env, ...env, KUBECONFIG: relayedConfig }, stdio: 'ignore' },
      );
      await new Promise((resolve) => child.on('close', resolve));
      if (firstConnection === undefined) throw new Error('the executor made no request');
      startup.push(firstConnection - startedAt);
    }
    return startup;
  };
  const cold = await measureStartup({ NODE_COMPILE_CACHE: undefined });
  // As the executor image runs it: with the code cache scripts/warm-compile-cache.ts wrote at build.
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/warm-compile-cache.ts')], { stdio: 'ignore' });
  const warm = await measureStartup({ NODE_COMPILE_CACHE: join(REPO_ROOT, 'dist/compile-cache') });
  console.log('(b) executor start → first API request, 20 runs each  (target median < 200 ms):');
  console.log(`    as the image runs it (code cache from the build): ${fmt(warm)}`);
  console.log(`    without a code cache:                            ${fmt(cold)}`);
  relay.close();
} finally {
  await plane.stop();
  process.exit();
}
