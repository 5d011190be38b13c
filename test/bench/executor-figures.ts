// The executor's own figures, on a running control plane: how soon after a HelmRelease is Ready the
// executor exits (beside a 1 s polling loop, what the original Orkestra executor did, on the same
// releases), and how long from its process start to its first API request.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { evaluateRelease } from '../../lib/helm-release/verdict.ts';
import { REPO_ROOT } from '../cluster/components.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';
import { connect, fixtureHelmRelease, fixtureRepository, releaseNamespace } from '../integration/kube.ts';

const executorPath = join(REPO_ROOT, 'dist/orkestra-executor.js');

/** Milliseconds from each HelmRelease Ready to (a) the executor's exit and (b) a 1 s polling loop seeing it. */
export async function readyToExit(plane: ControlPlane, releases: number) {
  const kube = connect(plane.kubeconfig);
  const namespace = await releaseNamespace(kube, 'bench-executor');
  await kube.apply(fixtureRepository(namespace, plane.charts.url));

  // A watch in this process time-stamps the moment each HelmRelease is Ready for its generation.
  const readyAt = new Map<string, number>();
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  const watch = await new Watch(config).watch(
    `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
    {},
    (_type, object) => {
      const name = object.metadata.name as string;
      if (!readyAt.has(name) && evaluateRelease(object).phase === 'Succeeded')
        readyAt.set(name, performance.now());
    },
    () => {},
  );

  const executor: number[] = [];
  const polling: number[] = [];
  try {
    for (let i = 0; i < releases; i++) {
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
      const polled = (async () => {
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
      const polledAt = await polled;
      const ready = readyAt.get(name) as number;
      executor.push(exitedAt - ready);
      polling.push(polledAt - ready);
    }
  } finally {
    watch.abort();
  }
  return { executor, polling };
}

/**
 * Milliseconds from the executor's process start to its first API request (a TCP relay in front of
 * the API server notes when it arrives), `runs` times: as the image runs it (with the code cache
 * scripts/warm-compile-cache.ts writes at build) and without a code cache.
 */
export async function startToFirstRequest(plane: ControlPlane, runs: number) {
  const [host, port] = new URL(plane.server).host.split(':') as [string, string];
  let firstConnection: number | undefined;
  const relay = createServer((socket) => {
    firstConnection ??= performance.now();
    const upstream = tcpConnect(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  // On the API server's own address: its serving certificate names it.
  await new Promise<void>((resolve) => relay.listen(0, host, resolve));
  const relayPort = (relay.address() as { port: number }).port;
  const relayedConfig = join(plane.dir, 'kubeconfig-relay');
  writeFileSync(
    relayedConfig,
    readFileSync(plane.kubeconfig, 'utf8').replace(`${host}:${port}`, `${host}:${relayPort}`),
  );
  const measure = async (env: NodeJS.ProcessEnv) => {
    const startup: number[] = [];
    for (let i = 0; i < runs; i++) {
      firstConnection = undefined;
      const startedAt = performance.now();
      const child = spawn(
        process.execPath,
        [executorPath, 'probe', '--name', 'r0', '--namespace', 'default', '--result-file', '/dev/null'],
        { env: { ...process.env, ...env, KUBECONFIG: relayedConfig }, stdio: 'ignore' },
      );
      await new Promise((resolve) => child.on('close', resolve));
      if (firstConnection === undefined) throw new Error('the executor made no request');
      startup.push(firstConnection - startedAt);
    }
    return startup;
  };
  try {
    const cold = await measure({ NODE_COMPILE_CACHE: undefined });
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/warm-compile-cache.ts')], { stdio: 'ignore' });
    const warm = await measure({ NODE_COMPILE_CACHE: join(REPO_ROOT, 'dist/compile-cache') });
    return { warm, cold };
  } finally {
    relay.close();
  }
}
