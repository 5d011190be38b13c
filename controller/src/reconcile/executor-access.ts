import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import {
  PLUGIN_SERVICE_ACCOUNTS,
  type PluginSidecarSettings,
  renderExecutorPluginConfigMap,
  renderPluginRoleBinding,
  renderPluginServiceAccount,
  renderTokenSecret,
  SERVICE_ACCOUNT_ANNOTATION,
  TOKEN_SECRET_TYPE,
  tokenSecretName,
} from '../../../lib/executor-plugin.ts';
import { STAGING_SECRET } from '../../../lib/staging-auth.ts';
import { EXECUTOR_PLUGIN, Labels, MANAGED_BY } from '../../../lib/wire-names.ts';
import { FINALIZER } from './state.ts';

/** A namespace lacks the executor's ServiceAccount, and the controller may not create it. */
export class ExecutorAccessMissingError extends Error {}

/**
 * The API server refused an object the controller rendered as invalid (HTTP 422): e.g. a Workflow
 * over what the cluster's Argo CRDs allow. Creating it again would fail the same way.
 */
export class ObjectRefusedError extends Error {}

/**
 * Objects the group would write or rely on belong to someone else (lib/ownership.ts; a token Secret
 * Orkestra did not create): nothing is created.
 */
export class OwnershipConflictError extends Error {}

/**
 * What a namespace needs for the plugin flavour, beside the executor's ServiceAccount and
 * RoleBinding: the plugin's ConfigMap (rendered from the controller's own flags, lib/executor-plugin.ts),
 * the plugin's ServiceAccount bound to the executor's rights, and the token Secrets Argo mounts into
 * the agent pod (the Workflow's ServiceAccount) and into the plugin. `apply` objects are server-side
 * applied with force (whatever someone changed in the fields the controller sets is set back);
 * `create` ones are created unless they exist, and an existing one is used only once
 * tokenSecretProblems finds nothing wrong with it.
 */
export function executorPluginObjects(
  namespace: string,
  sidecar: PluginSidecarSettings,
  executorClusterRole: string,
): { apply: KubernetesObject[]; create: KubernetesObject[] } {
  const meta = { namespace, labels: { [Labels.managedBy]: MANAGED_BY } };
  return {
    apply: [
      renderExecutorPluginConfigMap(sidecar, meta),
      renderPluginServiceAccount(meta),
      renderPluginRoleBinding({ kind: 'ClusterRole', name: executorClusterRole }, meta),
    ] as KubernetesObject[],
    create: PLUGIN_SERVICE_ACCOUNTS.map((sa) => renderTokenSecret(sa, meta)) as KubernetesObject[],
  };
}

/** What the controller sees of a Secret: its metadata, and whether its type is a ServiceAccount token's. */
export interface ObservedSecret {
  metadata: {
    name?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  isToken: boolean;
}

/**
 * What is wrong with the token Secrets found under the names the controller gives them, one line
 * each (none: Argo may mount them; one not found is the caller's to create). A Secret of that name that is not a token of the intended
 * ServiceAccount, or was not created by Orkestra, would hand the agent or the plugin another
 * identity's token (or none): it is not used, nor deleted — it is not Orkestra's.
 */
export function tokenSecretProblems(namespace: string, found: ReadonlyMap<string, ObservedSecret>): string[] {
  return PLUGIN_SERVICE_ACCOUNTS.flatMap((serviceAccount) => {
    const name = tokenSecretName(serviceAccount);
    const secret = found.get(name);
    if (!secret) return [];
    const wrong = [
      ...(secret.isToken ? [] : [`its type is not ${TOKEN_SECRET_TYPE}`]),
      ...(secret.metadata.annotations?.[SERVICE_ACCOUNT_ANNOTATION] === serviceAccount
        ? []
        : [
            `its annotation ${SERVICE_ACCOUNT_ANNOTATION} is ${JSON.stringify(secret.metadata.annotations?.[SERVICE_ACCOUNT_ANNOTATION] ?? null)}, not "${serviceAccount}"`,
          ]),
      ...(secret.metadata.labels?.[Labels.managedBy] === MANAGED_BY
        ? []
        : [`it lacks the label ${Labels.managedBy}=${MANAGED_BY}`]),
    ];
    return wrong.length === 0
      ? []
      : [
          `Secret ${namespace}/${name} is not the token of ServiceAccount ${serviceAccount} that Orkestra creates (${wrong.join(', ')}): not used; delete it and the controller creates its own`,
        ];
  });
}

/**
 * What is wrong with the plugin ConfigMap found in the namespace before the controller writes its
 * own over it (none: absent, or Orkestra's, whatever its content — that is set back). One without
 * Orkestra's label is someone else's: not taken over (the chart's admission policy would refuse the
 * write anyway), so no Workflow of the group uses it.
 */
export function pluginConfigMapProblem(
  namespace: string,
  live: { metadata?: { labels?: Record<string, string> } } | undefined,
): string | undefined {
  if (!live || live.metadata?.labels?.[Labels.managedBy] === MANAGED_BY) return undefined;
  return `ConfigMap ${namespace}/${EXECUTOR_PLUGIN} lacks the label ${Labels.managedBy}=${MANAGED_BY}: it is not Orkestra's, and Argo would run its sidecar in the group's agent pods; not used; delete it and the controller creates its own`;
}

/** Data keys of the live plugin ConfigMap that the rendered one lacks (someone added them): to remove. */
export function strayDataKeys(
  live: Record<string, string> | undefined,
  wanted: Record<string, string> | undefined,
): string[] {
  return Object.keys(live ?? {}).filter((key) => !(key in (wanted ?? {})));
}

/**
 * Whether `group`, being deleted, is the last of its namespace that may still run Workflows: no
 * other group there holds the finalizer (one without it has created nothing yet, and ensures the
 * plugin's objects again before its first Workflow).
 */
export function lastGroupOfNamespace(
  group: ApplicationGroup,
  groups: readonly Pick<ApplicationGroup, 'metadata'>[],
): boolean {
  return !groups.some(
    (other) => other.metadata.uid !== group.metadata.uid && other.metadata.finalizers?.includes(FINALIZER),
  );
}

/**
 * What the controller sets up in a group namespace beside the executor's account, removed with its
 * last group (only those Orkestra labelled): the plugin's objects and the staging credentials.
 */
export const NAMESPACE_OBJECTS = [
  { apiVersion: 'v1', kind: 'Secret', name: STAGING_SECRET },
  { apiVersion: 'v1', kind: 'ConfigMap', name: EXECUTOR_PLUGIN },
  { apiVersion: 'v1', kind: 'ServiceAccount', name: EXECUTOR_PLUGIN },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: EXECUTOR_PLUGIN },
  ...PLUGIN_SERVICE_ACCOUNTS.map((sa) => ({ apiVersion: 'v1', kind: 'Secret', name: tokenSecretName(sa) })),
] as const;

/** Of the live objects found under NAMESPACE_OBJECTS' names, those the controller created: to delete. */
export function namespaceObjectsToRemove<T extends { metadata?: { labels?: Record<string, string> } }>(
  live: readonly (T | undefined)[],
): T[] {
  return live.filter((o): o is T => o?.metadata?.labels?.[Labels.managedBy] === MANAGED_BY);
}
