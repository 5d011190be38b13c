// What every rendered Workflow shares: the options it is rendered with and its deterministic name.
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import type { ChartSource, HelmRelease } from '../../../lib/api/flux.ts';
import type { ConfigMap } from '../../../lib/api/meta.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import { DEFAULT_POLICY, type EffectivePolicy } from '../../../lib/policy/policy.ts';
import { STAGING_SECRET } from '../../../lib/staging-auth.ts';
import { EXECUTOR_SERVICE_ACCOUNT, TEMPLATE_NAME } from '../../../lib/wire-names.ts';
import { ARGO_DAG_TASK_LIMIT } from './chunks.ts';

export type WorkflowType = 'forward' | 'reverse' | 'rollback';
export type BundleMode = 'auto' | 'always' | 'never';

/** The registry the chart installs beside the controller (release `orkestra` in namespace `orkestra`), plain HTTP. */
export const DEFAULT_STAGING_URL = 'oci://orkestra-registry.orkestra.svc:5000/staging';

export interface RenderOptions {
  /** Namespace when the group has none. */
  namespace?: string;
  /** Generation when the group has none (offline rendering). */
  generation?: number;
  stagingUrl?: string;
  /** The staging registry speaks plain HTTP; default: true for DEFAULT_STAGING_URL (in-cluster), else false. */
  stagingPlainHttp?: boolean;
  /**
   * The Secret of the group's namespace that staged subcharts' HelmRepositories take the staging
   * registry's credentials from ('' none); default: STAGING_SECRET for DEFAULT_STAGING_URL, else none.
   */
  stagingSecret?: string;
  templateName?: string;
  clusterScope?: boolean;
  serviceAccountName?: string;
  bundles?: BundleMode;
  /** Which attempt at the generation (0: the first); names and labels the Workflow. */
  attempt?: number;
  /** Most tasks in one DAG template; larger DAGs are split into parts (default: Argo's 200). */
  dagTaskLimit?: number;
  /** The group's namespace's policy: who releases run as, whether they create namespaces (default: DEFAULT_POLICY). */
  policy?: EffectivePolicy;
  /**
   * The instance ID of the Argo workflow-controller that runs the Workflows (the chart's
   * argo.instanceID): they carry Argo's instance label with it. '' (default): the cluster's Argo
   * without an instance ID.
   */
  argoInstanceId?: string;
}

/** A Workflow and the ConfigMaps it reads its HelmReleases from (none when they are inline). */
export interface RenderedWorkflow {
  workflow: Workflow;
  configMaps: ConfigMap[];
  /** The HelmReleases and source objects its steps apply (checked for ownership before it is created). */
  applies: Array<HelmRelease | ChartSource>;
}

/** RenderOptions with the group's own values and the defaults filled in. */
export interface Settings {
  namespace: string;
  generation: number;
  stagingUrl: string;
  stagingPlainHttp: boolean;
  stagingSecret: string;
  templateRef: { name: string; clusterScope?: boolean };
  serviceAccountName: string;
  attempt: number;
  dagTaskLimit: number;
  policy: EffectivePolicy;
  /** The group's uid: its steps change and remove only what carries it ("" offline: none known). */
  owner: string;
  argoInstanceId: string;
}

export function settingsFor(group: ApplicationGroup, options: RenderOptions): Settings {
  return {
    namespace: group.metadata.namespace ?? options.namespace ?? 'default',
    generation: group.metadata.generation ?? options.generation ?? 1,
    stagingUrl: options.stagingUrl ?? DEFAULT_STAGING_URL,
    stagingPlainHttp:
      options.stagingPlainHttp ?? (options.stagingUrl ?? DEFAULT_STAGING_URL) === DEFAULT_STAGING_URL,
    stagingSecret:
      options.stagingSecret ??
      ((options.stagingUrl ?? DEFAULT_STAGING_URL) === DEFAULT_STAGING_URL ? STAGING_SECRET : ''),
    templateRef: {
      name: options.templateName ?? TEMPLATE_NAME,
      ...(options.clusterScope ? { clusterScope: true } : {}),
    },
    serviceAccountName: options.serviceAccountName ?? EXECUTOR_SERVICE_ACCOUNT,
    attempt: options.attempt ?? 0,
    dagTaskLimit: options.dagTaskLimit ?? ARGO_DAG_TASK_LIMIT,
    policy: options.policy ?? DEFAULT_POLICY,
    owner: group.metadata.uid ?? '',
    argoInstanceId: options.argoInstanceId ?? '',
  };
}

/** `<group>-g<generation>-<type>`, `<group>-g<generation>-r<attempt>-<type>` when retried, as a DNS label. */
export function workflowName(
  group: ApplicationGroup,
  generation: number,
  type: WorkflowType,
  attempt = 0,
): string {
  return toDnsLabel([
    group.metadata.name ?? 'group',
    `g${generation}`,
    ...(attempt > 0 ? [`r${attempt}`] : []),
    type,
  ]);
}
