// Every ServiceAccount Orkestra installs or creates, and what it may and may not do: the one source
// of the table in docs/security.md (written between its `rights` markers by scripts/generate.ts)
// and of test/e2e/rights.test.ts, which asks the real API server (`kubectl auth can-i --as`) about
// every row, allowed and refused.

/**
 * Where a right holds, as the e2e test asks it:
 * - `its namespace`: the ServiceAccount's own (a group's namespace, or the chart's release namespace);
 * - `group namespaces`: every namespace whose groups the controller reconciles (all by default;
 *   `controller.namespaces` makes it RoleBindings in those only);
 * - `release namespace`: the chart's; `default`, `kube-system`: those namespaces;
 * - `cluster`: a cluster-scoped resource.
 */
export type Scope =
  | 'its namespace'
  | 'group namespaces'
  | 'release namespace'
  | 'default'
  | 'kube-system'
  | 'cluster';

export interface Right {
  verbs: string[];
  /** `resource[.group][/subresource]`, as RBAC spells them. */
  resources: string[];
  /** Only objects of these names (RBAC resourceNames). */
  names?: string[];
  scope: Scope;
  why: string;
}

export interface ServiceAccountRights {
  name: string;
  /** Where it lives and what makes it (Markdown). */
  lives: string;
  allowed: Right[];
  /** Rows the API server must refuse: the ones worth proving, not every right it lacks. */
  denied: Right[];
}

const AG = 'applicationgroups.orkestra.azure.microsoft.com';
const WORKFLOWS = 'workflows.argoproj.io';
const HR = 'helmreleases.helm.toolkit.fluxcd.io';
const SOURCES = ['helmrepositories.source.toolkit.fluxcd.io', 'ocirepositories.source.toolkit.fluxcd.io'];
const POLICIES = 'releasepolicies.orkestra.azure.microsoft.com';
const ROLEBINDINGS = 'rolebindings.rbac.authorization.k8s.io';
const CLUSTERROLES = 'clusterroles.rbac.authorization.k8s.io';
const CLUSTERROLEBINDINGS = 'clusterrolebindings.rbac.authorization.k8s.io';
const OWN_ACCOUNTS = ['orkestra-executor', 'orkestra-executor-plugin', 'orkestra-release'];

/** The executor's rights (workflow-templates/rbac/executor.yaml), held by its plugin's ServiceAccount too. */
const executorAllowed: Right[] = [
  {
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    resources: [HR, ...SOURCES],
    scope: 'its namespace',
    why: 'apply, watch, roll back and delete releases and their chart sources',
  },
  {
    verbs: ['get', 'list', 'watch'],
    resources: ['helmcharts.source.toolkit.fluxcd.io'],
    scope: 'its namespace',
    why: 'watch the HelmChart helm-controller makes, so a chart that cannot be fetched fails fast',
  },
  {
    verbs: ['get', 'create', 'update', 'patch', 'delete'],
    resources: ['configmaps'],
    scope: 'its namespace',
    why: 'read release bundles; keep the previous-release record rollback restores, delete it with its release',
  },
  {
    verbs: ['create', 'patch'],
    resources: ['workflowtaskresults.argoproj.io'],
    scope: 'its namespace',
    why: "Argo's emissary reports a step's outputs",
  },
  {
    verbs: ['list', 'watch'],
    resources: ['workflowtasksets.argoproj.io'],
    scope: 'its namespace',
    why: "the plugin flavour: Argo's agent reads its tasks",
  },
  {
    verbs: ['patch'],
    resources: ['workflowtasksets.argoproj.io/status'],
    scope: 'its namespace',
    why: "the plugin flavour: Argo's agent writes the tasks' outcomes",
  },
  {
    verbs: ['get', 'list', 'watch'],
    resources: [WORKFLOWS],
    scope: 'its namespace',
    why: '`wait` steps watch the node of a dependency in another part of a split DAG',
  },
  {
    verbs: ['get', 'list', 'watch'],
    resources: [POLICIES],
    scope: 'cluster',
    why: "check what it applies against its namespace's policy (every authenticated identity may: `orkestra-release-policy-reader`)",
  },
];

