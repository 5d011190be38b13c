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
