// The Dockerfiles as text: stages, user, what the runtime stage copies, the ENTRYPOINT the
// WorkflowTemplate repeats. The images themselves are built by the test cluster (buildah) and run
// on its node: test/integration/images.test.ts and every end-to-end test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');

/** The runtime stage (after the last FROM) of a Dockerfile: its ENTRYPOINT. */
function runtimeEntrypoint(dockerfileText: string): string[] {
  const runtime = dockerfileText.slice(dockerfileText.lastIndexOf('\nFROM '));
  return JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
}

function dockerfile(name: string) {
  const text = readFileSync(join(root, name), 'utf8');
  return { text, entrypoint: runtimeEntrypoint(text) };
}

describe.each(['Dockerfile.executor', 'Dockerfile.controller'])('%s', (name) => {
  const { text, entrypoint } = dockerfile(name);

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
    expect(entrypoint[0]).toMatch(/\/node$/);
  });
});

it('the WorkflowTemplate runs the executor image with its ENTRYPOINT as command (no registry lookup)', () => {
  const { entrypoint } = dockerfile('Dockerfile.executor');
  const template = parse(readFileSync(join(root, 'workflow-templates/orkestra-helmrelease.yaml'), 'utf8'));
  for (const t of template.spec.templates)
    expect([t.name, t.container.command]).toEqual([t.name, entrypoint]);
});

it('the executor plugin sidecar runs the image’s node, and its postStart hook probes the port it listens on', () => {
  const { entrypoint } = dockerfile('Dockerfile.executor');
  const configMap = parse(
    readFileSync(join(root, 'workflow-templates/orkestra-executor-plugin.yaml'), 'utf8').split(
      /^---$/m,
    )[0] as string,
  );
  const sidecar = parse(configMap.data['sidecar.container']);
  expect(sidecar.command.slice(0, 2)).toEqual(entrypoint);
  const port = sidecar.command[sidecar.command.indexOf('--port') + 1];
  expect(sidecar.ports).toEqual([{ containerPort: Number(port) }]);
  const hook = sidecar.lifecycle.postStart.exec.command as string[];
  expect(hook[0]).toBe(entrypoint[0]);
  expect(hook[2]).toContain(`net.connect(${port}, '127.0.0.1')`);
});
