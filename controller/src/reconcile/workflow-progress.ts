// PURE: what a forward or reverse Workflow says about each application of its group, read from the
// nodes Argo keeps in status.nodes (shapes recorded in test/fixtures/argo/workflows/): a task is a
// `Retry` node named `<workflow>.<task>` carrying the executor's `result` output; an application
// with subcharts is a `DAG` node whose tasks are `<workflow>.<task>.<subtask>`; a deleting Workflow
// (reverse, uninstalling rollback) is one flat DAG of tasks named after the HelmReleases; a task
// Argo never reached is `Skipped`/`Omitted` or absent. A DAG of more than 200 tasks is split into
// parts (split-dags.ts): its tasks are then `<workflow>.<part>.<task>`.

import type {
  Application,
  ApplicationGroup,
  ApplicationStatus,
  ChartStatus,
  ReleasePhase,
} from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import { type WorkflowNode, workflowNodes } from '../../../lib/workflow-nodes.ts';
import { topologicalOrder } from '../expand/graph.ts';
import { releaseName } from '../expand/helm-release.ts';
import { AFTER_REMOVAL } from '../expand/removal.ts';
import { partsOf } from '../expand/split-dags.ts';
import { nestedTaskNames } from '../expand/tasks.ts';

/** The first release that failed, in dependency order, and why. */
export interface Failure {
  application: string;
  subchart?: string;
  message: string;
}

export interface WorkflowProgress {
  applications: ApplicationStatus[];
  failure?: Failure;
}

/** What the executor wrote to its result file, as Argo reports it (the `result` output). */
interface StepResult {
  reason?: string;
  message?: string;
  chartVersion?: string;
}

function stepResult(node: WorkflowNode | undefined): StepResult {
  const value = node?.outputs?.parameters?.find((p) => p.name === 'result')?.value;
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as StepResult) : {};
  } catch {
    return {};
  }
}

/** A node's status as a release phase; `reverse` Workflows delete, so their success is `Deleted`. */
function phaseOf(node: WorkflowNode | undefined, reverse: boolean): ReleasePhase {
  if (!node || node.type === 'Skipped' || node.phase === 'Omitted' || node.phase === 'Skipped')
    return 'Pending';
  switch (node.phase) {
    case 'Succeeded':
      return reverse ? 'Deleted' : 'Succeeded';
    case 'Failed':
    case 'Error':
      return 'Failed';
    default:
      return 'Progressing';
  }
}

/**
 * The status of one step: its phase, the chart version it installed, and what it said. `attempt`
 * is its last pod: when the executor wrote no result, the pod's message (`main: Error (exit code
 * 2)`) says more than the Retry node's own (`retryStrategy.expression evaluated to false`).
 */
function stepStatus(
  node: WorkflowNode | undefined,
  attempt: WorkflowNode | undefined,
  reverse: boolean,
): ChartStatus {
  const phase = phaseOf(node, reverse);
  const result = stepResult(node);
  const message =
    phase === 'Failed'
      ? [result.reason, result.message ?? attempt?.message ?? node?.message].filter(Boolean).join(': ')
      : result.message;
  return {
    phase,
    ...(result.chartVersion && !reverse ? { version: result.chartVersion } : {}),
    ...(message ? { message } : {}),
  };
}

/** The DAG after `remove` in the Workflow's entry template, when it first removes releases. */
function afterRemovalDag(workflow: Workflow): string | undefined {
  const entry = workflow.spec?.templates?.find((t) => t.name === workflow.spec?.entrypoint);
  const tasks = entry?.dag?.tasks ?? [];
  const dags: readonly string[] = Object.values(AFTER_REMOVAL);
  const removes = tasks.some((t) => t.name === 'remove' && t.template === 'remove');
  return removes ? tasks.find((t) => t.template === t.name && dags.includes(t.name))?.name : undefined;
}

/**
 * An application in a deleting Workflow: one flat DAG of delete tasks named after the HelmReleases —
 * its own and its subcharts'. As a whole it is Deleted once all are, Failed if one failed.
 */