const executorDenied: Right[] = [
  {
    verbs: ['get', 'list'],
    resources: ['secrets'],
    scope: 'its namespace',
    why: 'chart credentials reach the `stage` step through the kubelet (`secretKeyRef`), never through the API',
  },
  {
    verbs: ['list'],
    resources: ['configmaps'],
    scope: 'its namespace',
    why: 'it reads the ConfigMaps it is named, nothing else',
  },
  {
    verbs: ['create'],
    resources: ['pods', 'deployments.apps', ROLEBINDINGS],
    scope: 'its namespace',
    why: 'Flux installs the charts (as `orkestra-release`), not the executor',
  },
  {
    verbs: ['create', 'patch', 'delete'],
    resources: [WORKFLOWS],
    scope: 'its namespace',
    why: 'a step cannot start or change Workflows',
  },
  {
    verbs: ['impersonate'],
    resources: ['serviceaccounts'],
    scope: 'its namespace',
    why: 'helm-controller impersonates `orkestra-release`; the executor only names it',
  },
  {
    verbs: ['create'],
    resources: [HR, 'configmaps'],
    scope: 'kube-system',
    why: 'its rights stop at its namespace',
  },
  {
    verbs: ['create'],
    resources: ['namespaces', CLUSTERROLEBINDINGS],
    scope: 'cluster',
    why: 'nothing cluster-scoped',
  },
];

