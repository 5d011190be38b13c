// The real CLIs (argo, kubectl, helm) run against the test cluster, as a user would run them.
import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { ARGO_INSTANCE_ID } from '../../lib/wire-names.ts';

/** The real argo CLI, for the chart's workflow-controller's instance (its Workflows carry the label). */
export function argo(args: string[], options?: { timeoutMs?: number }) {
  return run(inject('argo'), [...args, '--instanceid', ARGO_INSTANCE_ID], options);
}

/** Runs a real CLI (argo, kubectl) against the test cluster. */
export function run(
  command: string,
  args: string[],
  { timeoutMs = 180_000 }: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, KUBECONFIG: inject('kubeconfig'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
