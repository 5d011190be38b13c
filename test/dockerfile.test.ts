// No Docker engine here: check what the images run instead — the same bundle, started the same way.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hostPathIn, runtimeStage } from './cluster/images.ts';

const root = join(import.meta.dirname, '..');

function dockerfile(name: string) {
  const text = readFileSync(join(root, name), 'utf8');
  return { text, ...runtimeStage(text) };
}

describe.each(['Dockerfile.executor', 'Dockerfile.controller'])('%s', (name) => {
  const { text, entrypoint, env: imageEnv } = dockerfile(name);

  it('builds in a separate stage and runs only the bundle, as non-root, from pinned bases', () => {
    const stages = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1] as string);
    expect(stages.length).toBe(2);
    for (const image of stages) expect(image).toMatch(/:[\w.-]+$/);
    expect(stages[0]).toMatch(/^node:24\./);
    if (name === 'Dockerfile.executor') expect(stages[1]).toBe(stages[0]);
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).toContain('COPY --from=build /src/dist/ /app/');
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime.split('\n').filter((line) => /^(COPY|ADD)\b/.test(line))).toEqual([
      'COPY --from=build /src/dist/ /app/',
    ]);
  });

  it('starts a bundle that exists after `npm run build`, with the image’s own Node command line', () => {
    expect(entrypoint[0]).toMatch(/\/node$/);
    const inDist = hostPathIn(root);
    // The image's ENV too (e.g. NODE_COMPILE_CACHE), with /app/ mapped to dist/.
    const env = Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, inDist(v)]));
    const result = spawnSync(
      process.execPath,
      [inDist(entrypoint[1] as string), ...entrypoint.slice(2), '--help'],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      },
    );
    // Its usage, exit 0, nothing on stderr: a crash (whose trace names the file too) would not.
    const usage =
      name === 'Dockerfile.executor'
        ? 'orkestra-executor <action> [options]'
        : 'orkestra-controller [options]';
    expect([result.status, result.stderr], result.stderr).toEqual([0, '']);
    expect(result.stdout.split('\n')[0]).toBe(usage);
  });
});

it('the WorkflowTemplate runs the executor image with its ENTRYPOINT as command (no registry lookup)', () => {
  const { entrypoint } = dockerfile('Dockerfile.executor');
  const template = parse(readFileSync(join(root, 'workflow-templates/orkestra-helmrelease.yaml'), 'utf8'));
  for (const t of template.spec.templates)
    expect([t.name, t.container.command]).toEqual([t.name, entrypoint]);
});
