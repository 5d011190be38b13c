// An outage in the middle of a probe: this file runs its own control plane so it can stop and
// start kube-apiserver without disturbing the other suites.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../cluster/components.ts';
import { type ControlPlane, startControlPlane } from '../cluster/control-plane.ts';
import { waitFor } from '../cluster/wait.ts';
import { connect, fixtureHelmRelease, fixtureRepository, releaseNamespace } from './kube.ts';

let plane: ControlPlane;

beforeAll(async () => {
  // Without Argo: the shared control plane already runs the only workflow-controller (port 6060).
  plane = await startControlPlane({ argo: false });
});
afterAll(async () => {
  await plane?.stop();
});

describe('orkestra-executor probe across a kube-apiserver restart', () => {
  it('keeps watching through the outage and reports the right verdict once the release is ready', async () => {
    const kube = connect(plane.kubeconfig);
    const namespace = await releaseNamespace(kube, 'outage');
    // The HelmRepository comes only after the outage, so the release cannot finish before it.
    const helmRelease = JSON.stringify(fixtureHelmRelease(namespace, 'survivor', 'configmap-app', '1.0.0'));
    const child = spawn(
      process.execPath,
      [
        `${REPO_ROOT}/dist/orkestra-executor.js`,
        'apply',
        '--helmrelease',
        helmRelease,
        '--timeout',
        '3m',
        '--result-file',
        '/dev/null',
      ],
      { env: { ...process.env, KUBECONFIG: plane.kubeconfig }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the executor to start probing', () => stderr.includes('Applied HelmRelease'), {
      timeoutMs: 30_000,
    });

    await plane.stopComponent('kube-apiserver');
    await waitFor(
      'the executor to notice the outage',
      () => /ended; listing again|failed; retrying/.test(stderr),
      {
        timeoutMs: 60_000,
      },
    );
    await plane.startComponent('kube-apiserver');

    await kube.apply(fixtureRepository(namespace, plane.charts.url));
    expect(await exit, stderr).toBe(0);
    expect(stderr).toContain('"phase":"Succeeded"');
    expect((await kube.get('v1', 'ConfigMap', namespace, 'survivor-config'))?.data?.chartVersion).toBe(
      '1.0.0',
    );
  });
});
