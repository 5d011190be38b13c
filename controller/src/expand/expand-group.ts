// The group as release units in dependency order: each application with its rendered HelmRelease,
// and its subcharts with theirs, task names and dependencies already DNS labels.
import type { Application, ApplicationGroup, DagNode } from '../../../lib/api/application-group.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import { topologicalOrder } from './graph.ts';
import {
  type ReleaseContext,
  type RenderedRelease,
  renderApplicationRelease,
  renderSubchartRelease,
} from './helm-release.ts';
import type { Settings } from './settings.ts';

export interface ExpandedApplication {
  app: Application;
  task: string;
  dependencies: string[];
  release: RenderedRelease;
  subcharts: Array<{ task: string; dependencies: string[]; release: RenderedRelease }>;
}

/** Applications in dependency order with their rendered releases. */
export function expandApplications(group: ApplicationGroup, settings: Settings): ExpandedApplication[] {
  const context: ReleaseContext = {
    group,
    namespace: settings.namespace,
    stagingUrl: settings.stagingUrl,
    stagingPlainHttp: settings.stagingPlainHttp,
    stagingSecret: settings.stagingSecret,
    policy: settings.policy,
  };
  const apps = group.spec.applications;
  const byName = new Map(apps.map((app) => [app.name, app]));
  return topologicalOrder(apps).map((name) => {
    const app = byName.get(name) as Application;
    const subcharts = app.spec.subcharts ?? [];
    const subByName = new Map(subcharts.map((sub) => [sub.name, sub]));
    return {
      app,
      task: toDnsLabel(app.name),
      dependencies: (app.dependencies ?? []).map((d) => toDnsLabel(d)),
      release: renderApplicationRelease(context, app),
      subcharts: topologicalOrder(subcharts).map((subName) => {
        const sub = subByName.get(subName) as DagNode;
        return {
          task: toDnsLabel(sub.name),
          dependencies: (sub.dependencies ?? []).map((d) => toDnsLabel(d)),
          release: renderSubchartRelease(context, app, sub.name),
        };
      }),
    };
  });
}

/** Every release of `apps`, subcharts before their parent. */
export function releasesOf(apps: readonly ExpandedApplication[]): RenderedRelease[] {
  return apps.flatMap((a) => [...a.subcharts.map((s) => s.release), a.release]);
}
