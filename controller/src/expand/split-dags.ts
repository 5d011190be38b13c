// PURE: a Workflow whose DAG templates all fit Argo's limit on tasks per template. A larger DAG
// becomes a DAG of parts (chunkDag: topological order, at most `limit` tasks each), all started at
// once; a dependency on a task of another part is a wait task in the dependent's part, which watches
// that task's node. No task waits on anything but its own dependencies.
import type { DagTask, Template, Workflow } from '../../../lib/api/argo.ts';
import { toDnsLabel, uniqueName } from '../../../lib/names.ts';
import { Labels } from '../../../lib/wire-names.ts';
import { ARGO_DAG_TASK_LIMIT, chunkDag } from './chunks.ts';
import { orUndefined } from './tasks.ts';

/** The orkestra-helmrelease template of wait tasks. */
export const WAIT_TEMPLATE = 'wait';

/** Makes the task `name` that waits until node `node` (running inside DAG node `scope`) succeeded. */
export type WaitTask = (name: string, node: string, scope: string) => DagTask;

/**
 * The node name each DAG template runs as, walking from the entrypoint through tasks that call the
 * Workflow's own templates: Argo names a task's node `<parent node>.<task>`, the entry `<workflow>`.
 */
function dagNodeNames(workflow: Workflow): Map<string, string> {
  const templates = new Map(workflow.spec.templates.map((t) => [t.name, t]));
  const names = new Map<string, string>();
  const visit = (template: string, node: string) => {
    if (names.has(template)) return;
    names.set(template, node);
    for (const task of templates.get(template)?.dag?.tasks ?? []) {
      if (task.template && templates.has(task.template)) visit(task.template, `${node}.${task.name}`);
    }
  };
  visit(workflow.spec.entrypoint, workflow.metadata.name as string);
  return names;
}

function splitDag(
  template: Template,
  node: string,
  taken: Set<string>,
  waitTask: WaitTask,
  limit: number,
): Template[] {
  const tasks = template.dag?.tasks ?? [];
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const chunks = chunkDag(
    tasks.map((t) => ({ name: t.name, dependencies: t.dependencies ?? [] })),
    limit,
  );
  const partTask = new Map<string, string>();
  chunks.forEach((chunk, i) => {
    for (const member of chunk.members) partTask.set(member, `part-${i + 1}`);
  });
  const parts = chunks.map((chunk, i): Template => {
    const name = uniqueName(toDnsLabel([template.name, 'part', String(i + 1)]), taken);
    taken.add(name);
    const members = new Set(chunk.members);
    const names = new Set(chunk.members);
    const waitFor = new Map<string, string>();
    const waits = chunk.waits.map((dependency) => {
      const wait = uniqueName(toDnsLabel(['wait', dependency]), names);
      names.add(wait);
      waitFor.set(dependency, wait);
      const scope = `${node}.${partTask.get(dependency)}`;
      return waitTask(wait, `${scope}.${dependency}`, scope);
    });
    const memberTasks = chunk.members.map((member) => {
      const task = byName.get(member) as DagTask;
      const dependencies = (task.dependencies ?? []).map((d) => (members.has(d) ? d : (waitFor.get(d) ?? d)));
      return { ...task, dependencies: orUndefined(dependencies) };
    });
    return {
      name,
      metadata: { labels: { [Labels.dagPartOf]: template.name } },
      dag: { tasks: [...waits, ...memberTasks] },
    };
  });
  return [
    { ...template, dag: { tasks: parts.map((part, i) => ({ name: `part-${i + 1}`, template: part.name })) } },
    ...parts,
  ];
}

/** The Workflow with every DAG template of more than `limit` tasks split into parts. */
export function splitLargeDags(
  workflow: Workflow,
  waitTask: WaitTask,
  limit = ARGO_DAG_TASK_LIMIT,
): Workflow {
  const large = workflow.spec.templates.filter((t) => (t.dag?.tasks.length ?? 0) > limit);
  if (large.length === 0) return workflow;
  const nodes = dagNodeNames(workflow);
  const taken = new Set(workflow.spec.templates.map((t) => t.name));
  const templates = workflow.spec.templates.flatMap((t) =>
    large.includes(t) ? splitDag(t, nodes.get(t.name) ?? '', taken, waitTask, limit) : [t],
  );
  return { ...workflow, spec: { ...workflow.spec, templates } };
}

/**
 * The part task each task of DAG template `template` runs in, read from the Workflow's templates:
 * empty when the template was not split.
 */
export function partsOf(workflow: Workflow, template: string): Map<string, string> {
  const templates = new Map(workflow.spec?.templates?.map((t) => [t.name, t]) ?? []);
  const parts = new Map<string, string>();
  for (const task of templates.get(template)?.dag?.tasks ?? []) {
    const part = task.template ? templates.get(task.template) : undefined;
    if (part?.metadata?.labels?.[Labels.dagPartOf] !== template) continue;
    for (const member of part.dag?.tasks ?? []) {
      if (member.templateRef?.template !== WAIT_TEMPLATE) parts.set(member.name, task.name);
    }
  }
  return parts;
}

/** Whether a DAG of the Workflow was split into parts. */
export function isSplit(workflow: Workflow): boolean {
  return workflow.spec.templates.some((t) => t.metadata?.labels?.[Labels.dagPartOf] !== undefined);
}
