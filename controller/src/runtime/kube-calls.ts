// The reconciler's ClusterCalls on @kubernetes/client-node: each a thin call, no decisions.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import {
  APPLICATION_GROUP_API_VERSION,
  APPLICATION_GROUP_KIND,
  type ApplicationGroup,
  ORKESTRA_GROUP,
} from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { FLUX_PLURALS } from '../../../lib/api/flux.ts';
import type { ReleasePolicy } from '../../../lib/api/release-policy.ts';
import { type PluginSidecarSettings, TOKEN_SECRET_TYPE } from '../../../lib/executor-plugin.ts';
import { serverMessage } from '../../../lib/kube.ts';
import type { Owned } from '../../../lib/ownership.ts';
import { cached, readClusterAddresses, resolveHost } from '../../../lib/policy/cluster-view.ts';
import { policyFor } from '../../../lib/policy/policy.ts';
import { namespaceCredentials, STAGING_SECRET } from '../../../lib/staging-auth.ts';
import {
  EXECUTOR_PLUGIN,
  EXECUTOR_SERVICE_ACCOUNT,
  FieldManager,
  Labels,
  MANAGED_BY,
  RELEASE_SERVICE_ACCOUNT,
} from '../../../lib/wire-names.ts';
import {
  ExecutorAccessMissingError,
  executorPluginObjects,
  NAMESPACE_OBJECTS,
  namespaceObjectsToRemove,
  ObjectRefusedError,
  type ObservedSecret,
  OwnershipConflictError,
  pluginConfigMapProblem,
  strayDataKeys,
  tokenSecretProblems,
} from '../reconcile/executor-access.ts';
import type { ClusterCalls } from '../reconcile/reconcile-group.ts';
import { RecordTooLargeError, recordConfigMap, recordName, recordOf } from '../reconcile/rollout-record.ts';

const GROUPS = { group: ORKESTRA_GROUP, version: 'v1alpha1', plural: 'applicationgroups' };
const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Lists answered with metadata only: a Secret's labels and annotations, never its data. */
const metadataOnly = setHeaderOptions(
  'Accept',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
);

const statusOf = (error: unknown) => (error as { code?: unknown })?.code;

/** The ClusterRole (installed with the chart) that the executor's RoleBinding in each namespace refers to. */
export const EXECUTOR_CLUSTER_ROLE = 'orkestra-executor';

/** How long the cluster's addresses and a chart host's resolution are kept. */
const ADDRESSES_TTL_MS = 60_000;
const RESOLVE_TTL_MS = 30_000;

export interface KubeCallsOptions {
  /** Create the executor's ServiceAccount and RoleBinding in each namespace (else only check them). */
  manageExecutorAccess: boolean;
  /**
   * The plugin flavour: what the plugin's sidecar runs (the controller's flags), rendered into the
   * plugin's ConfigMap with its ServiceAccount and token Secrets in each namespace that runs Workflows.
   */
  executorPlugin?: PluginSidecarSettings;
  /** Only these namespaces' Workflows (the informer's cache). */
  workflowsIn: ClusterCalls['workflowsIn'];
  /** Every ReleasePolicy (the informer's cache). */
  policies: () => readonly ReleasePolicy[];
  /**
   * The ClusterRole the default release ServiceAccount (orkestra-release) is bound to in each
   * group's namespace that uses it (a RoleBinding: its rights stay in that namespace); none: the
   * controller creates neither (the platform provides them).
   */
  releaseClusterRole?: string;
  /** Derives the credentials written into each group namespace's STAGING_SECRET; none: no Secret. */
  stagingCredentialKey?: string;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/** A ServiceAccount of Orkestra's, and a RoleBinding giving it `clusterRole` in its namespace only. */
function accountWithRole(name: string, namespace: string, clusterRole: string): KubernetesObject[] {
  const labels = { [Labels.managedBy]: MANAGED_BY };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject,
  ];
}

