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
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { forwardTasks } from './tasks.ts';
import { withBundles } from './workflow-shell.ts';

/**
 * The Workflow that installs or upgrades every release of the group in dependency order. Given the
 * releases that may be installed now (`installed`, from the rollout record), those the group no
 * longer has are uninstalled first, dependents first.
 */
export function renderForwardWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
  installed: ReleaseUnits = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const apps = expandApplications(group, settings);
  const kept = new Set(releasesOf(apps).map((r) => r.name));
  const removeTasks = removalTasks(settings, mergeUnits(installed, releaseUnits(group.spec)), kept);
  return withBundles(group, settings, 'forward', options.bundles ?? 'auto', releasesOf(apps), (encode) =>
    removeThen('forward', removeTasks, AFTER_REMOVAL.forward, forwardTasks(settings, apps, encode, 'app')),
  );
}
