import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { expandApplications } from './expand-group.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { reverseTasks } from './tasks.ts';
import { dagWorkflow } from './workflow-shell.ts';

/** The Workflow that deletes every release of the group, dependents before their dependencies. */
export function renderReverseWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const workflow = dagWorkflow(
    group,
    settings,
    'reverse',
    reverseTasks(settings, expandApplications(group, settings)),
  );
  return { workflow, configMaps: [] };
}
