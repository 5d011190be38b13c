import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { DagTask } from '../../../lib/api/argo.ts';
import { expandApplications, releasesOf } from './expand-group.ts';
import { removalTasks } from './removal.ts';
import { type RenderedWorkflow, type RenderOptions, settingsFor } from './settings.ts';
import { dagTemplate, forwardTasks } from './tasks.ts';
import { withBundles } from './workflow-shell.ts';

/** The DAG template that installs the group when its Workflow first removes releases. */
export const INSTALL_TEMPLATE = 'install';

/**
 * The Workflow that installs or upgrades every release of the group in dependency order. Given the
 * spec that is installed now (`installed`, the last successful one), releases it has and the group
 * no longer has are uninstalled first, dependents first.
 */
export function renderForwardWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
  installed?: ApplicationGroup,
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const apps = expandApplications(group, settings);
  const kept = new Set(releasesOf(apps).map((r) => r.name));
  const removeTasks = installed
    ? removalTasks(settings, expandApplications({ ...installed, metadata: group.metadata }, settings), kept)
    : [];
  return withBundles(group, settings, 'forward', options.bundles ?? 'auto', releasesOf(apps), (encode) => {
    const { tasks, templates } = forwardTasks(settings, apps, encode, 'app');
    if (removeTasks.length === 0) return [dagTemplate('forward', tasks), ...templates];
    const entry: DagTask[] = [
      { name: 'remove', template: 'remove' },
      { name: INSTALL_TEMPLATE, template: INSTALL_TEMPLATE, dependencies: ['remove'] },
    ];
    return [
      dagTemplate('forward', entry),
      dagTemplate('remove', removeTasks),
      dagTemplate(INSTALL_TEMPLATE, tasks),
      ...templates,
    ];
  });
}
