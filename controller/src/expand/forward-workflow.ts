import type { ApplicationGroup, ApplicationGroupSpec } from '../../../lib/api/application-group.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import { AFTER_REMOVAL, expandSpecs, removalTasks, removeThen } from './removal.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { forwardTasks } from './tasks.ts';
import { withBundles } from './workflow-shell.ts';

/**
 * The Workflow that installs or upgrades every release of the group in dependency order. Given the
 * specs whose releases may be installed now (`installed`, from the rollout record), releases they
 * have and the group no longer has are uninstalled first, dependents first.
 */
export function renderForwardWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
  installed: readonly ApplicationGroupSpec[] = [],
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const apps = expandApplications(group, settings);
  const kept = new Set(releasesOf(apps).map((r) => r.name));
  const removeTasks = removalTasks(settings, expandSpecs(group, settings, installed), kept);
  return withBundles(group, settings, 'forward', options.bundles ?? 'auto', releasesOf(apps), (encode) =>
    removeThen('forward', removeTasks, AFTER_REMOVAL.forward, forwardTasks(settings, apps, encode, 'app')),
  );
}
