import type { Application, ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { DagTask, Template } from '../../../lib/api/argo.ts';
import { prune } from '../../../lib/yaml.ts';
import { type ExpandedApplication, expandApplications, releasesOf } from './expand-group.ts';
import { sinks } from './graph.ts';
import type { RenderedRelease } from './helm-release.ts';
import { type RenderedWorkflow, type RenderOptions, type Settings, settingsFor } from './settings.ts';
import { dagTemplate, deleteTask, forwardTasks, reverseTasks } from './tasks.ts';
import { dagWorkflow, withBundles } from './workflow-shell.ts';

/**
 * The Workflow that undoes a failed generation: releases that the last successful spec does not have
 * are deleted (dependents first), then every release of the last successful spec is applied again in
 * its own order. Without a successful generation, everything of the failed spec is deleted.
 */
export function renderRollbackWorkflow(
  failed: ApplicationGroup,
  lastSucceeded: ApplicationGroup | undefined,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(failed, options);
  const failedApps = expandApplications(failed, settings);
  if (!lastSucceeded) {
    return {
      workflow: dagWorkflow(failed, settings, 'rollback', reverseTasks(settings, failedApps)),
      configMaps: [],
    };
  }
  const restoreApps = expandApplications({ ...lastSucceeded, metadata: failed.metadata }, settings);
  const restoreReleases = releasesOf(restoreApps);
  const kept = new Set(restoreReleases.map((r) => r.name));
  const removeTasks = removalTasks(settings, failedApps, kept);
  return withBundles(failed, settings, 'rollback', options.bundles ?? 'auto', restoreReleases, (encode) => {
    const restore = forwardTasks(settings, restoreApps, encode, 'restore');
    const entry: DagTask[] = [];
    const templates: Template[] = [];
    if (removeTasks.length > 0) {
      entry.push({ name: 'remove', template: 'remove' });
      templates.push(dagTemplate('remove', removeTasks));
    }
    entry.push(
      prune({
        name: 'restore',
        template: 'restore',
        dependencies: removeTasks.length > 0 ? ['remove'] : undefined,
      }),
    );
    templates.push(dagTemplate('restore', restore.tasks), ...restore.templates);
    return [dagTemplate('rollback', entry), ...templates];
  });
}

/**
 * Delete tasks for the releases of `apps` not in `kept`, in one flat DAG: a release is deleted only
 * after every removed release that depends on it, directly or through kept ones.
 */
function removalTasks(settings: Settings, apps: ExpandedApplication[], kept: ReadonlySet<string>): DagTask[] {
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
