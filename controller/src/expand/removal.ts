// Deleting releases a newer spec no longer has: the delete tasks of one flat DAG, ordered by the
// dependencies of the spec that had them (dependents first).
import type { Application } from '../../../lib/api/application-group.ts';
import type { DagTask } from '../../../lib/api/argo.ts';
import type { ExpandedApplication } from './expand-group.ts';
import { sinks } from './graph.ts';
import type { RenderedRelease } from './helm-release.ts';
import type { Settings } from './settings.ts';
import { deleteTask } from './tasks.ts';

/**
 * Delete tasks for the releases of `apps` not in `kept`, in one flat DAG: a release is deleted only
 * after every removed release that depends on it, directly or through kept ones.
 */
export function removalTasks(
  settings: Settings,
  apps: ExpandedApplication[],
  kept: ReadonlySet<string>,
): DagTask[] {
  type Unit = { release: RenderedRelease; app: Application; dependsOn: string[] };
  const units = new Map<string, Unit>();
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
