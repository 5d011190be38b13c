// The reconciler's ClusterCalls on @kubernetes/client-node: each a thin call, no decisions.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
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
import { serverMessage, statusOf } from '../../../lib/kube.ts';
import type { Owned } from '../../../lib/ownership.ts';
import { cached, readClusterAddresses, resolveHost } from '../../../lib/policy/cluster-view.ts';
import { policyFor } from '../../../lib/policy/policy.ts';
import { FieldManager, Labels, MANAGED_BY } from '../../../lib/wire-names.ts';
import { ObjectRefusedError } from '../reconcile/executor-access.ts';
import type { ClusterCalls } from '../reconcile/reconcile-group.ts';
import { RecordTooLargeError, recordConfigMap, recordName, recordOf } from '../reconcile/rollout-record.ts';
import { type NamespaceObjectOptions, namespaceObjectCalls } from './namespace-objects.ts';

const GROUPS = { group: ORKESTRA_GROUP, version: 'v1alpha1', plural: 'applicationgroups' };
const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Lists answered with metadata only: a Secret's labels and annotations, never its data. */

/** How long the cluster's addresses and a chart host's resolution are kept. */
const ADDRESSES_TTL_MS = 60_000;
const RESOLVE_TTL_MS = 30_000;

export interface KubeCallsOptions extends NamespaceObjectOptions {
  /** Only these namespaces' Workflows (the informer's cache). */
  workflowsIn: ClusterCalls['workflowsIn'];
  /** Every ReleasePolicy (the informer's cache). */
  policies: () => readonly ReleasePolicy[];
  log: (message: string, fields: Record<string, unknown>) => void;
}

export function kubeCalls(kube: KubeConfig, options: KubeCallsOptions): ClusterCalls {
  const custom = kube.makeApiClient(CustomObjectsApi);
  const core = kube.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kube);

  const apply = (object: KubernetesObject) =>
    objects.patch(object, undefined, undefined, FieldManager.controller, true, PatchStrategy.ServerSideApply);
  const clusterAddresses = cached(() => readClusterAddresses(kube), ADDRESSES_TTL_MS);
  const resolve = cached((host: string) => resolveHost(host), RESOLVE_TTL_MS);

  return {
    ...namespaceObjectCalls(kube, options),
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

    listGroups: async (namespace) => {
      const list = (await custom.listNamespacedCustomObject({ ...GROUPS, namespace })) as {
        items: ApplicationGroup[];
      };
      return list.items;
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