/** The table: every ServiceAccount, in the order docs/security.md lists them. */
export const SERVICE_ACCOUNT_RIGHTS: ServiceAccountRights[] = [
  {
    name: 'orkestra-controller',
    lives: 'the release namespace (chart: `controller-rbac*.yaml`)',
    allowed: [
      {
        verbs: ['get', 'list', 'watch', 'patch'],
        resources: [AG],
        scope: 'group namespaces',
        why: 'reconcile groups; patch: its finalizer',
      },
      {
        verbs: ['patch'],
        resources: [`${AG}/status`],
        scope: 'group namespaces',
        why: 'write status (merge patch; never read through the subresource)',
      },
      {
        verbs: ['update'],
        resources: [`${AG}/finalizers`],
        scope: 'group namespaces',
        why: 'Workflows and bundles are owned by their group with `blockOwnerDeletion`',
      },
      {
        verbs: ['get', 'list', 'watch', 'create', 'patch'],
        resources: [WORKFLOWS],
        scope: 'group namespaces',
        why: "create a group's Workflows, watch them (label `managed-by=orkestra`), stop an older one (`spec.shutdown`); get: one found under the name it creates is read to check it is the group's. Writes limited to labelled Workflows by the admission policy `orkestra-controller-writes`",
      },
      {
        verbs: ['list'],
        resources: [HR, ...SOURCES],
        scope: 'group namespaces',
        why: "before a Workflow: whether a release or source of the group's names belongs to someone else",
      },
      {
        verbs: ['create', 'get', 'patch'],
        resources: ['configmaps'],
        scope: 'group namespaces',
        why: "release bundles (get: one found under a bundle's name), the rollout record, the plugin's ConfigMap; writes limited to labelled ConfigMaps by `orkestra-controller-writes`",
      },
      {
        verbs: ['create'],
        resources: ['serviceaccounts', ROLEBINDINGS],
        scope: 'group namespaces',
        why: 'server-side apply of its own accounts creates them (`create` cannot be limited by name)',
      },
      {
        verbs: ['patch'],
        resources: ['serviceaccounts', ROLEBINDINGS],
        names: OWN_ACCOUNTS,
        scope: 'group namespaces',
        why: "the executor's, the plugin's and `orkestra-release`'s ServiceAccount and RoleBinding, set back each time",
      },
      {
        verbs: ['get'],
        resources: ['serviceaccounts'],
        names: ['orkestra-executor'],
        scope: 'group namespaces',
        why: '`--no-manage-executor-rbac`: check it exists',
      },
      {
        verbs: ['create'],
        resources: ['secrets'],
        scope: 'group namespaces',
        why: "the plugin flavour's ServiceAccount token Secrets; the staging credentials (`orkestra-staging`)",
      },
      {
        verbs: ['patch'],
        resources: ['secrets'],
        names: ['orkestra-staging'],
        scope: 'group namespaces',
        why: "the namespace's staging registry credentials (its own folder only), applied and set back before each Workflow; never read",
      },
      {
        verbs: ['list', 'delete'],
        resources: ['secrets'],
        names: [
          'orkestra-executor.service-account-token',
          'orkestra-executor-plugin.service-account-token',
          'orkestra-staging',
        ],
        scope: 'group namespaces',
        why: 'the plugin flavour: checked before Argo mounts them (listed by name, metadata only: type, annotation, label; never the token); each deleted with the namespace’s last group',
      },
      {
        verbs: ['get', 'delete'],
        resources: ['configmaps', 'serviceaccounts', ROLEBINDINGS],
        names: ['orkestra-executor-plugin'],
        scope: 'group namespaces',
        why: 'the plugin flavour: deleted with the namespace’s last group, when Orkestra labelled them',
      },
      {
        verbs: ['create'],
        resources: ['events'],
        scope: 'group namespaces',
        why: 'Events on groups',
      },
      {
        verbs: ['bind'],
        resources: [CLUSTERROLES],
        names: ['orkestra-executor', 'admin'],
        scope: 'cluster',
        why: "RoleBindings to the executor's role and `policy.releaseClusterRole` (default `admin`) without holding their rights",
      },
      {
        verbs: ['get', 'list', 'watch'],
        resources: [POLICIES],
        scope: 'cluster',
        why: "the policy of each group's namespace",
      },
      {
        verbs: ['list'],
        resources: ['nodes'],
        scope: 'cluster',
        why: 'node addresses, which chart sources may not be',
      },
      {
        verbs: ['get'],
        resources: ['services'],
        names: ['kubernetes'],
        scope: 'default',
        why: "the API server's addresses, which chart sources may not be",
      },
      {
        verbs: ['list'],
        resources: ['endpointslices.discovery.k8s.io'],
        scope: 'default',
        why: "the API server's addresses, which chart sources may not be",
      },
      {
        verbs: ['get', 'create', 'update'],
        resources: ['leases.coordination.k8s.io'],
        scope: 'its namespace',
        why: 'leader election',
      },
    ],
    denied: [
      {
        verbs: ['get', 'list', 'watch'],
        resources: ['secrets'],
        scope: 'group namespaces',
        why: 'it reads no Secret: credentials are created and left; of the plugin’s two token Secrets it lists the metadata, by name',
      },
      {
        verbs: ['get'],
        resources: ['secrets'],
        scope: 'kube-system',
        why: 'no Secret anywhere',
      },
      {
        verbs: ['list', 'delete'],
        resources: ['configmaps'],
        scope: 'group namespaces',
        why: 'it reads ConfigMaps by name and deletes none but the plugin’s (the others go with their owner)',
      },
      {
        verbs: ['delete'],
        resources: [AG, WORKFLOWS],
        scope: 'group namespaces',
        why: 'groups are deleted by their users, Workflows with their group',
      },
      {
        verbs: ['get'],
        resources: [`${AG}/status`],
        scope: 'group namespaces',
        why: 'status is only written',
      },
      {
        verbs: ['create', 'patch', 'delete'],
        resources: [HR],
        scope: 'group namespaces',
        why: "releases are the executor's to write",
      },
      {
        verbs: ['create'],
        resources: ['pods', 'deployments.apps', 'roles.rbac.authorization.k8s.io'],
        scope: 'group namespaces',
        why: 'nothing it does not make',
      },
      {
        verbs: ['get', 'patch'],
        resources: ['serviceaccounts', ROLEBINDINGS],
        names: ['default'],
        scope: 'group namespaces',
        why: 'other ServiceAccounts and RoleBindings of the namespace stay out of reach',
      },
      {
        verbs: ['bind'],
        resources: [CLUSTERROLES],
        names: ['cluster-admin', 'edit'],
        scope: 'cluster',
        why: 'it may bind only the two roles above',
      },
      {
        verbs: ['escalate'],
        resources: [CLUSTERROLES],
        scope: 'cluster',
        why: 'nor widen a role',
      },
      {
        verbs: ['create'],
        resources: ['namespaces', CLUSTERROLES, CLUSTERROLEBINDINGS, 'clusterworkflowtemplates.argoproj.io'],
        scope: 'cluster',
        why: 'no cluster-scoped writes',
      },
      {
        verbs: ['patch'],
        resources: ['customresourcedefinitions.apiextensions.k8s.io'],
        scope: 'cluster',
        why: "the CRDs are the chart's",
      },
      {
        verbs: ['get'],
        resources: ['services'],
        names: ['other'],
        scope: 'default',
        why: 'in `default`, the `kubernetes` Service only',
      },
    ],
  },
  {
    name: 'orkestra-executor',
    lives:
      'each group namespace (made by the controller, a RoleBinding to the ClusterRole `orkestra-executor`), and the release namespace (chart: a Role of the same rules); `workflow-templates/rbac/executor.yaml` for namespaces prepared by hand',
    allowed: executorAllowed,
    denied: executorDenied,
  },
  {
    name: 'orkestra-executor-plugin',
    lives:
      "each group namespace with `executor.flavour: plugin` (made by the controller, removed with the namespace's last group); `workflow-templates/orkestra-executor-plugin.yaml` for namespaces prepared by hand; bound to the executor's role, so the same rights",
    allowed: executorAllowed,
    denied: executorDenied,
  },
  {
    name: 'orkestra-release',
    lives:
      'each group namespace whose policy runs releases as it (made by the controller, a RoleBinding to `policy.releaseClusterRole`), and the release namespace (chart); helm-controller impersonates it',
    allowed: [
      {
        verbs: ['create', 'get', 'patch', 'delete'],
        resources: [
          'deployments.apps',
          'services',
          'configmaps',
          'secrets',
          'roles.rbac.authorization.k8s.io',
          ROLEBINDINGS,
        ],
        scope: 'its namespace',
        why: 'whatever a chart installs there: the `admin` ClusterRole, bound in that namespace only (Helm keeps its release in Secrets there)',
      },
    ],
    denied: [
      {
        verbs: ['create'],
        resources: [
          'namespaces',
          CLUSTERROLES,
          CLUSTERROLEBINDINGS,
          'customresourcedefinitions.apiextensions.k8s.io',
        ],
        scope: 'cluster',
        why: "a chart holding cluster-scoped objects fails with helm-controller's Forbidden",
      },
      {
        verbs: ['create', 'list'],
        resources: ['deployments.apps', 'secrets'],
        scope: 'kube-system',
        why: 'nothing outside its namespace',
      },
      {
        verbs: ['update'],
        resources: ['resourcequotas'],
        scope: 'its namespace',
        why: "`admin` cannot lift its namespace's quota",
      },
    ],
  },
  {
    name: 'orkestra-platform',
    lives:
      'each namespace in `policy.platform.namespaces` (chart; none by default), bound cluster-wide to `policy.platform.serviceAccount.clusterRole`; helm-controller impersonates it',
    allowed: [
      {
        verbs: ['*'],
        resources: ['*'],
        scope: 'cluster',
        why: "the original Orkestra's reach for platform teams: `cluster-admin` by default (bind a narrower role if their charts need less)",
      },
      {
        verbs: ['create'],
        resources: ['namespaces', CLUSTERROLEBINDINGS],
        scope: 'cluster',
        why: 'target namespaces created, cluster-scoped objects installed',
      },
      {
        verbs: ['create'],
        resources: ['deployments.apps', 'secrets'],
        scope: 'kube-system',
        why: 'releases into any namespace',
      },
    ],
    denied: [],
  },
];

