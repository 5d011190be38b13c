// Child processes of the control plane: each logs to a file, and every one still running is killed
// when this process exits or is interrupted.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The last lines of its log, for error messages. */
  tail: (lines?: number) => string;
  exited: Promise<number | null>;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const running = new Set<Managed>();
const folders = new Set<string>();

/** Removes `dir` when this process exits, unless `releaseFolder` was called first. */
export function removeOnExit(dir: string): void {
  hookExit();
  folders.add(dir);
}

export function releaseFolder(dir: string): void {
  folders.delete(dir);
}

function killAll(signal: NodeJS.Signals): void {
  for (const managed of running) managed.child.kill(signal);
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    killAll('SIGKILL');
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll('SIGTERM');
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  { logDir, env }: { logDir: string; env?: NodeJS.ProcessEnv },
): Managed {
  hookExit();
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const managed: Managed = {
    name,
    child,
    logFile,
    exited,
    tail: (lines = 30) => {
      try {
        return readFileSync(logFile, 'utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n');
      } catch {
        return '';
      }
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(managed: Managed, graceMs = 5_000): Promise<void> {
  if (managed.child.exitCode !== null || managed.child.signalCode !== null) return;
  managed.child.kill('SIGTERM');
  const timer = setTimeout(() => managed.child.kill('SIGKILL'), graceMs);
  await managed.exited;
  clearTimeout(timer);
}
