import type { ApplicationGroup, ApplicationGroupSpec } from '../../../lib/api/application-group.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import { AFTER_REMOVAL, expandSpecs, removalTasks, removeThen } from './removal.ts';
import { type RenderedWorkflow, type RenderOptions, type Settings, settingsFor } from './settings.ts';
import { reverseTasks } from './tasks.ts';
import { workflowShell } from './workflow-shell.ts';

/**
 * Templates that uninstall the group's releases, dependents first, after those of `installed` (the
 * specs whose releases may be installed now) that the group does not have.
 */
export function uninstallTemplates(
  entry: 'reverse' | 'rollback',
  group: ApplicationGroup,
  settings: Settings,
  installed: readonly ApplicationGroupSpec[],
) {
  const apps = expandApplications(group, settings);
  const kept = new Set(releasesOf(apps).map((r) => r.name));
  const extra = removalTasks(settings, expandSpecs(group, settings, installed), kept);
  return removeThen(entry, extra, AFTER_REMOVAL.uninstall, reverseTasks(settings, apps));
}

/** The Workflow that deletes every release of the group (and of `installed`), dependents first. */
export function renderReverseWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
  installed: readonly ApplicationGroupSpec[] = [],
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  return {
    workflow: workflowShell(
      group,
      settings,
      'reverse',
      uninstallTemplates('reverse', group, settings, installed),
    ),
    configMaps: [],
  };
}
