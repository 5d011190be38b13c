/**
 * The ApplicationGroup CRD's OpenAPI v3 schema: the one source for the CRD YAML under
 * chart/orkestra/crds/ (scripts/generate.ts) and for offline validation (`orkestra validate`).
 *
 * List bounds keep the CEL rules' estimated cost under the API server's limits: a rule on a list
 * item costs its own cost times the list's maxItems. Unique names are the schema's own (list-type
 * map keyed by name, checked in linear time); whether dependencies name known applications is
 * quadratic, so the controller checks it (a group naming an unknown one is Stalled, InvalidSpec).
 */
export const LIMITS = {
  applications: 1000,
  /**
   * Of an application: a fan-in may wait on many (only the linear self-dependency rule is CEL), as
   * many as one part of a split DAG holds beside it (Argo's 200 tasks per template: the application
   * and a wait for each dependency in another part).
   */
  applicationDependencies: 199,
  /** Of a subchart (or an original executor), within one application. */
  dependencies: 16,
  subcharts: 32,
  nameLength: 63,
} as const;

type Schema = Record<string, unknown>;

const DURATION: Schema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const NAMESPACE: Schema = {
  type: 'string',
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
};
const bool: Schema = { type: 'boolean' };
const str: Schema = { type: 'string' };
const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
const object = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
const describe = (description: string, schema: Schema): Schema => ({ description, ...schema });

const NAME: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.nameLength,
  // Must hold at least one letter or digit so it can become a DNS-1123 label.
  pattern: '[a-zA-Z0-9]',
};

/**
 * Fields that reach the `stage` step as plain Workflow parameters (not JSON that can be escaped):
 * Argo would substitute `{{…}}` in them and the kubelet `$(VAR)` and `$$`, so they hold no `{`, `}`
 * or `$`. Subchart names are also joined with `,` into one parameter.
 */
export const STAGE_PARAMETER_PATTERNS = {
  url: '^(https?|oci)://[^\\s{}$]+$',
  chartName: '^[^\\s{}$]+$',
  version: '^[^{}$]*$',
  subchartName: '^[^{}$,]*[a-zA-Z0-9][^{}$,]*$',
  secretName: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
} as const;

const dependencies = (of: string, maxItems: number = LIMITS.dependencies): Schema =>
  describe(`Names of other ${of} that must be released before this one.`, {
    type: 'array',
    maxItems,
    items: { type: 'string', maxLength: LIMITS.nameLength },
  });

/** Items are unique by name: the API server refuses a second item with the same name ("Duplicate value"). */
const keyedByName: Schema = { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] };

const noSelfDependency = (of: string): Schema => ({
  rule: '!has(self.dependencies) || !(self.name in self.dependencies)',
  message: `${of} cannot depend on itself`,
});

const remediation = (withStrategy: boolean): Schema =>
  object({
    retries: { type: 'integer' },
    ignoreTestFailures: bool,
    remediateLastFailure: bool,
    ...(withStrategy ? { strategy: enumOf('rollback', 'uninstall') } : {}),
  });

const strategy = (rule: string, message: string): Schema =>
  object(
    { name: enumOf('RemediateOnFailure', 'RetryOnFailure'), retryInterval: DURATION },
    { required: ['name'], 'x-kubernetes-validations': [{ rule, message }] },
  );

const crds = enumOf('Skip', 'Create', 'CreateReplace');
const serverSideApplyMode = enumOf('enabled', 'disabled', 'auto');
const waitOptions = { disableWait: bool, disableWaitForJobs: bool, disableHooks: bool };

/** Flux HelmRelease v2 install/upgrade/rollback/uninstall options, passed through unchanged. */
const releaseOptions: Record<string, Schema> = {
  install: describe(
    'Helm install options (HelmRelease v2 spec.install).',
    object({
      timeout: DURATION,
      remediation: remediation(false),
      strategy: strategy(
        "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
        ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
      ),
      ...waitOptions,
      disableOpenAPIValidation: bool,
      disableSchemaValidation: bool,
      disableTakeOwnership: bool,
      replace: bool,
      skipCRDs: bool,
      crds,
      createNamespace: describe(
        'Create the target namespace if missing. Orkestra defaults it to true.',
        bool,
      ),
      serverSideApply: bool,
    }),
  ),
  upgrade: describe(
    'Helm upgrade options (HelmRelease v2 spec.upgrade).',
    object({
      timeout: DURATION,
      remediation: remediation(true),
      strategy: strategy(
        "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
        ".retryInterval can only be set when .name is 'RetryOnFailure'",
      ),
      ...waitOptions,
      disableOpenAPIValidation: bool,
      disableSchemaValidation: bool,
      disableTakeOwnership: bool,
      force: bool,
      preserveValues: bool,
      cleanupOnFail: bool,
      crds,
      chartNameChangeStrategy: enumOf('InPlaceUpdate', 'Reinstall'),
      serverSideApply: serverSideApplyMode,
    }),
  ),
  rollback: describe(
    'Helm rollback options (HelmRelease v2 spec.rollback).',
    object({
      timeout: DURATION,
      ...waitOptions,
      recreate: bool,
      force: bool,
      cleanupOnFail: bool,
      serverSideApply: serverSideApplyMode,
    }),
  ),
  uninstall: describe(
    'Helm uninstall options (HelmRelease v2 spec.uninstall).',
    object({
      timeout: DURATION,
      disableHooks: bool,
      keepHistory: bool,
      disableWait: bool,
      deletionPropagation: enumOf('background', 'foreground', 'orphan'),
    }),
  ),
};

