import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { mergeUnits, type ReleaseUnits, releaseUnits, removalTasks } from './removal.ts';
import { type RenderedWorkflow, type RenderOptions, type Settings, settingsFor } from './settings.ts';
import { dagTemplate } from './tasks.ts';
import { workflowShell } from './workflow-shell.ts';

/**
 * The entry DAG that deletes every release of the group and of `installed` (the releases that may
 * be installed now, from the rollout record), dependents first.
 */
export function uninstallTemplate(
  entry: 'reverse' | 'rollback',
  group: ApplicationGroup,
  settings: Settings,
  installed: ReleaseUnits,
) {
  return dagTemplate(
    entry,
    removalTasks(settings, mergeUnits(installed, releaseUnits(group.spec)), new Set()),
  );
}

/** The Workflow that deletes every release of the group (and of `installed`), dependents first. */
export function renderReverseWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
  installed: ReleaseUnits = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  return {
    workflow: workflowShell(group, settings, 'reverse', [
      uninstallTemplate('reverse', group, settings, installed),
    ]),
    configMaps: [],
    applies: [],
  };
}
