// DAG tasks that call the orkestra-helmrelease templates: apply and delete steps, an application's
// nested DAG (stage → subcharts → parent).
import type { Application } from '../../../lib/api/application-group.ts';
import type { DagTask, Parameter, Template } from '../../../lib/api/argo.ts';
import { toDnsLabel, uniqueName } from '../../../lib/names.ts';
import { prune } from '../../../lib/yaml.ts';
import type { ExpandedApplication } from './expand-group.ts';
import { sinks } from './graph.ts';
import { executorTimeout, type RenderedRelease } from './helm-release.ts';
import type { Encode } from './payloads.ts';
import type { Settings } from './settings.ts';

function parameters(values: Record<string, string>): { parameters: Parameter[] } {
  return { parameters: Object.entries(values).map(([name, value]) => ({ name, value })) };
}

export function orUndefined<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

export function dagTemplate(name: string, tasks: DagTask[]): Template {
  return { name, dag: { tasks } };
}

function leafTask(
  settings: Settings,
  name: string,
  template: 'apply' | 'delete' | 'stage' | 'wait',
  dependencies: string[],
  args: Record<string, string>,
): DagTask {
  return prune({
    name,
    templateRef: { ...settings.templateRef, template },
    dependencies: orUndefined(dependencies),
    arguments: parameters(args),
  });
}

function applyTask(
  settings: Settings,
  name: string,
  deps: string[],
  release: RenderedRelease,
  app: Application,
  encode: Encode,
  /** A staged subchart's: the version its stage step pushed (an Argo expression). */
  chartVersion?: string,
): DagTask {
  return leafTask(settings, name, 'apply', deps, {
    helmrelease: encode(release, 'helmrelease'),
    source: encode(release, 'source'),
    ...(chartVersion ? { 'chart-version': chartVersion } : {}),
    timeout: executorTimeout(app.spec.release),
  });
}

export function deleteTask(
  settings: Settings,
  name: string,
  deps: string[],
  release: string,
  timeout: string,
): DagTask {
  return leafTask(settings, name, 'delete', deps, {
    name: release,
    namespace: settings.namespace,
    ...(settings.owner ? { owner: settings.owner } : {}),
    timeout,
  });
}

/** A task of a split DAG that waits until node `node` of Workflow `workflow` (inside DAG node `scope`) succeeded. */
export function waitTask(
  settings: Settings,
  workflow: string,
  name: string,
  node: string,
  scope: string,
): DagTask {
  return leafTask(settings, name, 'wait', [], { workflow, namespace: settings.namespace, node, scope });
}

/** Tasks of the forward DAG of `apps`, plus the nested DAG templates of applications with subcharts. */
export function forwardTasks(
  settings: Settings,
  apps: ExpandedApplication[],
  encode: Encode,
  templatePrefix: string,
) {
  const tasks: DagTask[] = [];
  const templates: Template[] = [];
  for (const entry of apps) {
    if (entry.subcharts.length === 0) {
      tasks.push(applyTask(settings, entry.task, entry.dependencies, entry.release, entry.app, encode));
      continue;
    }
    const template = toDnsLabel([templatePrefix, entry.task]);
    tasks.push(prune({ name: entry.task, template, dependencies: orUndefined(entry.dependencies) }));
    templates.push(dagTemplate(template, applicationForwardTasks(settings, entry, encode)));
  }
  return { tasks, templates };
}

/** Task names inside an application's nested forward DAG, beside its subcharts' tasks: the stage step and the parent release. */
export function nestedTaskNames(task: string, subcharts: readonly string[]) {
  const subTasks = new Set(subcharts);
  const stage = uniqueName('stage', subTasks);
  return { stage, forwardParent: uniqueName(task, new Set([...subTasks, stage])) };
}

/** stage the parent chart → subcharts in their own order → the parent release with its subcharts disabled. */
function applicationForwardTasks(settings: Settings, entry: ExpandedApplication, encode: Encode): DagTask[] {
  const { stage, forwardParent: parent } = nestedTaskNames(
    entry.task,
    entry.subcharts.map((s) => s.task),
  );
  const chart = entry.app.spec.chart;
  const secret = chart.authSecretRef;
  const tasks: DagTask[] = [
    leafTask(settings, stage, 'stage', [], {
      'chart-url': chart.url,
      'chart-name': chart.name,
      'chart-version': chart.version ?? '',
      subcharts: (entry.app.spec.subcharts ?? []).map((s) => s.name).join(','),
      'staging-url': settings.stagingUrl,
      'staging-plain-http': String(settings.stagingPlainHttp),
      'auth-secret': secret?.name ?? '',
    }),
  ];
  const staged = (entry.app.spec.subcharts ?? []).map((s) => s.name);
  for (const sub of entry.subcharts) {
    const deps = sub.dependencies.length > 0 ? sub.dependencies : [stage];
    // The exact version the stage step pushed (its result lists them in --subcharts order).
    const index = staged.indexOf(sub.release.subchart as string);
    const version = `{{=jsonpath(tasks['${stage}'].outputs.parameters.result, '$.staged[${index}].version')}}`;
    tasks.push(applyTask(settings, sub.task, deps, sub.release, entry.app, encode, version));
  }
  const last = sinks(entry.subcharts.map((s) => ({ name: s.task, dependencies: s.dependencies })));
  tasks.push(applyTask(settings, parent, last, entry.release, entry.app, encode));
  return tasks;
}
