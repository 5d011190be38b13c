import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import {
  AFTER_REMOVAL,
  mergeUnits,
  type ReleaseUnits,
  releaseUnits,
  removalTasks,
  removeThen,
} from './removal.ts';
import { uninstallTemplate } from './reverse-workflow.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { forwardTasks } from './tasks.ts';
import { withBundles, workflowShell } from './workflow-shell.ts';

/**
 * The Workflow that undoes a failed generation. With the last successful spec: the releases it does
 * not have — of the failed spec and of `installed` (the releases that may be installed now) — are
 * deleted (dependents first), then every release of the last successful spec is applied again in
 * its own order. Without one: every release of both is deleted, like the reverse Workflow.
 */
export function renderRollbackWorkflow(
  failed: ApplicationGroup,
  lastSucceeded: ApplicationGroup | undefined,
  options: RenderOptions = {},
  installed: ReleaseUnits = {},
): RenderedWorkflow {
  const settings = settingsFor(failed, options);
  if (!lastSucceeded) {
    return {
      workflow: workflowShell(failed, settings, 'rollback', [
        uninstallTemplate('rollback', failed, settings, installed),
      ]),
      configMaps: [],
      applies: [],
    };
  }
  const restoreApps = expandApplications({ ...lastSucceeded, metadata: failed.metadata }, settings);
  const restoreReleases = releasesOf(restoreApps);
  const kept = new Set(restoreReleases.map((r) => r.name));
  const removeTasks = removalTasks(settings, mergeUnits(installed, releaseUnits(failed.spec)), kept);
  return withBundles(failed, settings, 'rollback', options.bundles ?? 'auto', restoreReleases, (encode) =>
    removeThen(
      'rollback',
      removeTasks,
      AFTER_REMOVAL.rollback,
      forwardTasks(settings, restoreApps, encode, 'restore'),
    ),
  );
}
