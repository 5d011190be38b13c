// The control plane's build step, without building anything: what a user without Go is told.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

describe('stampFlags', () => {
  it('stamps Kubernetes as hack/lib/version.sh does, in both version packages', async () => {
    const { COMPONENTS, stampFlags } = await import('./cluster/components.ts');
    const kubernetes = COMPONENTS.find((c) => c.module === 'kubernetes');
    const flags = stampFlags(kubernetes?.stamp as never, {
      version: 'v1.36.3',
      time: '2026-07-22T18:07:38Z',
    });
    for (const pkg of ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version']) {
      expect(flags).toContain(`-X '${pkg}.gitVersion=v1.36.3'`);
      expect(flags).toContain(`-X '${pkg}.gitMajor=1'`);
      expect(flags).toContain(`-X '${pkg}.gitMinor=36'`);
      expect(flags).toContain(`-X '${pkg}.buildDate=2026-07-22T18:07:38Z'`);
    }
  });

  it("stamps Argo as its Makefile's LDFLAGS do", async () => {
    const { COMPONENTS, stampFlags } = await import('./cluster/components.ts');
    const argo = COMPONENTS.find((c) => c.module === 'argo-workflows');
    expect(
      stampFlags(argo?.stamp as never, { version: 'v4.0.5', time: '2026-04-23T08:52:02Z' }).split(' -X '),
    ).toEqual([
      "-X 'github.com/argoproj/argo-workflows/v4.version=v4.0.5'",
      "'github.com/argoproj/argo-workflows/v4.buildDate=2026-04-23T08:52:02Z'",
      "'github.com/argoproj/argo-workflows/v4.gitTag=v4.0.5'",
      "'github.com/argoproj/argo-workflows/v4.gitTreeState=clean'",
    ]);
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
    const previous = { ...process.env };
    process.env.ORKESTRA_TEST_ASSETS = assets;
    try {
      // Without Argo: no node (one per machine, which a running suite may hold), no images to build.
      await expect(startControlPlane({ argo: false })).rejects.toThrow(
        /etcd exited with code 3 while starting[\s\S]*etcd: cannot start \(test\)/,
      );
    } finally {
      process.env = previous;
    }
  });
});
