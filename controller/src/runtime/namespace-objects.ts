// The objects the controller keeps in each group namespace beside the groups' own: the executor's
// and the release ServiceAccounts and RoleBindings, the staging credentials, the plugin's objects —
// ensured before each Workflow, removed with the namespace's last group. Thin calls, no decisions
// (those are reconcile/executor-access.ts's).

import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { type PluginSidecarSettings, TOKEN_SECRET_TYPE } from '../../../lib/executor-plugin.ts';
import { statusOf } from '../../../lib/kube.ts';
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
  type ObservedSecret,
  OwnershipConflictError,
  pluginConfigMapProblem,
  strayDataKeys,
  tokenSecretProblems,
} from '../reconcile/executor-access.ts';
import type { ClusterCalls } from '../reconcile/reconcile-group.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Lists answered with metadata only: a Secret's labels and annotations, never its data. */
const metadataOnly = setHeaderOptions(
  'Accept',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
);

/** The ClusterRole (installed with the chart) that the executor's RoleBinding in each namespace refers to. */
export const EXECUTOR_CLUSTER_ROLE = 'orkestra-executor';

export interface NamespaceObjectOptions {
  /** Create the executor's ServiceAccount and RoleBinding in each namespace (else only check them). */
  manageExecutorAccess: boolean;
  /**
   * The plugin flavour: what the plugin's sidecar runs (the controller's flags), rendered into the
   * plugin's ConfigMap with its ServiceAccount and token Secrets in each namespace that runs Workflows.
   */
  executorPlugin?: PluginSidecarSettings;
  /**
   * The ClusterRole the default release ServiceAccount (orkestra-release) is bound to in each
   * group's namespace that uses it (a RoleBinding: its rights stay in that namespace); none: the
   * controller creates neither (the platform provides them).
   */
  releaseClusterRole?: string;
  /** Derives the credentials written into each group namespace's STAGING_SECRET; none: no Secret. */
  stagingCredentialKey?: string;
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

export function namespaceObjectCalls(
  kube: KubeConfig,
  options: NamespaceObjectOptions,
): Pick<ClusterCalls, 'ensureExecutorAccess' | 'removeNamespaceObjects'> {
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

  return {
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
  };
}
