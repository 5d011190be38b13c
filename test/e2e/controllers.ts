// Controllers a test starts itself: the built bundle, as the controller's ServiceAccount, each
// competing for a Lease the test names. Their log lines are read back to see what each one did.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { REPO_ROOT } from '../cluster/components.ts';
import { projectImageRefs } from '../cluster/node/images.ts';

export interface OwnController {
  name: string;
  child: ChildProcess;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Its JSON log lines so far. */
  lines: () => { message: string; [k: string]: unknown }[];
  said: (message: string) => boolean;
}

export function startOwnController(
  name: string,
  { lease, args = [], failpoints = [] }: { lease: string; args?: string[]; failpoints?: string[] },
): OwnController {
  const dir = mkdtempSync(join(tmpdir(), `orkestra-${name}-`));
  const logFile = join(dir, 'controller.log');
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'dist/orkestra-controller.js'),
      `--kubeconfig=${inject('controllerKubeconfig')}`,
      `--leader-election-id=${lease}`,
      '--health-address=127.0.0.1:0',
      '--metrics-address=',
      // The plugin sidecar's image (used with --executor=plugin): the one built for the node.
      `--executor-image=${projectImageRefs().executor}`,
      ...args,
    ],
    {
      stdio: ['ignore', 'ignore', openSync(logFile, 'w')],
      env: { ...process.env, ORKESTRA_FAILPOINTS: failpoints.join(','), ORKESTRA_LOG_LEVEL: 'info' },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { message: string; [k: string]: unknown });
  const said = (message: string) => lines().some((l) => l.message === message);
  return { name, child, exited, lines, said };
}
