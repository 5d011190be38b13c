// The control plane's build step, without building anything: what a user without Go is told.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
