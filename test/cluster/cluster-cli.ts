// npm run cluster:up | cluster:down | cluster:build
//   up    starts the control plane in a background process and returns once it is ready; prints
//         `# charts: <url>`, `# registry: oci://127.0.0.1:<port>` and then `export KUBECONFIG=<path>` as its last line.
//   down  stops it and every process it started.
//   build builds (or finds cached) binaries and prints how long that took.
import { ensureBinaries } from './binaries.ts';
import { daemon, ensureClusterUp, stopCluster } from './daemon.ts';

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