/** A namespace's Secret with its staging registry credentials (lib/staging-auth.ts). */
function stagingSecret(namespace: string, credentialKey: string): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: STAGING_SECRET, namespace, labels: { [Labels.managedBy]: MANAGED_BY } },
    stringData: namespaceCredentials(credentialKey, namespace),
  } as KubernetesObject;
}

export function kubeCalls(kube: KubeConfig, options: KubeCallsOptions): ClusterCalls {
  const custom = kube.makeApiClient(CustomObjectsApi);
  const core = kube.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kube);
  const rbac = kube.makeApiClient(RbacAuthorizationV1Api);

  const apply = (object: KubernetesObject) =>
    objects.patch(object, undefined, undefined, FieldManager.controller, true, PatchStrategy.ServerSideApply);
  // Metadata only, by name (the controller may list just these names), and whether the type is a
  // token's (a field selector): the controller never reads a token.
  const observeSecret = async (namespace: string, name: string): Promise<ObservedSecret | undefined> => {
    const list = async (type?: string) =>
      (
        await core.listNamespacedSecret(
          { namespace, fieldSelector: `metadata.name=${name}${type ? `,type=${type}` : ''}` },
          metadataOnly,
        )
      ).items ?? []; // a metadata-only list of nothing comes back as `items: null`
    const [secret] = await list();
    if (!secret) return undefined;
    return { metadata: secret.metadata ?? {}, isToken: (await list(TOKEN_SECRET_TYPE)).length > 0 };
  };
  const readConfigMap = async (namespace: string, name: string) => {
    try {
      return await core.readNamespacedConfigMap({ name, namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  const clusterAddresses = cached(() => readClusterAddresses(kube), ADDRESSES_TTL_MS);
  const resolve = cached((host: string) => resolveHost(host), RESOLVE_TTL_MS);

  return {
    readGroup: async (namespace, name) => {
      try {
        return (await custom.getNamespacedCustomObject({ ...GROUPS, namespace, name })) as ApplicationGroup;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    workflowsIn: options.workflowsIn,

    listWorkflows: async (namespace) => {
      const list = (await custom.listNamespacedCustomObject({
        ...WORKFLOWS,
        namespace,
        labelSelector: `${Labels.managedBy}=${MANAGED_BY}`,
      })) as { items: Workflow[] };
      return list.items;
    },

    // resourceVersion in a merge patch is a precondition: a group changed since it was read is
    // not patched (409), and the pass runs again on fresh data.
    setFinalizers: async (group, finalizers) => {
      await custom.patchNamespacedCustomObject(
        {
          ...GROUPS,
          namespace: group.metadata.namespace as string,
          name: group.metadata.name as string,
          body: { metadata: { finalizers, resourceVersion: group.metadata.resourceVersion } },
        },
        mergePatch,
      );
    },

    createObject: async (object) => {
      try {
        await objects.create(object as KubernetesObject);
        return 'created';
      } catch (error) {
        if (statusOf(error) === 422) {
          throw new ObjectRefusedError(
            `the API server refused ${object.kind} ${object.metadata.name}: ${serverMessage(error)}`,
          );
        }
        if (statusOf(error) !== 409) throw error;
      }
      const existing = await objects.read(object as never);
      const owner = (o: { metadata?: { ownerReferences?: Array<{ uid: string }> } }) =>
        o.metadata?.ownerReferences?.[0]?.uid;
      if (owner(existing) === owner(object)) return 'exists';
      throw new Error(
        `${object.kind} ${object.metadata.namespace}/${object.metadata.name} exists and belongs to another object; waiting for it to be garbage-collected`,
      );
    },

    stopWorkflow: async (namespace, name) => {
      await custom.patchNamespacedCustomObject(
        { ...WORKFLOWS, namespace, name, body: { spec: { shutdown: 'Stop' } } },
        mergePatch,
      );
    },

    writeStatus: async (group, status) => {
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...GROUPS,
          namespace: group.metadata.namespace as string,
          name: group.metadata.name as string,
          body: { status },
        },
        mergePatch,
      );
    },

    // Applied each time a Workflow is created (seldom): one deleted since, or a namespace made anew
    // under the same name, is repaired rather than remembered as ready.
    policyView: async (namespace, hosts) => {
      const resolved = await Promise.all(hosts.map(async (host) => [host, await resolve(host)] as const));
      return {
        policy: policyFor(namespace, options.policies()),
        cluster: await clusterAddresses(undefined),
        resolved: new Map(resolved),
      };
    },

    // One list per kind the group would write, not one read per object (a group may have 1,000).
    liveReleaseObjects: async (namespace, wanted) => {
      const kinds = new Map<string, { group: string; version: string; plural: string }>();
      for (const object of wanted) {
        const apiVersion = (object as { apiVersion?: string }).apiVersion ?? '';
        const [group = '', version = ''] = apiVersion.split('/');
        const kind = object.kind ?? '';
        const plural = FLUX_PLURALS[kind];
        if (plural) kinds.set(kind, { group, version, plural });
      }
      const names = new Set(wanted.map((o) => `${o.kind}/${o.metadata?.name}`));
      const live: Owned[] = [];
      for (const [kind, resource] of kinds) {
        const list = (await custom.listNamespacedCustomObject({ ...resource, namespace })) as {
          items: Owned[];
        };
        for (const item of list.items)
          if (names.has(`${kind}/${item.metadata?.name}`)) live.push({ ...item, kind });
      }
      return live;
    },

    ensureExecutorAccess: async (namespace, policy) => {
      // The release ServiceAccount helm-controller impersonates: the release role there, no more.
      if (options.releaseClusterRole && policy.serviceAccountName === RELEASE_SERVICE_ACCOUNT) {
        for (const object of accountWithRole(RELEASE_SERVICE_ACCOUNT, namespace, options.releaseClusterRole))
          await apply(object);
      }
      // Set back before each Workflow: the namespace's own staging credentials (its folder of the registry, no other).
      if (options.stagingCredentialKey) await apply(stagingSecret(namespace, options.stagingCredentialKey));
      if (options.manageExecutorAccess) {
        for (const object of accountWithRole(EXECUTOR_SERVICE_ACCOUNT, namespace, EXECUTOR_CLUSTER_ROLE))
          await apply(object);
        if (options.executorPlugin) {
          const plugin = executorPluginObjects(namespace, options.executorPlugin, EXECUTOR_CLUSTER_ROLE);
          const configMapProblem = pluginConfigMapProblem(
            namespace,
            await readConfigMap(namespace, EXECUTOR_PLUGIN),
          );
          if (configMapProblem) throw new OwnershipConflictError(configMapProblem);
          for (const object of plugin.apply) {
            const live = (await apply(object)) as KubernetesObject & { data?: Record<string, string> };
            // Forced apply sets back every key the controller writes; keys someone added go too.
            const stray = strayDataKeys(live.data, (object as { data?: Record<string, string> }).data);
            if (object.kind === 'ConfigMap' && stray.length > 0) {
              await core.patchNamespacedConfigMap(
                {
                  name: object.metadata?.name as string,
                  namespace,
                  body: { data: Object.fromEntries(stray.map((key) => [key, null])) },
                },
                mergePatch,
              );
            }
          }
          for (const secret of plugin.create) {
            try {
              await objects.create(secret);
            } catch (error) {
              if (statusOf(error) !== 409) throw error;
            }
          }
          // Created now, or found: what is under those names is used only if it is Orkestra's token.
          const found = new Map<string, ObservedSecret>();
          for (const secret of plugin.create) {
            const name = secret.metadata?.name as string;
            const observed = await observeSecret(namespace, name);
            if (!observed) throw new Error(`Secret ${namespace}/${name} vanished after it was created`);
            found.set(name, observed);
          }
          const problems = tokenSecretProblems(namespace, found);
          if (problems.length > 0) throw new OwnershipConflictError(problems.join('; '));
        }
      } else {
        try {
          await core.readNamespacedServiceAccount({ name: EXECUTOR_SERVICE_ACCOUNT, namespace });
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          throw new ExecutorAccessMissingError(
            `ServiceAccount ${namespace}/${EXECUTOR_SERVICE_ACCOUNT} does not exist, and the controller does not create it (--manage-executor-rbac=false)`,
          );
        }
      }
    },

    listGroups: async (namespace) => {
      const list = (await custom.listNamespacedCustomObject({ ...GROUPS, namespace })) as {
        items: ApplicationGroup[];
      };
      return list.items;
    },

    // Each found under its name, and deleted only if Orkestra labelled it, and only that very object
    // (uid precondition): one made anew meanwhile by someone else stays.
    removeNamespaceObjects: async (namespace) => {
      const readMeta = async (kind: string, name: string) => {
        try {
          switch (kind) {
            case 'Secret':
              return (await observeSecret(namespace, name))?.metadata;
            case 'ConfigMap':
              return (await readConfigMap(namespace, name))?.metadata;
            case 'ServiceAccount':
              return (await core.readNamespacedServiceAccount({ name, namespace })).metadata;
            default:
              return (await rbac.readNamespacedRoleBinding({ name, namespace })).metadata;
          }
        } catch (error) {
          if (statusOf(error) === 404) return undefined;
          throw error;
        }
      };
      const live = await Promise.all(
        NAMESPACE_OBJECTS.map(async (ref) => {
          const metadata = await readMeta(ref.kind, ref.name);
          return metadata ? { ...ref, metadata } : undefined;
        }),
      );
      const removed: string[] = [];
      for (const object of namespaceObjectsToRemove(live)) {
        const request = {
          name: object.name,
          namespace,
          body: { preconditions: { uid: object.metadata.uid } },
        };
        try {
          if (object.kind === 'Secret') await core.deleteNamespacedSecret(request);
          else if (object.kind === 'ConfigMap') await core.deleteNamespacedConfigMap(request);
          else if (object.kind === 'ServiceAccount') await core.deleteNamespacedServiceAccount(request);
          else await rbac.deleteNamespacedRoleBinding(request);
          removed.push(`${object.kind}/${object.name}`);
        } catch (error) {
          // Gone already, or replaced since it was read (the uid differs): not ours to delete.
          if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
        }
      }
      return removed;
    },

    // Events are a courtesy: one that cannot be written is logged, never fails the pass.
    recordEvent: async (group, type, reason, message) => {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: group.metadata.namespace as string,
          body: {
            metadata: { name: `${group.metadata.name}.${randomBytes(8).toString('hex')}` },
            involvedObject: {
              apiVersion: APPLICATION_GROUP_API_VERSION,
              kind: APPLICATION_GROUP_KIND,
              name: group.metadata.name,
              namespace: group.metadata.namespace,
              uid: group.metadata.uid,
              resourceVersion: group.metadata.resourceVersion,
            },
            type,
            reason,
            message: message.slice(0, 1024),
            source: { component: FieldManager.controller },
            reportingComponent: FieldManager.controller,
            reportingInstance: FieldManager.controller,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (error) {
        options.log('Could not record an Event', { reason, error: String(error) });
      }
    },

    readRecord: async (group) => {
      const namespace = group.metadata.namespace as string;
      let configMap: V1ConfigMap;
      try {
        configMap = await core.readNamespacedConfigMap({ name: recordName(group), namespace });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      return recordOf(group, configMap);
    },

    saveRecord: async (group, record) => {
      const configMap = recordConfigMap(group, record);
      if ('tooLarge' in configMap) throw new RecordTooLargeError(configMap.tooLarge);
      await apply(configMap as unknown as KubernetesObject);
    },

    now: () => new Date().toISOString(),
  };
}
