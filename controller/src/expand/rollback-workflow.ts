import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { DagTask, Template } from '../../../lib/api/argo.ts';
import { prune } from '../../../lib/yaml.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import { removalTasks } from './removal.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { dagTemplate, forwardTasks, reverseTasks } from './tasks.ts';
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