export const RIGHTS_BEGIN = '<!-- rights:begin (generated from test/support/service-account-rights.ts) -->';
export const RIGHTS_END = '<!-- rights:end -->';

const code = (items: string[]) => items.map((i) => `\`${i}\``).join(', ');

/** The Markdown table of every ServiceAccount's rights, allowed rows first, then the refused ones. */
export function rightsTable(accounts = SERVICE_ACCOUNT_RIGHTS): string {
  const lines = [
    '| ServiceAccount | | verbs | resources | where | why |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const account of accounts) {
    lines.push(`| **\`${account.name}\`** | lives in | | | | ${account.lives} |`);
    const row = (mark: string, right: Right) =>
      lines.push(
        `| | ${mark} | ${code(right.verbs)} | ${code(right.resources)}${
          right.names ? ` named ${code(right.names)}` : ''
        } | ${right.scope} | ${right.why} |`,
      );
    for (const right of account.allowed) row('may', right);
    for (const right of account.denied) row('**not**', right);
  }
  return `${lines.join('\n')}\n`;
}

/** `text` with the table written between its markers. */
export function withRightsTable(text: string): string {
  const begin = text.indexOf(RIGHTS_BEGIN);
  const end = text.indexOf(RIGHTS_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/security.md lacks the markers ${RIGHTS_BEGIN} … ${RIGHTS_END}`);
  return `${text.slice(0, begin + RIGHTS_BEGIN.length)}\n${rightsTable()}${text.slice(end)}`;
}
