import type { DagTask, Workflow } from '../../../lib/api/argo.ts';

export type GraphFormat = 'mermaid' | 'dot' | 'text';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'text'];

interface Step {
  id: string;
  label: string;
  action: string;
  cluster: string | undefined;
}

/** A rendered Workflow's DAG with nested DAG templates flattened: steps, edges and the clusters they sit in. */
export interface WorkflowGraph {
  steps: Step[];
  edges: Array<[from: string, to: string]>;
  clusters: Array<{ id: string; label: string; parent: string | undefined }>;
}

export function workflowGraph(workflow: Workflow): WorkflowGraph {
  const templates = new Map(workflow.spec.templates.map((t) => [t.name, t]));
  const graph: WorkflowGraph = { steps: [], edges: [], clusters: [] };

  /** Adds the tasks of one DAG template; returns the step ids a dependent must wait for / start after. */
  const addDag = (templateName: string, prefix: string, cluster: string | undefined) => {
    const tasks: DagTask[] = templates.get(templateName)?.dag?.tasks ?? [];
    const ends = new Map<string, { entries: string[]; exits: string[] }>();
    for (const task of tasks) {
      const id = prefix ? `${prefix}/${task.name}` : task.name;
      const nested = task.template ? templates.get(task.template) : undefined;
      if (nested?.dag) {
        graph.clusters.push({ id, label: task.name, parent: cluster });
        ends.set(task.name, addDag(nested.name, id, id));
      } else {
        graph.steps.push({
          id,
          label: task.name,
          action: task.templateRef?.template ?? task.template ?? '',
          cluster,
        });
        ends.set(task.name, { entries: [id], exits: [id] });
      }
    }
    for (const task of tasks) {
      for (const dep of task.dependencies ?? []) {
        for (const from of ends.get(dep)?.exits ?? []) {
          for (const to of ends.get(task.name)?.entries ?? []) graph.edges.push([from, to]);
        }
      }
    }
    const dependedOn = new Set(tasks.flatMap((t) => t.dependencies ?? []));
    return {
      entries: tasks.filter((t) => !t.dependencies?.length).flatMap((t) => ends.get(t.name)?.entries ?? []),
      exits: tasks.filter((t) => !dependedOn.has(t.name)).flatMap((t) => ends.get(t.name)?.exits ?? []),
    };
  };
  addDag(workflow.spec.entrypoint, '', undefined);
  return graph;
}

export function formatGraph(workflow: Workflow, format: GraphFormat): string {
  const graph = workflowGraph(workflow);
  switch (format) {
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(workflow.metadata.name ?? 'workflow', graph);
    case 'text':
      return toText(graph);
  }
}

function ids(graph: WorkflowGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, c] of graph.clusters.entries()) out.set(c.id, `c${i}`);
  for (const [i, s] of graph.steps.entries()) out.set(s.id, `s${i}`);
  return out;
}

function stepLabel(step: Step): string {
  return step.action === 'apply' ? step.label : `${step.label} (${step.action})`;
}

function toMermaid(graph: WorkflowGraph): string {
  const id = ids(graph);
  const lines = ['flowchart TD'];
  const emit = (cluster: string | undefined, indent: string) => {
    for (const step of graph.steps.filter((s) => s.cluster === cluster)) {
      lines.push(`${indent}${id.get(step.id)}["${stepLabel(step)}"]`);
    }
    for (const child of graph.clusters.filter((c) => c.parent === cluster)) {
      lines.push(`${indent}subgraph ${id.get(child.id)}["${child.label}"]`);
      emit(child.id, `${indent}  `);
      lines.push(`${indent}end`);
    }
  };
  emit(undefined, '  ');
  for (const [from, to] of graph.edges) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
  return `${lines.join('\n')}\n`;
}

function toDot(name: string, graph: WorkflowGraph): string {
  const id = ids(graph);
  const lines = [`digraph "${name}" {`, '  rankdir=LR;', '  node [shape=box];'];
  const emit = (cluster: string | undefined, indent: string) => {
    for (const step of graph.steps.filter((s) => s.cluster === cluster)) {
      lines.push(`${indent}${id.get(step.id)} [label="${stepLabel(step)}"];`);
    }
    for (const child of graph.clusters.filter((c) => c.parent === cluster)) {
      lines.push(`${indent}subgraph cluster_${id.get(child.id)} {`, `${indent}  label="${child.label}";`);
      emit(child.id, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emit(undefined, '  ');
  for (const [from, to] of graph.edges) lines.push(`  ${id.get(from)} -> ${id.get(to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** One line per step in Workflow order: `bookinfo/reviews  ← bookinfo/details, bookinfo/ratings`. */
function toText(graph: WorkflowGraph): string {
  const after = new Map<string, string[]>();
  for (const [from, to] of graph.edges) after.set(to, [...(after.get(to) ?? []), from]);
  const width = Math.max(...graph.steps.map((s) => stepLabel({ ...s, label: s.id }).length));
  return graph.steps
    .map((step) => {
      const name = stepLabel({ ...step, label: step.id });
      const deps = after.get(step.id);
      return deps ? `${name.padEnd(width)}  ← ${deps.join(', ')}` : name;
    })
    .join('\n')
    .concat('\n');
}
