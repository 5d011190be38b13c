// orkestra-controller's flags; tests call `controllerParser(start).parseAsync([...])`.

import type { Argv } from 'yargs';
import type { RemediationStrategy } from '../../lib/api/application-group.ts';
import { ANY_STRING, baseParser, UsageError } from '../../lib/cli.ts';
import { durationSeconds } from '../../lib/duration.ts';
import {
  DEFAULT_PLUGIN_RESOURCES,
  parsePluginResources,
  pluginImageProblem,
} from '../../lib/executor-plugin.ts';
import { isLabelValue, parseSelector } from '../../lib/label-selector.ts';
import type { LogFormat } from '../../lib/log.ts';
import { parseOciUrl } from '../../lib/staging.ts';
import { ARGO_INSTANCE_ID, FLUX_SHARD, PLUGIN_TEMPLATE_NAME, TEMPLATE_NAME } from '../../lib/wire-names.ts';
import { ARGO_DAG_TASK_LIMIT, dagTaskLimitProblem } from './expand/chunks.ts';
import { DEFAULT_STAGING_URL } from './expand/settings.ts';

export interface ControllerArgs {
  kubeconfig?: string;
  namespaces?: string;
  'template-name'?: string;
  executor: 'pod' | 'plugin';
  'executor-image'?: string;
  'executor-plugin-resources': string;
  'cluster-scope': boolean;
  'staging-url': string;
  'staging-plain-http'?: boolean;
  'staging-credential-key-file'?: string;
  'manage-executor-rbac': boolean;
  'release-cluster-role': string;
  'default-remediation': RemediationStrategy;
  concurrency: number;
  resync: string;
  'log-format': LogFormat;
  'log-level': string;
  'health-address': string;
  'metrics-address': string;
  'leader-elect': boolean;
  'leader-election-namespace'?: string;
  'leader-election-id': string;
  'watch-label-selector': string;
  'dag-task-limit': number;
  'argo-instance-id': string;
  'flux-shard': string;
}

