// The bundled orkestra-executor (dist/orkestra-executor.js) run as a process against the control
// plane, with its exit code, stderr and result file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { REPO_ROOT } from '../cluster/components.ts';

export interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string; result: Record<string, unknown> }>;
  stderr: () => string;
}

export function executor(
  args: string[],
  { stdin, env = {} }: { stdin?: string; env?: Record<string, string> } = {},
): Run {
  const resultFile = join(mkdtempSync(join(tmpdir(), 'orkestra-result-')), 'result.json');
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist/orkestra-executor.js'), ...args, '--result-file', resultFile],
    {
      env: { ...process.env, KUBECONFIG: inject('kubeconfig'), ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    },
  );
  child.stdin?.end(stdin);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stderr: string; result: Record<string, unknown> }>(
    (resolve) =>
      child.on('close', (code) => {
        let result = {};
        try {
          result = JSON.parse(readFileSync(resultFile, 'utf8'));
        } catch {}
        resolve({ code, stderr, result });
      }),
  );
  return { child, done, stderr: () => stderr };
}
