// The local control plane as a background process (a daemon) that outlives the command that
// started it: `up` starts it (building what is missing first, a progress line per component) and
// returns once it is ready; `down` stops it and everything it started. State lives in
// ~/.cache/orkestra/cluster/.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, ensureBinaries } from './binaries.ts';
import { startControlPlane } from './control-plane.ts';
import { alive } from './processes.ts';
import { WaitAborted, waitFor } from './wait.ts';

const stateDir = join(cacheRoot(), 'cluster');
const statePath = join(stateDir, 'state.json');
const failurePath = join(stateDir, 'failure.txt');

export interface State {
  pid: number;
  kubeconfig: string;
  charts: string;
  /** oci://<chart host address>:PORT, the registry of test charts and staging. */
  registry: string;
  children: number[];
  startSeconds: number;
}

export function readState(): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

/** Starts the control plane unless it runs; resolves with its state once it is ready. */
export async function ensureClusterUp(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<State> {
  const existing = readState();
  if (existing && alive(existing.pid)) {
    log(`The control plane is already running (pid ${existing.pid}).`);
  } else {
    // In the foreground, so that each component says what it does (the first build takes minutes).
    const report = await ensureBinaries(log);
    if (report.built.length > 0) log(`Built ${report.built.join(', ')} in ${report.seconds.toFixed(0)} s.`);
    mkdirSync(stateDir, { recursive: true });
    rmSync(statePath, { force: true });
    rmSync(failurePath, { force: true });
    const logFile = join(stateDir, 'daemon.log');
    const fd = openSync(logFile, 'w');
    const daemon = spawn(process.execPath, [join(import.meta.dirname, 'cluster-cli.ts'), 'daemon'], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    daemon.unref();
    log(`Starting the control plane (log: ${logFile})…`);
    await waitFor(
      'the control plane to start',
      () => {
        if (existsSync(failurePath)) throw new WaitAborted(readFileSync(failurePath, 'utf8'));
        if (!alive(daemon.pid as number)) throw new WaitAborted(`it exited; see ${logFile}`);
        return readState();
      },
      { timeoutMs: 10 * 60_000, intervalMs: 200 },
    );
  }
  const state = readState() as State;
  log(`Control plane ready (started in ${state.startSeconds.toFixed(1)} s).`);
  return state;
}

export async function daemon(): Promise<void> {
  try {
    const plane = await startControlPlane({ log: (line) => process.stdout.write(`${line}\n`) });
    const state: State = {
      pid: process.pid,
      kubeconfig: join(stateDir, 'kubeconfig'),
      charts: plane.charts.url,
      registry: plane.registry,
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

export async function stopCluster(): Promise<void> {
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
