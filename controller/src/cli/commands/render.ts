import type { CommandModule } from 'yargs';
import { ANY_STRING, UsageError } from '../../../../lib/cli.ts';
import { isLabelValue } from '../../../../lib/label-selector.ts';
import { parseOciUrl } from '../../../../lib/staging.ts';
import { ARGO_INSTANCE_ID } from '../../../../lib/wire-names.ts';
import { ARGO_DAG_TASK_LIMIT, dagTaskLimitProblem } from '../../expand/chunks.ts';
import type { BundleMode, WorkflowType } from '../../expand/settings.ts';
import type { Io } from '../io.ts';
import { FILE_ARGUMENT } from './file-argument.ts';

export interface RenderArgs {
  file: string;
  type: WorkflowType;
  'last-succeeded'?: string;
  namespace?: string;
  generation?: number;
  'staging-url'?: string;
  'staging-plain-http'?: boolean;
  'staging-secret'?: string;
  'template-name'?: string;
  'cluster-scope': boolean;
  bundles: BundleMode;
  'dag-task-limit': number;
  'argo-instance-id': string;
}

export const renderCommand = (io: Io): CommandModule<object, RenderArgs> => ({
  command: 'render <file>',
  describe: 'Print the Argo Workflow (and any release-bundle ConfigMaps) for ApplicationGroups',
  builder: (yargs) =>
    yargs
      .positional('file', FILE_ARGUMENT)
      .option('type', {
        choices: ['forward', 'reverse', 'rollback'] as const,
        default: 'forward' as const,
        describe: 'forward installs/upgrades, reverse deletes, rollback returns to --last-succeeded',
      })
      .option('last-succeeded', {
        ...ANY_STRING,
        describe: 'with --type rollback: the last successful group (file)',
      })
      .option('namespace', {
        alias: 'n',
        ...ANY_STRING,
        describe: 'namespace of groups that name none (default: default)',
      })
      .option('generation', { type: 'number', describe: 'generation of groups that carry none (default: 1)' })
      .option('staging-url', {
        ...ANY_STRING,
        describe:
          'oci://HOST[:PORT]/PATH subcharts are staged below (default: the in-cluster registry the chart installs)',
      })
      .option('staging-plain-http', {
        type: 'boolean',
        describe: 'the staging registry speaks plain HTTP (default: only for the default --staging-url)',
      })
      .option('staging-secret', {
        ...ANY_STRING,
        describe:
          'the Secret in the group’s namespace that staged subcharts are pulled with ("": none; default: orkestra-staging, which the controller writes, for the chart’s registry at the default --staging-url)',
      })
      .option('template-name', {
        ...ANY_STRING,
        describe: 'WorkflowTemplate the tasks reference (default: orkestra-helmrelease)',
      })
      .option('cluster-scope', {
        type: 'boolean',
        default: false,
        describe: 'reference the ClusterWorkflowTemplate',
      })
      .option('bundles', {
        choices: ['auto', 'always', 'never'] as const,
        default: 'auto' as const,
        describe:
          'pass HelmReleases by reference to ConfigMaps: when the Workflow would be too large, always, or never',
      })
      .option('dag-task-limit', {
        type: 'number',
        default: ARGO_DAG_TASK_LIMIT,
        describe: 'most tasks in one DAG template; larger DAGs are split into parts (as the controller does)',
      })
      .option('argo-instance-id', {
        ...ANY_STRING,
        default: ARGO_INSTANCE_ID,
        describe:
          'label the Workflows for the Argo workflow-controller with this instance ID (the chart’s own Argo); "": the cluster’s Argo without one',
      })
      .check((args) => {
        const instance = String(args['argo-instance-id']);
        if (instance !== '' && !isLabelValue(instance))
          throw new UsageError(`--argo-instance-id: "${instance}" is not a label value`);
        const limitProblem = dagTaskLimitProblem(args['dag-task-limit']);
        if (limitProblem) throw new UsageError(limitProblem);
        const url = args['staging-url'];
        const staging = url === undefined ? undefined : parseOciUrl(url);
        if (staging && 'problem' in staging) throw new UsageError(`--staging-url: ${staging.problem}`);
        return true;
      }),
  handler: async (args) => {
    const { runRender } = await import('../run.ts');
    await runRender(args, io);
  },
});
