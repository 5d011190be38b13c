// PURE: the record of the spec that last rolled out successfully. It survives a controller restart
// and is owned by the group (garbage-collected with it); it is a ConfigMap, not an annotation, since
// values can be large (an annotation holds at most 256 KiB). Who may write ConfigMaps in the
// namespace may write it too, so a record is used only when the group owns it, and what a rollback
// applies from it is checked by the executor like any HelmRelease.
import {
  APPLICATION_GROUP_API_VERSION,
  APPLICATION_GROUP_KIND,
  type ApplicationGroup,
  type ApplicationGroupSpec,
} from '../../../lib/api/application-group.ts';
import type { ConfigMap } from '../../../lib/api/meta.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import { Labels, MANAGED_BY } from '../../../lib/wire-names.ts';
import { canonicalJson } from '../../../lib/yaml.ts';
import { labelValue } from '../expand/helm-release.ts';
import type { LastSucceeded } from './state.ts';

export function lastSucceededName(group: ApplicationGroup): string {
  return toDnsLabel([group.metadata.name ?? 'group', 'last-succeeded'], 253);
}

/** The record of the group's current spec as its last successful one. */
export function lastSucceededRecord(group: ApplicationGroup): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: lastSucceededName(group),
      namespace: group.metadata.namespace,
      labels: {
        [Labels.managedBy]: MANAGED_BY,
        [Labels.applicationGroup]: labelValue(group.metadata.name ?? ''),
        [Labels.generation]: String(group.metadata.generation ?? 1),
      },
      ownerReferences: [
        {
          apiVersion: APPLICATION_GROUP_API_VERSION,
          kind: APPLICATION_GROUP_KIND,
          name: group.metadata.name as string,
          uid: group.metadata.uid as string,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { generation: String(group.metadata.generation ?? 1), spec: canonicalJson(group.spec) },
  };
}

/** What a record says, when it is this very group's (owned by its uid) and readable; else undefined. */
export function lastSucceededOf(
  group: ApplicationGroup,
  record: { metadata?: { ownerReferences?: Array<{ uid: string }> }; data?: Record<string, string> },
): LastSucceeded | undefined {
  if (!record.metadata?.ownerReferences?.some((o) => o.uid === group.metadata.uid)) return undefined;
  const generation = Number(record.data?.generation);
  if (!(generation > 0)) return undefined;
  try {
    const spec = JSON.parse(record.data?.spec ?? '') as ApplicationGroupSpec;
    return Array.isArray(spec?.applications) ? { generation, spec } : undefined;
  } catch {
    return undefined;
  }
}