const release: Schema = describe(
  'The Helm release; maps onto HelmRelease v2 spec fields.',
  object({
    targetNamespace: describe('Namespace the chart is installed into (created if missing).', NAMESPACE),
    timeout: describe('Time Helm waits for each operation. Default 5m.', DURATION),
    interval: describe('How often Flux reconciles the release. Default 5m.', DURATION),
    values: describe('Helm values.', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
    valuesFrom: describe('Addition: values read from Secrets or ConfigMaps in the group namespace.', {
      type: 'array',
      items: object(
        {
          kind: enumOf('Secret', 'ConfigMap'),
          name: { type: 'string', minLength: 1, maxLength: 253 },
          valuesKey: { type: 'string', maxLength: 253 },
          targetPath: { type: 'string', maxLength: 250 },
          optional: bool,
        },
        { required: ['kind', 'name'] },
      ),
    }),
    ...releaseOptions,
  }),
);

const chart: Schema = describe(
  'Where the chart comes from.',
  object(
    {
      url: describe('Helm repository URL (http, https) or OCI registry URL (oci://).', {
        type: 'string',
        pattern: STAGE_PARAMETER_PATTERNS.url,
      }),
      name: describe('Chart name in the repository.', {
        type: 'string',
        minLength: 1,
        pattern: STAGE_PARAMETER_PATTERNS.chartName,
      }),
      version: describe('Chart version or SemVer range. Default * (latest).', {
        type: 'string',
        pattern: STAGE_PARAMETER_PATTERNS.version,
      }),
      authSecretRef: describe(
        "Secret in the group's namespace holding the repository credentials.",
        object(
          {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 253,
              pattern: STAGE_PARAMETER_PATTERNS.secretName,
            },
            namespace: str,
            kind: str,
            apiVersion: str,
            uid: str,
            resourceVersion: str,
            fieldPath: str,
          },
          { required: ['name'] },
        ),
      ),
    },
    { required: ['url', 'name'] },
  ),
);

const subchart: Schema = object(
  {
    name: { ...NAME, pattern: STAGE_PARAMETER_PATTERNS.subchartName },
    dependencies: dependencies('subcharts of the same application'),
  },
  { required: ['name'], 'x-kubernetes-validations': [noSelfDependency('a subchart')] },
);

const executor: Schema = object(
  {
    name: NAME,
    dependencies: dependencies('executors'),
    type: enumOf('helmrelease', 'keptn', 'custom'),
    image: str,
    params: { 'x-kubernetes-preserve-unknown-fields': true },
  },
  { required: ['name'] },
);

const application: Schema = object(
  {
    name: describe('Application name; names its HelmRelease.', NAME),
    dependencies: dependencies('applications of the group', LIMITS.applicationDependencies),
    spec: object(
      {
        chart,
        release,
        subcharts: describe('Subcharts of the parent chart released as their own DAG nodes, in this order.', {
          type: 'array',
          maxItems: LIMITS.subcharts,
          items: subchart,
          ...keyedByName,
        }),
        workflow: describe('Original Orkestra executor list; only helmrelease executors are supported.', {
          type: 'array',
          items: executor,
        }),
      },
      {
        required: ['chart'],
        'x-kubernetes-validations': [
          {
            // Subcharts are staged per parent version; a new version is what has Flux fetch them again.
            rule: '!has(self.subcharts) || size(self.subcharts) == 0 || has(self.chart.version)',
            message: 'a chart with subcharts needs a version',
            fieldPath: '.chart.version',
          },
        ],
      },
    ),
  },
  { required: ['name', 'spec'], 'x-kubernetes-validations': [noSelfDependency('an application')] },
);

const condition: Schema = object(
  {
    type: { type: 'string', maxLength: 316 },
    status: enumOf('True', 'False', 'Unknown'),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 1024 },
    message: { type: 'string', maxLength: 32768 },
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const chartStatus = {
  phase: enumOf('Pending', 'Progressing', 'Succeeded', 'Failed', 'RolledBack', 'Deleted'),
  version: str,
  message: str,
};

const status: Schema = object({
  observedGeneration: { type: 'integer', format: 'int64' },
  lastSucceededGeneration: { type: 'integer', format: 'int64' },
  conditions: {
    type: 'array',
    items: condition,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  },
  applications: {
    type: 'array',
    items: object(
      { name: str, ...chartStatus, subcharts: { type: 'object', additionalProperties: object(chartStatus) } },
      { required: ['name'] },
    ),
  },
  workflow: object({ name: str, type: str, phase: str }, { required: ['name'] }),
  lastHandledReconcileAt: str,
  attempt: object(
    { generation: { type: 'integer', format: 'int64' }, number: { type: 'integer', minimum: 0 } },
    { required: ['generation', 'number'] },
  ),
});

export const applicationGroupSchema: Schema = object(
  {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: object(
      {
        applications: describe('The applications of the group and their dependencies.', {
          type: 'array',
          minItems: 1,
          maxItems: LIMITS.applications,
          items: application,
          ...keyedByName,
        }),
        interval: describe('How often the group is checked when nothing changed. Default 5m.', DURATION),
        parallelism: describe('Addition: at most this many releases are applied at once.', {
          type: 'integer',
          minimum: 1,
        }),
        remediation: describe(
          'Addition: what happens when a release fails.',
          object({
            strategy: describe(
              'Rollback (default): releases the last successful spec does not have are removed and every other one goes back to that spec (with none yet: every release of the group is uninstalled). Uninstall: every release of the group is uninstalled. None: everything is left as the failed rollout left it.',
              enumOf('Rollback', 'Uninstall', 'None'),
            ),
          }),
        ),
      },
      { required: ['applications'] },
    ),
    status,
  },
  { required: ['spec'] },
);
