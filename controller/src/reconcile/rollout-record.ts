// PURE: the rollout record — what the controller must remember about a group across restarts, kept
// in a ConfigMap the group owns (garbage-collected with it; not an annotation: values can be large
// and sensitive). It says
// - `succeeded`: the spec that last rolled out successfully (what Rollback returns to);
// - `pending`: the spec of the latest forward Workflow created, written before it is created, so
//   that its success is recorded with the right spec even when a newer generation came meanwhile;
// - `installed`: every release that may be installed now, with what it depends on — those of the
//   last successful spec, merged with each spec rolled out since (a rollout stopped half-way or
//   failed may have installed some of its releases). Uninstalls and removals cover all of them, so
//   nothing is left behind. Bounded by the number of distinct releases, not of rollouts.
// The record is gzipped JSON (binaryData): a ConfigMap holds at most 1 MiB. Who may write ConfigMaps
// in the namespace may write it too, so it is used only when the group owns it, and what a rollback
// applies from it passes the executor's checks like any HelmRelease.
import { gunzipSync, gzipSync } from 'node:zlib';
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
import { mergeUnits, type ReleaseUnits, releaseUnits } from '../expand/removal.ts';
import { validateApplicationGroup } from '../expand/validate.ts';

export interface RolloutRecord {
  succeeded?: { generation: number; spec: ApplicationGroupSpec };
  pending?: { generation: number; attempt: number; spec: ApplicationGroupSpec };
  installed: ReleaseUnits;
}

/** A success to record: the spec of a forward Workflow that succeeded. */
export interface Success {
  generation: number;
  spec: ApplicationGroupSpec;
}

export const EMPTY_RECORD: RolloutRecord = { installed: {} };

/** The key of the gzipped JSON record in the ConfigMap's binaryData. */
export const RECORD_KEY = 'record.json.gz';

/** What a ConfigMap may hold, less room for its metadata. */
export const MAX_RECORD_BYTES = 1_000_000;

export function recordName(group: ApplicationGroup): string {
  return toDnsLabel([group.metadata.name ?? 'group', 'rollout-record'], 253);
}

/** Before the forward Workflow of the group's generation (`attempt`) is created. */
export function forwardStarting(
  record: RolloutRecord,
  group: ApplicationGroup,
  attempt: number,
): RolloutRecord {
  return {
    ...record,
    pending: { generation: group.metadata.generation ?? 1, attempt, spec: group.spec },
    installed: mergeUnits(record.installed, releaseUnits(group.spec)),
  };
}

/**
 * A forward Workflow succeeded: its spec is the last successful one, and all that is installed (it
 * removed everything else the record had when it was created, and nothing was added since: a
 * newer rollout starts only after this one ended and was recorded).
 */
export function forwardSucceeded(success: Success): RolloutRecord {
  return { succeeded: success, installed: releaseUnits(success.spec) };
}

/** The failed rollout was remediated: back at the last successful spec, or everything uninstalled. */
export function remediated(record: RolloutRecord, how: 'rollback' | 'uninstall'): RolloutRecord {
  const { pending: _pending, ...rest } = record;
  return {
    ...rest,
    installed: how === 'rollback' && record.succeeded ? releaseUnits(record.succeeded.spec) : {},
  };
}

/** The record cannot be kept: even gzipped it would not fit in a ConfigMap. */
export class RecordTooLargeError extends Error {
  constructor(bytes: number) {
    super(
      `The group's rollout record would take ${bytes} bytes gzipped, more than a ConfigMap holds (${MAX_RECORD_BYTES}): make its values smaller, e.g. with valuesFrom`,
    );
  }
}

/** The ConfigMap that keeps `record` for the group, or the size that makes it impossible. */
export function recordConfigMap(
  group: ApplicationGroup,
  record: RolloutRecord,
): ConfigMap | { tooLarge: number } {
  const data = gzipSync(canonicalJson(record)).toString('base64');
  if (data.length > MAX_RECORD_BYTES) return { tooLarge: data.length };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(group),
      namespace: group.metadata.namespace,
      labels: {
        [Labels.managedBy]: MANAGED_BY,
        [Labels.applicationGroup]: labelValue(group.metadata.name ?? ''),
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
    binaryData: { [RECORD_KEY]: data },
  };
}

/**
 * The most a record may hold once gunzipped: its two specs can each be no larger than a group, which
 * the API server keeps under 1.5 MiB (a gzip bomb in a forged record is refused as it inflates).
 */
export const MAX_RECORD_JSON_BYTES = 4 * 1024 * 1024;

/** A spec the group itself could hold: the same validation as the group's own (schema and semantics). */
const isSpecOf =
  (group: ApplicationGroup) =>
  (value: unknown): value is ApplicationGroupSpec =>
    Array.isArray((value as ApplicationGroupSpec | undefined)?.applications) &&
    validateApplicationGroup({
      apiVersion: APPLICATION_GROUP_API_VERSION,
      kind: APPLICATION_GROUP_KIND,
      metadata: { name: group.metadata.name, namespace: group.metadata.namespace },
      spec: value,
    }).ok;
const isUnits = (value: unknown): value is ReleaseUnits =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every(
    (u) =>
      typeof u?.timeout === 'string' &&
      Array.isArray(u?.dependsOn) &&
      u.dependsOn.every((d: unknown) => typeof d === 'string'),
  );
const isGeneration = (value: unknown) => typeof value === 'number' && value > 0;

/** What a ConfigMap says, when it is this very group's (owned by its uid) and readable; else undefined. */
export function recordOf(
  group: ApplicationGroup,
  configMap: {
    metadata?: { ownerReferences?: Array<{ uid: string }> };
    binaryData?: Record<string, string>;
  },
): RolloutRecord | undefined {
  if (!configMap.metadata?.ownerReferences?.some((o) => o.uid === group.metadata.uid)) return undefined;
  let parsed: Partial<RolloutRecord>;
  try {
    parsed = JSON.parse(
      gunzipSync(Buffer.from(configMap.binaryData?.[RECORD_KEY] ?? '', 'base64'), {
        maxOutputLength: MAX_RECORD_JSON_BYTES,
      }).toString(),
    );
  } catch {
    return undefined;
  }
  const isSpec = isSpecOf(group);
  const { succeeded, pending, installed } = parsed ?? {};
  if (!isUnits(installed)) return undefined;
  if (succeeded && !(isGeneration(succeeded.generation) && isSpec(succeeded.spec))) return undefined;
  if (
    pending &&
    !(isGeneration(pending.generation) && Number.isInteger(pending.attempt) && isSpec(pending.spec))
  )
    return undefined;
  return {
    ...(succeeded ? { succeeded: { generation: succeeded.generation, spec: succeeded.spec } } : {}),
    ...(pending
      ? { pending: { generation: pending.generation, attempt: pending.attempt, spec: pending.spec } }
      : {}),
    installed,
  };
}
