// The controller: informers on ApplicationGroups and on the Workflows Orkestra manages feed one work
// queue of group keys; each key is reconciled by reconcile-group.ts. Workflow events reach the group
// that owns the Workflow, so progress shows in status without any polling.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type ApplicationGroup,
  ORKESTRA_GROUP,
  type RemediationStrategy,
} from '../../lib/api/application-group.ts';
import type { Workflow } from '../../lib/api/argo.ts';
import { RELEASE_POLICIES, type ReleasePolicy } from '../../lib/api/release-policy.ts';
import type { PluginSidecarSettings } from '../../lib/executor-plugin.ts';
import { matchesSelector, parseSelector } from '../../lib/label-selector.ts';
import type { Logger } from '../../lib/log.ts';
import { Labels, MANAGED_BY } from '../../lib/wire-names.ts';
import type { RenderOptions } from './expand/settings.ts';
import { type ReconcileSettings, reconcileGroup } from './reconcile/reconcile-group.ts';
import { watchCustomKind } from './runtime/informers.ts';
import { kubeCalls } from './runtime/kube-calls.ts';
import type { ControllerMetrics } from './runtime/metrics.ts';
import { WorkQueue } from './runtime/work-queue.ts';

export interface ControllerConfig {
  kube: KubeConfig;
  /** Watch only these namespaces; every namespace when undefined. */
  namespaces?: readonly string[];
  render: Pick<
    RenderOptions,
    | 'templateName'
    | 'clusterScope'
    | 'stagingUrl'
    | 'stagingPlainHttp'
    | 'stagingSecret'
    | 'serviceAccountName'
    | 'dagTaskLimit'
    | 'argoInstanceId'
  >;
  manageExecutorAccess: boolean;
  /** The ClusterRole the controller binds to orkestra-release in groups' namespaces; none: it creates neither. */
  releaseClusterRole?: string;
  /** Derives each namespace's staging credentials (lib/staging-auth.ts); none: no Secret is written. */
  stagingCredentialKey?: string;
  /** The plugin flavour: what the plugin sidecar runs, rendered into each group namespace's plugin ConfigMap. */
  executorPlugin?: PluginSidecarSettings;
  /** The pod flavour: every step, waits too, is a pod Argo counts against spec.parallelism. */
  stepsArePods?: boolean;
  /** A failed rollout's remediation when its group sets none (default Rollback). */
  defaultRemediation?: RemediationStrategy;
  /** Only groups whose labels match (equality-based); all when empty. */
  watchLabelSelector?: string;
  /**
   * Test-only (ORKESTRA_FAILPOINTS): points such as `before:CreateWorkflow` (any type),
   * `after:CreateWorkflow/rollback` or `before:RemoveFinalizer` where a pass halts for good, so that
   * a test can kill the process exactly there.
   */
  failpoints?: readonly string[];
  concurrency: number;
  resyncMs: number;
  metrics: ControllerMetrics;
  log: Logger;
}

export interface RunningController {
  /** The caches have listed everything once. */
  synced: () => boolean;
  /** Every group in the cache. */
  groups: () => ApplicationGroup[];
  stop: () => Promise<void>;
}

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

export async function startController(config: ControllerConfig): Promise<RunningController> {
  const { kube, log } = config;
  const warn = (message: string, fields: Record<string, unknown>) => log.warn(message, fields);
  let synced = false;

  const workflows = watchCustomKind(
    kube,
    { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' },
    {
      namespaces: config.namespaces,
      labelSelector: `${Labels.managedBy}=${MANAGED_BY}`,
      onChange: (workflow) => {
        const owner = workflow.metadata?.ownerReferences?.find(
          (o) => o.kind === 'ApplicationGroup' && o.controller,
        );
        if (owner) queue.add(keyOf(workflow.metadata?.namespace, owner.name));
      },
      log: warn,
    },
  );
  // Cluster-scoped, written by administrators: a change may allow (or refuse) any group again.
  const policies = watchCustomKind(kube, RELEASE_POLICIES, {
    onChange: () => {
      for (const group of groups.all()) queue.add(keyOf(group.metadata?.namespace, group.metadata?.name));
    },
    log: warn,
  });
  const calls = kubeCalls(kube, {
    manageExecutorAccess: config.manageExecutorAccess,
    releaseClusterRole: config.releaseClusterRole,
    stagingCredentialKey: config.stagingCredentialKey,
    policies: () => policies.all() as unknown as ReleasePolicy[],
    executorPlugin: config.executorPlugin,
    workflowsIn: (namespace) => workflows.list(namespace) as unknown as Workflow[],
    log: warn,
  });
  const metrics = config.metrics;
  const selector = parseSelector(config.watchLabelSelector ?? '');
  if ('problem' in selector) throw new Error(`watch label selector: ${selector.problem}`);
  const failpoints = new Set(config.failpoints ?? []);
  const settings: ReconcileSettings = {
    render: config.render,
    stepsArePods: config.stepsArePods,
    resyncMs: config.resyncMs,
    defaultRemediation: config.defaultRemediation,
    onWorkflowCreated: metrics.workflowCreated,
    owns: (group) => matchesSelector(group.metadata.labels, selector),
    ...(failpoints.size > 0
      ? {
          failpoint: async (point: string) => {
            if (!failpoints.has(point) && !failpoints.has(point.split('/')[0] as string)) return;
            log.warn('Failpoint reached; halting this pass for good', { failpoint: point });
            await new Promise(() => {});
          },
        }
      : {}),
  };
  const queue = new WorkQueue(
    async (key) => {
      const [namespace, name] = key.split('/') as [string, string];
      const started = performance.now();
      try {
        const processed = await reconcileGroup(namespace, name, calls, settings, log);
        metrics.reconciled((performance.now() - started) / 1000, 'success');
        return processed;
      } catch (error) {
        metrics.reconciled((performance.now() - started) / 1000, 'error');
        throw error;
      }
    },
    {
      concurrency: config.concurrency,
      baseDelayMs: 500,
      maxDelayMs: 5 * 60_000,
      onError: (key, error, retryInMs) =>
        log.warn('Reconcile failed; retrying', {
          group: key,
          retryInMs,
          error: String((error as Error)?.message ?? error),
        }),
    },
  );
  const groups = watchCustomKind(
    kube,
    { group: ORKESTRA_GROUP, version: 'v1alpha1', plural: 'applicationgroups' },
    {
      namespaces: config.namespaces,
      labelSelector: config.watchLabelSelector || undefined,
      onChange: (group) => queue.add(keyOf(group.metadata?.namespace, group.metadata?.name)),
      log: warn,
    },
  );

  // The Workflow cache must be complete before the first decision: a group whose running Workflow
  // is not in the cache yet would look as if it had none.
  await workflows.start();
  await policies.start();
  await groups.start();
  synced = true;
  log.info('Controller started', {
    namespaces: config.namespaces ?? 'all',
    concurrency: config.concurrency,
    template: `${config.render.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'}/${config.render.templateName}`,
  });
  return {
    synced: () => synced,
    groups: () => groups.all() as unknown as ApplicationGroup[],
    stop: async () => {
      await groups.stop();
      await policies.stop();
      await workflows.stop();
      await queue.stop();
    },
  };
}
