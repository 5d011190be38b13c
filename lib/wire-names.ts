// Names the controller, the executor, the templates and the chart share on the wire — object names,
// labels, field managers — kept in one place as Argo keeps its own in workflow/common/common.go.
// Renaming one breaks clusters that run an older part, and the YAML under workflow-templates/ spells
// the template and ServiceAccount names too (test/workflow-templates.test.ts keeps them equal).

/** The WorkflowTemplate (and ClusterWorkflowTemplate) whose templates run the executor. */
export const TEMPLATE_NAME = 'orkestra-helmrelease';
/** The ServiceAccount step pods run as, in every namespace that runs them. */
export const EXECUTOR_SERVICE_ACCOUNT = 'orkestra-executor';

/**
 * The ServiceAccount of a group's namespace that helm-controller impersonates for its releases
 * (HelmRelease spec.serviceAccountName) unless a ReleasePolicy names another; the controller
 * creates it with the release ClusterRole (namespace admin) bound in that namespace only.
 */
export const RELEASE_SERVICE_ACCOUNT = 'orkestra-release';

/** The plugin flavour: the WorkflowTemplate whose steps run in the executor plugin. */
export const PLUGIN_TEMPLATE_NAME = 'orkestra-helmrelease-plugin';
/**
 * The executor plugin's ConfigMap (Argo finds plugins by the `<plugin>-executor-plugin` name and a
 * label) and the ServiceAccount whose token Argo mounts into the plugin.
 */
export const EXECUTOR_PLUGIN = 'orkestra-executor-plugin';
/** Argo's label on a ConfigMap that describes an executor plugin. */
export const ARGO_PLUGIN_LABEL = { 'workflows.argoproj.io/configmap-type': 'ExecutorPlugin' } as const;

/** Server-side apply field managers. */
export const FieldManager = {
  executor: 'orkestra-executor',
  controller: 'orkestra-controller',
} as const;

/** `app.kubernetes.io/managed-by` of every object Orkestra creates. */
export const MANAGED_BY = 'orkestra';

/** Labels on the objects Orkestra creates. */
export const Labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  applicationGroup: 'orkestra.azure.microsoft.com/application-group',
  /** On every HelmRelease and source object a group's steps write: the group's uid (lib/ownership.ts). */
  ownerUid: 'orkestra.azure.microsoft.com/group-uid',
  application: 'orkestra.azure.microsoft.com/application',
  subchart: 'orkestra.azure.microsoft.com/subchart',
  generation: 'orkestra.azure.microsoft.com/generation',
  workflowType: 'orkestra.azure.microsoft.com/workflow-type',
  /** On a Workflow of a retried attempt (1, 2 …) at its generation; absent on the first. */
  attempt: 'orkestra.azure.microsoft.com/attempt',
  /** On the executor's rollback record: the HelmRelease it is a record of. */
  recordOf: 'orkestra.azure.microsoft.com/helmrelease',
  /** On a rollback Workflow that returns to the last successful spec: that spec's generation. */
  restores: 'orkestra.azure.microsoft.com/restores-generation',
  /** On a part of a DAG template split to fit Argo's task limit: the template it is a part of. */
  dagPartOf: 'orkestra.azure.microsoft.com/dag-part-of',
} as const;

/**
 * Argo's instance label (workflow/common/common.go LabelKeyControllerInstanceID): a
 * workflow-controller with an instance ID processes only the Workflows that carry it with that
 * value; one without processes only those that carry none. The Workflow's creator sets it.
 */
export const ARGO_INSTANCE_LABEL = 'workflows.argoproj.io/controller-instanceid';
/** The instance ID of the Argo workflow-controller the chart installs (argo.instanceID's default). */
export const ARGO_INSTANCE_ID = 'orkestra';

/**
 * Flux's shard label: controllers started with --watch-label-selector=sharding.fluxcd.io/key=<shard>
 * reconcile only the HelmReleases and sources that carry it (Flux's sharding guide).
 */
export const FLUX_SHARD_LABEL = 'sharding.fluxcd.io/key';
/**
 * The shard of the Flux controllers the chart installs (flux.shard's default). A Flux without a
 * selector releases labelled objects as any other, so labelling for it by default costs nothing
 * where the cluster's own Flux releases them.
 */
export const FLUX_SHARD = 'orkestra';

/**
 * The executor's environment variable naming the Flux shard its HelmReleases and sources go to
 * (the chart's flux.shard, set in its templates and the plugin sidecar): unset, FLUX_SHARD; "", none.
 */
export const FLUX_SHARD_ENV = 'ORKESTRA_FLUX_SHARD';