function deletion(
  app: Application,
  step: (...tasks: string[]) => ChartStatus,
  failures: Failure[],
): ApplicationStatus {
  const own = step(releaseName(app.name));
  if (own.phase === 'Failed') failures.push({ application: app.name, message: own.message ?? '' });
  const subcharts = app.spec.subcharts ?? [];
  if (subcharts.length === 0) return { name: app.name, ...own };
  const subchartStatus: Record<string, ChartStatus> = {};
  for (const sub of topologicalOrder(subcharts)) {
    const status = step(releaseName(app.name, sub));
    subchartStatus[sub] = status;
    if (status.phase === 'Failed')
      failures.push({ application: app.name, subchart: sub, message: status.message ?? '' });
  }
  const phases = [own, ...Object.values(subchartStatus)].map((s) => s.phase);
  const whole: ReleasePhase = phases.includes('Failed')
    ? 'Failed'
    : phases.every((p) => p === 'Deleted')
      ? 'Deleted'
      : phases.every((p) => p === 'Pending')
        ? 'Pending'
        : 'Progressing';
  const failure = failures.find((f) => f.application === app.name);
  return {
    name: app.name,
    ...own,
    phase: whole,
    ...(whole === 'Failed' && failure ? { message: failure.message } : {}),
    subcharts: subchartStatus,
  };
}

/** Per-application (and per-subchart) status from the Workflow's nodes, and the first failure. */
export function workflowProgress(
  group: ApplicationGroup,
  workflow: Workflow,
  mode: 'apply' | 'delete',
): WorkflowProgress {
  const reverse = mode === 'delete';
  const all = Object.values(workflowNodes(workflow));
  const byNodeName = new Map(all.map((n) => [n.name, n]));
  const byId = new Map(all.map((n) => [n.id, n]));
  // The group's tasks sit at the top of the Workflow, or in the DAG that follows removals (a forward
  // Workflow's `install`, a rollback's `restore`, an uninstall's `uninstall`): found by the Workflow's
  // shape, since an application may have any of those names.
  const name = workflow.metadata.name as string;
  const after = afterRemovalDag(workflow);
  const prefix = after ? `${name}.${after}` : name;
  // A DAG split to fit Argo's task limit runs each task one level down, in its part.
  const parts = partsOf(workflow, after ?? workflow.spec?.entrypoint);
  const node = (...tasks: string[]) => {
    const part = parts.get(tasks[0] as string);
    return byNodeName.get([prefix, ...(part ? [part] : []), ...tasks].join('.'));
  };
  const step = (...tasks: string[]) => {
    const found = node(...tasks);
    return stepStatus(found, byId.get(found?.children?.at(-1)), reverse);
  };
  const byName = new Map(group.spec.applications.map((a) => [a.name, a]));
  const applications: ApplicationStatus[] = [];
  const failures: Failure[] = [];

  for (const name of topologicalOrder(group.spec.applications)) {
    const app = byName.get(name);
    if (!app) continue;
    if (reverse) {
      applications.push(deletion(app, step, failures));
      continue;
    }
    const task = toDnsLabel(app.name);
    const subcharts = app.spec.subcharts ?? [];
    if (subcharts.length === 0) {
      const status = step(task);
      applications.push({ name: app.name, ...status });
      if (status.phase === 'Failed') failures.push({ application: app.name, message: status.message ?? '' });
      continue;
    }
    const subTasks = new Map(subcharts.map((s) => [s.name, toDnsLabel(s.name)]));
    const names = nestedTaskNames(task, [...subTasks.values()]);
    const parent = step(task, names.forwardParent);
    const stage = step(task, names.stage);
    const subchartStatus: Record<string, ChartStatus> = {};
    for (const sub of topologicalOrder(subcharts)) {
      const status = step(task, subTasks.get(sub) as string);
      subchartStatus[sub] = status;
      if (status.phase === 'Failed')
        failures.push({ application: app.name, subchart: sub, message: status.message ?? '' });
    }
    if (stage.phase === 'Failed') {
      failures.push({
        application: app.name,
        message: `staging its subcharts failed: ${stage.message ?? ''}`,
      });
    }
    if (parent.phase === 'Failed') failures.push({ application: app.name, message: parent.message ?? '' });
    // The application as a whole: the DAG node's phase; its version and message are the parent's.
    const whole = phaseOf(node(task), reverse);
    const failure = failures.find((f) => f.application === app.name);
    applications.push({
      name: app.name,
      ...parent,
      phase: whole,
      ...(whole === 'Failed' && failure ? { message: failure.message } : {}),
      subcharts: subchartStatus,
    });
  }
  return { applications, ...(failures[0] ? { failure: failures[0] } : {}) };
}
