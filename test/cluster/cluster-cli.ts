// npm run cluster:up | cluster:down | cluster:build
//   up    starts the control plane in a background process and returns once it is ready; prints
//         `# charts: http://198.18.0.2:<port>`, `# registry: oci://198.18.0.2:<port>` (the chart
//         host's address, CHART_HOST_IP) and then `export KUBECONFIG=<path>` as its last line.
//   down  stops it and every process it started.
//   build builds (or finds cached) the binaries and the node's images, and prints how long each took.
import { ensureBinaries } from './binaries.ts';
import { daemon, ensureClusterUp, stopCluster } from './daemon.ts';
import { ensureHostPackages } from './node/host.ts';
import { ensureImages, upstreamBinaries } from './node/images.ts';

async function up(): Promise<void> {
  const state = await ensureClusterUp();
  process.stdout.write(
    `# charts: ${state.charts}\n# registry: ${state.registry}\nexport KUBECONFIG=${state.kubeconfig}\n`,
  );
}

async function build(): Promise<void> {
  const report = await ensureBinaries();
  process.stdout.write(
    `Control-plane binaries: ${report.built.length > 0 ? `built ${report.built.join(', ')}` : 'all cached'} in ${report.seconds.toFixed(1)} s\n`,
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);
  ensureHostPackages(log);
  const started = performance.now();
  const images = await ensureImages({
    upstream: upstreamBinaries(report.paths),
    registry: report.paths.registry as string,
    log,
  });
  const built = images.filter((image) => image.seconds > 0).map((image) => image.ref);
  process.stdout.write(
    `Node images: ${built.length > 0 ? `built ${built.join(', ')}` : 'all cached'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

const commands: Record<string, () => Promise<void>> = { up, down: stopCluster, daemon, build };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  process.stderr.write('usage: cluster-cli.ts up|down|build\n');
  process.exitCode = 2;
} else {
  try {
    await command();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
