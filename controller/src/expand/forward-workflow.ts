import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { dagTemplate, forwardTasks } from './tasks.ts';
import { withBundles } from './workflow-shell.ts';

/** The Workflow that installs or upgrades every release of the group in dependency order. */
export function renderForwardWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const apps = expandApplications(group, settings);
  return withBundles(group, settings, 'forward', options.bundles ?? 'auto', releasesOf(apps), (encode) => {
    const { tasks, templates } = forwardTasks(settings, apps, encode, 'app');
    return [dagTemplate('forward', tasks), ...templates];
  });
}
