// The GitHub Actions workflow, checked by actionlint (built from its Go module like the test
// cluster's binaries): syntax, expressions, action inputs, runner labels.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureBinaries } from './cluster/binaries.ts';

const root = join(import.meta.dirname, '..');
const workflows = join(root, '.github/workflows');

describe('.github/workflows', () => {
  it('passes actionlint', async () => {
    const { paths } = await ensureBinaries(() => {}, { only: ['actionlint'] });
    const files = readdirSync(workflows).map((file) => join(workflows, file));
    expect(files.length).toBeGreaterThan(0);
    const result = spawnSync(paths.actionlint as string, ['-color=false', ...files], { encoding: 'utf8' });
    expect([result.status, result.stdout + result.stderr]).toEqual([0, '']);
  });

  it('builds both images from their Dockerfiles and runs .ci/run as root', () => {
    const ci = parse(readFileSync(join(workflows, 'ci.yml'), 'utf8'));
    expect(ci.jobs.images.strategy.matrix.image).toEqual(['executor', 'controller']);
    const build = ci.jobs.images.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(build).toContain(`buildah build --layers -f "Dockerfile.\${{ matrix.image }}"`);
    const test = ci.jobs.test.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(test).toMatch(/^sudo .* bash \.ci\/run$/m);
    expect(ci.jobs.test['timeout-minutes']).toBe(90);
  });
});
