// npm run cluster:up | cluster:down | cluster:build
//   up    starts the control plane in a background process and returns once it is ready; prints
//         `# charts: <url>` and then `export KUBECONFIG=<path>` as its last line.
//   down  stops it and every process it started.
//   build builds (or finds cached) binaries and prints how long that took.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, ensureBinaries } from './binaries.ts';
import { startControlPlane } from './control-plane.ts';
import { WaitAborted, waitFor } from './wait.ts';

const stateDir = join(cacheRoot(), 'cluster');
const statePath = join(stateDir, 'state.json');
const failurePath = join(stateDir, 'failure.txt');

interface State {
  pid: number;
  kubeconfig: string;
  charts: string;
  children: number[];
  startSeconds: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readState(): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

async function up(): Promise<void> {
  const existing = readState();
  if (existing && alive(existing.pid)) {
    process.stderr.write(`The control plane is already running (pid ${existing.pid}).\n`);
  } else {
    mkdirSync(stateDir, { recursive: true });
    rmSync(statePath, { force: true });
    rmSync(failurePath, { force: true });
    const logFile = join(stateDir, 'daemon.log');
    const fd = openSync(logFile, 'w');
    const daemon = spawn(process.execPath, [import.meta.filename, 'daemon'], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    daemon.unref();
    process.stderr.write(`Starting the control plane (log: ${logFile})…\n`);
    await waitFor(
      'the control plane to start',
      () => {
        if (existsSync(failurePath)) throw new WaitAborted(readFileSync(failurePath, 'utf8'));
        if (!alive(daemon.pid as number)) throw new WaitAborted(`it exited; see ${logFile}`);
        return readState();
      },
      { timeoutMs: 60 * 60_000, intervalMs: 200 },
    ).catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    });
  }
  const state = readState() as State;
  process.stderr.write(`Control plane ready (started in ${state.startSeconds.toFixed(1)} s).\n`);
  process.stdout.write(`# charts: ${state.charts}\nexport KUBECONFIG=${state.kubeconfig}\n`);
}

async function daemon(): Promise<void> {
  try {
    const plane = await startControlPlane({ log: (line) => process.stdout.write(`${line}\n`) });
    const state: State = {
      pid: process.pid,
      kubeconfig: join(stateDir, 'kubeconfig'),
      charts: plane.charts.url,
      children: plane.processes.map((p) => p.child.pid as number),
      startSeconds: plane.startSeconds,
    };
    // A stable path for the kubeconfig, outside the plane's temporary folder.
    writeFileSync(state.kubeconfig, readFileSync(plane.kubeconfig));
    writeFileSync(statePath, JSON.stringify(state));
    const shutdown = async () => {
      await plane.stop();
      rmSync(statePath, { force: true });
      process.exit(0);
    };
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
    setInterval(() => {}, 1 << 30);
  } catch (error) {
    writeFileSync(failurePath, (error as Error).message);
    process.exit(1);
  }
}

async function down(): Promise<void> {
  const state = readState();
  if (!state || !alive(state.pid)) {
    process.stderr.write('No control plane is running.\n');
    rmSync(statePath, { force: true });
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  await waitFor(
    'the control plane to stop',
    () => !alive(state.pid) && state.children.every((pid) => !alive(pid)),
    {
      timeoutMs: 30_000,
    },
  ).catch(() => {
    for (const pid of [state.pid, ...state.children]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  rmSync(statePath, { force: true });
  process.stderr.write('Control plane stopped.\n');
}

async function build(): Promise<void> {
  const report = await ensureBinaries();
  process.stdout.write(
    `Control-plane binaries: ${report.built.length > 0 ? `built ${report.built.join(', ')}` : 'all cached'} in ${report.seconds.toFixed(1)} s\n`,
  );
}

const commands: Record<string, () => Promise<void>> = { up, down, daemon, build };
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
