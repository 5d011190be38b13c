// Every Workflow Orkestra renders or ships as an example calls the orkestra-helmrelease templates
// with exactly their parameters. (Real Argo runs them in the end-to-end suite.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { Template, Workflow } from '../lib/api/argo.ts';
import { EXECUTOR_SERVICE_ACCOUNT, TEMPLATE_NAME } from '../lib/wire-names.ts';

const root = join(import.meta.dirname, '..');
const workflowTemplate = parse(
  readFileSync(join(root, 'workflow-templates/orkestra-helmrelease.yaml'), 'utf8'),
);
const templates = new Map<string, Template>(
  workflowTemplate.spec.templates.map((t: Template) => [t.name, t]),
);

/** Problems with the templateRef calls of a Workflow, as `task: problem`. */
function callProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const template of workflow.spec.templates) {
    for (const task of template.dag?.tasks ?? []) {
      if (!task.templateRef) {
        if (!workflow.spec.templates.some((t) => t.name === task.template))
          problems.push(`${task.name}: no template ${task.template}`);
        continue;
      }
      if (task.templateRef.name !== TEMPLATE_NAME) continue;
      const called = templates.get(task.templateRef.template);
      if (!called) {
        problems.push(`${task.name}: orkestra-helmrelease has no template ${task.templateRef.template}`);
        continue;
      }
      const given = new Set((task.arguments?.parameters ?? []).map((p) => p.name));
      for (const input of called.inputs?.parameters ?? []) {
        if (input.default === undefined && !given.has(input.name))
          problems.push(`${task.name}: missing parameter ${input.name}`);
      }
      const known = new Set((called.inputs?.parameters ?? []).map((p) => p.name));
      for (const name of given)
        if (!known.has(name)) problems.push(`${task.name}: unknown parameter ${name}`);
    }
  }
  return problems;
}

const workflowFiles = [
  ...readdirSync(join(root, 'test/golden')).map((f) => join('test/golden', f)),
  ...readdirSync(join(root, 'examples/workflows')).map((f) => join('examples/workflows', f)),
];

describe('calls into orkestra-helmrelease', () => {
  it.each(workflowFiles)('%s', (file) => {
    const workflows = parseAllDocuments(readFileSync(join(root, file), 'utf8'))
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'Workflow');
    expect(workflows.length).toBeGreaterThan(0);
    for (const workflow of workflows) expect(callProblems(workflow)).toEqual([]);
  });

  it('spells the template and ServiceAccount names as lib/wire-names.ts does', () => {
    expect(workflowTemplate.metadata.name).toBe(TEMPLATE_NAME);
    expect(workflowTemplate.spec.serviceAccountName).toBe(EXECUTOR_SERVICE_ACCOUNT);
    for (const template of templates.values())
      expect(template.serviceAccountName).toBe(EXECUTOR_SERVICE_ACCOUNT);
    const rbac = parseAllDocuments(readFileSync(join(root, 'workflow-templates/rbac/executor.yaml'), 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean);
    expect(rbac.find((o) => o.kind === 'ServiceAccount')?.metadata.name).toBe(EXECUTOR_SERVICE_ACCOUNT);
    const binding = rbac.find((o) => o.kind === 'RoleBinding');
    expect(binding?.subjects).toEqual([
      expect.objectContaining({ kind: 'ServiceAccount', name: EXECUTOR_SERVICE_ACCOUNT }),
    ]);
  });

  it('the ClusterWorkflowTemplate twin has the same templates', () => {
    const twin = parse(
      readFileSync(join(root, 'workflow-templates/generated/orkestra-helmrelease.cluster.yaml'), 'utf8'),
    );
    expect(twin.kind).toBe('ClusterWorkflowTemplate');
    expect(twin.spec).toEqual(workflowTemplate.spec);
  });

  it('passes every parameter to the executor as its own argument, never through a shell', () => {
    for (const template of templates.values()) {
      const container = template.container as { command?: string[]; args: string[] };
      // The command is the image's own entrypoint (test/dockerfile.test.ts): no shell, no parameters.
      expect(container.command?.join(' ')).not.toMatch(/\b(sh|bash)\b|\{\{/);
      for (const input of template.inputs?.parameters ?? []) {
        expect(container.args).toContain(`{{inputs.parameters.${input.name}}}`);
      }
    }
  });
});
