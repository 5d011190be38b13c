// Deleting releases a newer spec no longer has: the delete tasks of one flat DAG, ordered by the
// dependencies of the specs that had them (dependents first), and the Workflow shape that runs them
// before the rest: `remove`, then the DAG that installs, restores or uninstalls.
import type {
  Application,
  ApplicationGroup,
  ApplicationGroupSpec,
} from '../../../lib/api/application-group.ts';
import type { DagTask, Template } from '../../../lib/api/argo.ts';
import { type ExpandedApplication, expandApplications } from './expand-group.ts';
import { sinks } from './graph.ts';
import type { RenderedRelease } from './helm-release.ts';
import type { Settings } from './settings.ts';
import { dagTemplate, deleteTask } from './tasks.ts';

/** The DAG that follows `remove` in each kind of Workflow: where its application tasks are. */
export const AFTER_REMOVAL = { forward: 'install', rollback: 'restore', uninstall: 'uninstall' } as const;

/** Specs (from the rollout record) expanded as the group's: their releases and how they depend. */
export function expandSpecs(
  group: ApplicationGroup,
  settings: Settings,
  specs: readonly ApplicationGroupSpec[],
): ExpandedApplication[][] {
  return specs.map((spec) => expandApplications({ ...group, spec }, settings));
}

/**
 * Templates of a Workflow whose entry `entry` first runs `removeTasks` (DAG `remove`), then `tasks`
 * (DAG `then`); with nothing to remove, `tasks` are the entry's own.
 */
export function removeThen(
  entry: string,
  removeTasks: DagTask[],
  then: string,
  dag: { tasks: DagTask[]; templates: Template[] },
): Template[] {
  if (removeTasks.length === 0) return [dagTemplate(entry, dag.tasks), ...dag.templates];
  return [
    dagTemplate(entry, [
      { name: 'remove', template: 'remove' },
      { name: then, template: then, dependencies: ['remove'] },
    ]),
    dagTemplate('remove', removeTasks),
    dagTemplate(then, dag.tasks),
    ...dag.templates,
  ];
}

/**
 * Delete tasks for the releases of `specs` (expanded; a later one's release of a name overrides an
 * earlier one's) not in `kept`, in one flat DAG: a release is deleted only after every removed
 * release that depends on it, directly or through kept ones.
 */
export function removalTasks(
  settings: Settings,
  specs: readonly ExpandedApplication[][],
  kept: ReadonlySet<string>,
): DagTask[] {
  const units = new Map<string, Unit>();
  for (const apps of specs) addUnits(units, apps);
  return deleteInOrder(settings, units, kept);
}

type Unit = { release: RenderedRelease; app: Application; dependsOn: string[] };

/** Each release of `apps` with the releases it depends on. */
function addUnits(units: Map<string, Unit>, apps: readonly ExpandedApplication[]): void {
  const parentOf = new Map(apps.map((a) => [a.task, a.release.name]));
  for (const entry of apps) {
    const subNames = new Map(entry.subcharts.map((s) => [s.task, s.release.name]));
    const appDeps = entry.dependencies.map((d) => parentOf.get(d) as string);
    for (const sub of entry.subcharts) {
      const deps = sub.dependencies.map((d) => subNames.get(d) as string);
      units.set(sub.release.name, {
        release: sub.release,
        app: entry.app,
        dependsOn: deps.length > 0 ? deps : appDeps,
      });
    }
    const lastSubs = sinks(
      entry.subcharts.map((s) => ({
        name: s.release.name,
        dependencies: s.dependencies.map((d) => subNames.get(d) as string),
      })),
    );
    units.set(entry.release.name, {
      release: entry.release,
      app: entry.app,
      dependsOn: entry.subcharts.length > 0 ? lastSubs : appDeps,
    });
  }
}

function deleteInOrder(
  settings: Settings,
  units: ReadonlyMap<string, Unit>,
  kept: ReadonlySet<string>,
): DagTask[] {
  const removed = [...units.keys()].filter((name) => !kept.has(name));
  const removedSet = new Set(removed);
  // waitFor[y] = removed releases that must be deleted before y: the nearest removed dependents.
  const waitFor = new Map<string, string[]>(removed.map((name) => [name, []]));
  for (const name of removed) {
    const seen = new Set<string>();
    const stack = [...(units.get(name)?.dependsOn ?? [])];
    while (stack.length > 0) {
      const dep = stack.pop() as string;
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (removedSet.has(dep)) waitFor.get(dep)?.push(name);
      else stack.push(...(units.get(dep)?.dependsOn ?? []));
    }
  }
  return removed.map((name) => {
    const unit = units.get(name) as Unit;
    return deleteTask(settings, name, waitFor.get(name) ?? [], unit.release, unit.app);
  });
}
