// PURE: deleting releases. Every deletion — a forward Workflow's removal of what the group no longer
// has, a rollback's, an uninstall at deletion — is one flat DAG of delete tasks over release units
// (HelmRelease name → the releases it depends on), dependents first. Units of several specs merge:
// what a rollout stopped half-way or rolled back installed is deleted in the order its own spec set.
import type { Application, ApplicationGroupSpec } from '../../../lib/api/application-group.ts';
import type { DagTask, Template } from '../../../lib/api/argo.ts';
import { sinks } from './graph.ts';
import { executorTimeout, releaseName } from './helm-release.ts';
import type { Settings } from './settings.ts';
import { dagTemplate, deleteTask } from './tasks.ts';

/** A release as deletion sees it: what it depends on (HelmRelease names) and its step's timeout. */
export interface ReleaseUnit {
  dependsOn: string[];
  timeout: string;
}

/** Release units by HelmRelease name. */
export type ReleaseUnits = Record<string, ReleaseUnit>;

/** The DAG that follows `remove` in each kind of Workflow: where its application tasks are. */
export const AFTER_REMOVAL = { forward: 'install', rollback: 'restore' } as const;

/**
 * Each release of the spec with the releases it depends on: an application's on its dependencies'
 * (parent) releases; with subcharts, each subchart on its sibling subcharts (those without any on
 * the application's dependencies) and the parent release on the last subcharts.
 */
export function releaseUnits(spec: ApplicationGroupSpec): ReleaseUnits {
  const units: ReleaseUnits = {};
  for (const app of spec.applications) {
    const timeout = executorTimeout(app.spec.release);
    const appDeps = (app.dependencies ?? []).map((d) => releaseName(d));
    const subcharts = app.spec.subcharts ?? [];
    for (const sub of subcharts) {
      const deps = (sub.dependencies ?? []).map((d) => releaseName(app.name, d));
      units[releaseName(app.name, sub.name)] = { dependsOn: deps.length > 0 ? deps : appDeps, timeout };
    }
    units[releaseName(app.name)] = {
      dependsOn: subcharts.length > 0 ? lastSubcharts(app) : appDeps,
      timeout,
    };
  }
  return units;
}

function lastSubcharts(app: Application): string[] {
  const subcharts = app.spec.subcharts ?? [];
  return sinks(subcharts.map((s) => ({ name: s.name, dependencies: s.dependencies ?? [] }))).map((s) =>
    releaseName(app.name, s),
  );
}

/** Whether `to` can be reached from `from` along dependsOn. */
function reaches(units: ReleaseUnits, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const at = stack.pop() as string;
    if (at === to) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    stack.push(...(units[at]?.dependsOn ?? []));
  }
  return false;
}

/**
 * `newer` over `older`: every release of both; newer's timeout and dependencies, then each of
 * older's dependencies that closes no cycle (an installed release may still depend on it as its
 * own spec said, unless the newer spec reversed that order).
 */
export function mergeUnits(older: ReleaseUnits, newer: ReleaseUnits): ReleaseUnits {
  const merged: ReleaseUnits = {};
  for (const [name, unit] of Object.entries(older)) merged[name] = { ...unit, dependsOn: [] };
  for (const [name, unit] of Object.entries(newer))
    merged[name] = { ...unit, dependsOn: [...unit.dependsOn] };
  for (const name of Object.keys(older).sort()) {
    for (const dep of older[name]?.dependsOn ?? []) {
      const unit = merged[name] as ReleaseUnit;
      if (!unit.dependsOn.includes(dep) && !reaches(merged, dep, name)) unit.dependsOn.push(dep);
    }
  }
  return merged;
}

/**
 * Delete tasks for the units not in `kept`, in one flat DAG: a release is deleted only after every
 * removed release that depends on it, directly or through kept ones.
 */
export function removalTasks(settings: Settings, units: ReleaseUnits, kept: ReadonlySet<string>): DagTask[] {
  const removed = Object.keys(units).filter((name) => !kept.has(name));
  const removedSet = new Set(removed);
  // waitFor[y] = removed releases that must be deleted before y: the nearest removed dependents.
  const waitFor = new Map<string, string[]>(removed.map((name) => [name, []]));
  for (const name of removed) {
    const seen = new Set<string>();
    const stack = [...(units[name]?.dependsOn ?? [])];
    while (stack.length > 0) {
      const dep = stack.pop() as string;
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (removedSet.has(dep)) waitFor.get(dep)?.push(name);
      else stack.push(...(units[dep]?.dependsOn ?? []));
    }
  }
  // Listed in the order they go (each after those it waits for), which reads as the uninstall does.
  const ordered: string[] = [];
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    for (const first of waitFor.get(name) ?? []) visit(first);
    ordered.push(name);
  };
  for (const name of [...removed].reverse()) visit(name);
  return ordered.map((name) =>
    deleteTask(settings, name, waitFor.get(name) ?? [], name, (units[name] as ReleaseUnit).timeout),
  );
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
