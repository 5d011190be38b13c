// The control plane's build step, without building anything: what a user without Go is told.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('cluster:build', () => {
  it('without a Go toolchain says what to install and exits non-zero', () => {
    const result = spawnSync(process.execPath, [join(root, 'test/cluster/cluster-cli.ts'), 'build'], {
      encoding: 'utf8',
      // Only Node on PATH, and an empty cache so there is something to build.
      env: {
        PATH: dirname(process.execPath),
        ORKESTRA_CACHE_DIR: mkdtempSync(join(tmpdir(), 'orkestra-empty-cache-')),
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no `go` command was found. Install Go 1.26 or newer');
    expect(result.stderr).toContain('ORKESTRA_TEST_ASSETS');
  });
});

describe('startControlPlane', () => {
  it('on a failed start names the component and prints the tail of its log', async () => {
    const { startControlPlane } = await import('./cluster/control-plane.ts');
    const { BINARY_NAMES } = await import('./cluster/binaries.ts');
    const assets = mkdtempSync(join(tmpdir(), 'orkestra-broken-assets-'));
    // Stand-in binaries that fail at once: this checks the harness's error path, not Kubernetes.
    for (const name of BINARY_NAMES) {
      writeFileSync(join(assets, name), `#!/bin/sh\necho "${name}: cannot start (test)" >&2\nexit 3\n`, {
        mode: 0o755,
      });
    }
    const crds = mkdtempSync(join(tmpdir(), 'orkestra-no-crds-'));
    for (const dir of ['flux', 'argo']) mkdirSync(join(crds, dir));
    const previous = { ...process.env };
    process.env.ORKESTRA_TEST_ASSETS = assets;
    process.env.ORKESTRA_UPSTREAM_CRDS = crds;
    try {
      await expect(startControlPlane()).rejects.toThrow(
        /etcd exited with code 3 while starting[\s\S]*etcd: cannot start \(test\)/,
      );
    } finally {
      process.env = previous;
    }
  });
});
