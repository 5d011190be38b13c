// `argo lint --offline` (the real argo CLI) over the WorkflowTemplates, the hand-written example
// Workflows and every rendered golden Workflow, each linted against the template in its namespace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ensureBinaries } from '../cluster/binaries.ts';
import { REPO_ROOT } from '../cluster/components.ts';

let argo: string;
beforeAll(async () => {
  argo = (await ensureBinaries()).paths.argo as string;
});

function lint(files: string[]) {
  const result = spawnSync(argo, ['lint', '--offline', '--output', 'simple', ...files], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The WorkflowTemplate, placed in `namespace` (offline lint resolves templateRefs by namespace). */
function templateIn(namespace: string): string {
  const template = parse(
    readFileSync(join(REPO_ROOT, 'workflow-templates/orkestra-helmrelease.yaml'), 'utf8'),
  );
  const path = join(mkdtempSync(join(tmpdir(), 'orkestra-lint-')), 'orkestra-helmrelease.yaml');
  writeFileSync(path, stringify({ ...template, metadata: { ...template.metadata, namespace } }));
  return path;
}

const workflowFiles = [
  ...readdirSync(join(REPO_ROOT, 'test/golden')).map((f) => join(REPO_ROOT, 'test/golden', f)),
  ...readdirSync(join(REPO_ROOT, 'examples/workflows')).map((f) => join(REPO_ROOT, 'examples/workflows', f)),
];

describe('argo lint --offline', () => {
  it('passes the WorkflowTemplate and its ClusterWorkflowTemplate twin', () => {
    const result = lint([
      join(REPO_ROOT, 'workflow-templates/orkestra-helmrelease.yaml'),
      join(REPO_ROOT, 'workflow-templates/generated/orkestra-helmrelease.cluster.yaml'),
    ]);
    expect(result.output).toContain('no linting errors found');
    expect(result.code).toBe(0);
  });

  it.each(workflowFiles.map((f) => [f.slice(REPO_ROOT.length + 1), f]))('passes %s', (_name, file) => {
    const namespaces = new Set(
      parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => d.toJS())
        .filter((o) => o?.kind === 'Workflow')
        .map((o) => o.metadata.namespace as string | undefined),
    );
    const templates = [...namespaces].map((namespace) =>
      namespace ? templateIn(namespace) : join(REPO_ROOT, 'workflow-templates/orkestra-helmrelease.yaml'),
    );
    const result = lint([...templates, file]);
    expect(result.output).toContain('no linting errors found');
    expect(result.code).toBe(0);
  });

  it('finds a call that misses a required parameter (the check can fail)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orkestra-lint-')), 'bad.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'bad-', namespace: 'default' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              dag: {
                tasks: [{ name: 'a', templateRef: { name: 'orkestra-helmrelease', template: 'apply' } }],
              },
            },
          ],
        },
      }),
    );
    const result = lint([templateIn('default'), file]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('inputs.parameters.helmrelease was not supplied');
  });
});
