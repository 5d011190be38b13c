import type { KubernetesObject } from '@kubernetes/client-node';
import {
  ARGO_PLUGIN_LABEL,
  EXECUTOR_PLUGIN,
  EXECUTOR_SERVICE_ACCOUNT,
  Labels,
  MANAGED_BY,
} from '../../../lib/wire-names.ts';

/** A namespace lacks the executor's ServiceAccount, and the controller may not create it. */
export class ExecutorAccessMissingError extends Error {}

/**
 * The API server refused an object the controller rendered as invalid (HTTP 422): e.g. a Workflow
 * over what the cluster's Argo CRDs allow. Creating it again would fail the same way.
 */
export class ObjectRefusedError extends Error {}

/** Objects the group would write belong to someone else (lib/ownership.ts): nothing is created. */
export class OwnershipConflictError extends Error {}

/**
 * What a namespace needs for the plugin flavour, beside the executor's ServiceAccount and
 * RoleBinding: the plugin's ConfigMap (a copy of the one installed with the chart), the plugin's
 * ServiceAccount bound to the executor's rights, and the token Secrets Argo mounts into the agent pod
 * (the Workflow's ServiceAccount) and into the plugin. The Secrets are created, never read back:
 * `apply` objects are server-side applied, `create` ones created unless they exist.
 */
export function executorPluginObjects(
  namespace: string,
  plugin: { data?: Record<string, string> },
  executorClusterRole: string,
): { apply: KubernetesObject[]; create: KubernetesObject[] } {
  const labels = { [Labels.managedBy]: MANAGED_BY };
  const tokenSecret = (serviceAccount: string): KubernetesObject & { type: string } => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: {
      name: `${serviceAccount}.service-account-token`,
      namespace,
      labels,
      annotations: { 'kubernetes.io/service-account.name': serviceAccount },
    },
  });
  return {
    apply: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: EXECUTOR_PLUGIN, namespace, labels: { ...labels, ...ARGO_PLUGIN_LABEL } },
        data: plugin.data ?? {},
      } as KubernetesObject,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: EXECUTOR_PLUGIN, namespace, labels } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: EXECUTOR_PLUGIN, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: executorClusterRole },
        subjects: [{ kind: 'ServiceAccount', name: EXECUTOR_PLUGIN, namespace }],
      } as KubernetesObject,
    ],
    create: [tokenSecret(EXECUTOR_SERVICE_ACCOUNT), tokenSecret(EXECUTOR_PLUGIN)],
  };
}