/** The parser; `start` runs the controller with the parsed flags. */
export function controllerParser(start: (args: ControllerArgs) => Promise<void>): Argv {
  return baseParser(
    'orkestra-controller',
    '$0 [options]\n\nReconciles ApplicationGroups into Argo Workflows that call the orkestra-helmrelease templates.',
  )
    .option('kubeconfig', {
      ...ANY_STRING,
      describe: 'kubeconfig file (default: KUBECONFIG, else in-cluster)',
    })
    .option('namespaces', {
      ...ANY_STRING,
      describe: 'comma-separated namespaces to watch (default: every namespace)',
    })
    .option('executor', {
      choices: ['pod', 'plugin'] as const,
      nargs: 1,
      default: 'pod' as const,
      describe:
        'how steps run: a pod each (pod), or in the executor plugin, one agent pod per Workflow (plugin; Argo needs ARGO_EXECUTOR_PLUGINS=true)',
    })
    .option('template-name', {
      ...ANY_STRING,
      describe: `the templates Workflows call (default: ${TEMPLATE_NAME}, with --executor plugin ${PLUGIN_TEMPLATE_NAME})`,
    })
    .option('executor-image', {
      ...ANY_STRING,
      describe:
        'with --executor plugin (required): the image the plugin sidecar runs (the executor’s, the chart’s executor.image), written into the plugin ConfigMap of each group’s namespace',
    })
    .option('executor-plugin-resources', {
      ...ANY_STRING,
      default: JSON.stringify(DEFAULT_PLUGIN_RESOURCES),
      describe: 'with --executor plugin: the plugin sidecar’s resources (JSON: requests and limits)',
    })
    .option('cluster-scope', {
      type: 'boolean',
      default: true,
      describe:
        'call the ClusterWorkflowTemplate (--no-cluster-scope: the WorkflowTemplate in each group’s namespace)',
    })
    .option('staging-url', {
      ...ANY_STRING,
      default: DEFAULT_STAGING_URL,
      describe: 'oci://HOST[:PORT]/PATH the subcharts of parent charts are staged below',
    })
    .option('staging-plain-http', {
      type: 'boolean',
      describe: 'the staging registry speaks plain HTTP (default: only for the default --staging-url)',
    })
    .option('staging-credential-key-file', {
      ...ANY_STRING,
      describe:
        "the staging registry's credential key (the chart's registry): each group namespace gets Secret orkestra-staging with its own credentials, which its stage steps push with and its staged HelmRepositories pull with",
    })
    .option('dag-task-limit', {
      type: 'number',
      default: ARGO_DAG_TASK_LIMIT,
      describe:
        "most tasks in one DAG template: a larger group's DAG is split into parts that wait on each other's nodes (Argo's full CRDs allow 200)",
    })
    .option('argo-instance-id', {
      ...ANY_STRING,
      default: ARGO_INSTANCE_ID,
      describe:
        'the instance ID of the Argo workflow-controller that runs the Workflows (the chart’s own Argo): each Workflow carries label workflows.argoproj.io/controller-instanceid with it; "": the cluster’s Argo without one',
    })
    .option('flux-shard', {
      ...ANY_STRING,
      default: FLUX_SHARD,
      describe:
        'with --executor plugin: the Flux shard (label sharding.fluxcd.io/key) the plugin’s releases go to (the chart’s own Flux); "": no label, the cluster’s own Flux. Steps run as pods take it from their template',
    })
    .option('manage-executor-rbac', {
      type: 'boolean',
      default: true,
      describe:
        'create the executor’s ServiceAccount and RoleBinding in each group’s namespace (--no-manage-executor-rbac: expect them)',
    })
    .option('release-cluster-role', {
      ...ANY_STRING,
      default: 'admin',
      describe:
        'ClusterRole bound (RoleBinding, that namespace only) to the orkestra-release ServiceAccount the controller creates in each group’s namespace whose policy runs releases as it; "" creates neither (the platform provides them)',
    })
    .option('default-remediation', {
      choices: ['Rollback', 'Uninstall', 'None'] as const,
      nargs: 1,
      default: 'Rollback' as const,
      describe: 'what a failed rollout does when its group sets no spec.remediation.strategy',
    })
    .option('concurrency', { type: 'number', default: 4, describe: 'groups reconciled at once' })
    .option('resync', {
      ...ANY_STRING,
      default: '5m',
      describe: 'how often a group is looked at when nothing changed (its spec.interval wins)',
    })
    .option('health-address', {
      ...ANY_STRING,
      default: '0.0.0.0:8081',
      describe: 'where /healthz and /readyz are served (host:port; port 0: any free one)',
    })
    .option('metrics-address', {
      ...ANY_STRING,
      default: '0.0.0.0:8080',
      describe: 'where Prometheus /metrics is served (host:port; "": not at all)',
    })
    .option('watch-label-selector', {
      ...ANY_STRING,
      default: '',
      describe:
        'reconcile only groups whose labels match (a=b, a!=b, a, !a; comma: all), to shard groups among controllers',
    })
    .option('leader-elect', {
      type: 'boolean',
      default: true,
      describe: 'reconcile only while holding a Lease, so that one of several replicas acts',
    })
    .option('leader-election-namespace', {
      ...ANY_STRING,
      describe: 'namespace of the Lease (default: POD_NAMESPACE, else the kubeconfig’s namespace)',
    })
    .option('leader-election-id', {
      ...ANY_STRING,
      default: 'orkestra-controller',
      describe: 'name of the Lease',
    })
    .option('log-level', {
      choices: ['error', 'warn', 'info', 'debug'] as const,
      nargs: 1,
      default: process.env.ORKESTRA_LOG_LEVEL ?? 'info',
      describe: 'least important log lines written (default: ORKESTRA_LOG_LEVEL, else info)',
    })
    .option('log-format', { choices: ['json', 'text'] as const, nargs: 1, default: 'json' as const })
    .check((args) => {
      if (!(durationSeconds(args.resync as string) > 0))
        throw new UsageError(`--resync: "${args.resync}" is not a duration such as 90s or 5m`);
      if (!(Number(args.concurrency) >= 1)) throw new UsageError('--concurrency must be 1 or more');
      const limitProblem = dagTaskLimitProblem(args['dag-task-limit']);
      if (limitProblem) throw new UsageError(limitProblem);
      for (const flag of ['argo-instance-id', 'flux-shard'] as const)
        if (!(String(args[flag]) === '' || isLabelValue(String(args[flag]))))
          throw new UsageError(
            `--${flag}: "${args[flag]}" is not a label value (63 characters at most: letters, digits, - _ .)`,
          );
      const selector = parseSelector(String(args['watch-label-selector']));
      if ('problem' in selector) throw new UsageError(`--watch-label-selector: ${selector.problem}`);
      if (args.executor === 'plugin') {
        const imageProblem = pluginImageProblem(String(args['executor-image'] ?? ''));
        if (imageProblem) throw new UsageError(`--executor-image: ${imageProblem}`);
        const resources = parsePluginResources(String(args['executor-plugin-resources']));
        if ('problem' in resources) throw new UsageError(`--executor-plugin-resources: ${resources.problem}`);
      }
      const staging = parseOciUrl(String(args['staging-url']));
      if ('problem' in staging) throw new UsageError(`--staging-url: ${staging.problem}`);
      return true;
    })
    .command(
      '$0',
      false,
      () => {},
      (args) => start(args as unknown as ControllerArgs),
    );
}
