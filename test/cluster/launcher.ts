// Starting the control plane's processes: each waits until ready (or fails with its log's tail),
// and can be stopped and started again with the same flags (the benchmarks restart components).
import { type Managed, startProcess, stopProcess } from './processes.ts';
import { waitFor } from './wait.ts';

interface LaunchSpec {
  args: string[];
  ready: () => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  command: string;
}

export interface Launcher {
  /** Starts `name` (the binary `bin[name]` unless `command`) and waits until `ready` holds. */
  launch: (
    name: string,
    args: string[],
    ready: () => Promise<boolean>,
    env?: NodeJS.ProcessEnv,
    command?: string,
  ) => Promise<void>;
  /** Every process started, in order. */
  processes: Managed[];
  /** Stops `name` if it runs. */
  stopOne: (name: string) => Promise<void>;
  /** Starts `name` again as it was launched, with `env` instead of its environment if given. */
  relaunch: (name: string, env?: NodeJS.ProcessEnv) => Promise<void>;
}

export function createLauncher({
  logDir,
  bin,
  started,
  log,
}: {
  logDir: string;
  bin: Record<string, string | undefined>;
  started: number;
  log: (line: string) => void;
}): Launcher {
  const processes: Managed[] = [];
  const launched = new Map<string, LaunchSpec>();
  const launch: Launcher['launch'] = async (name, args, ready, env, command = bin[name] as string) => {
    launched.set(name, { args, ready, env, command });
    const managed = startProcess(name, command, args, { logDir, env });
    processes.push(managed);
    try {
      await Promise.race([
        waitFor(`${name} to become ready`, ready, { timeoutMs: 90_000, intervalMs: 100 }),
        managed.exited.then((code) => {
          throw new Error(`${name} exited with code ${code} while starting`);
        }),
      ]);
      log(`${name} ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- last lines of ${managed.logFile} ---\n${managed.tail()}`,
        { cause: error },
      );
    }
  };
  return {
    launch,
    processes,
    stopOne: async (name) => {
      const managed = processes.find(
        (p) => p.name === name && p.child.exitCode === null && p.child.signalCode === null,
      );
      if (managed) await stopProcess(managed);
    },
    relaunch: async (name, env) => {
      const spec = launched.get(name);
      if (!spec) throw new Error(`no component ${name}`);
      await launch(name, spec.args, spec.ready, env ?? spec.env, spec.command);
    },
  };
}
