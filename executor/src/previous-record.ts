// PURE: the ConfigMap in which `apply` keeps what it replaced, and the check `rollback` makes before
// it applies that record again. Anyone who may write ConfigMaps in the namespace can write this
// one, so a record is checked exactly like apply's input (kind, allowed namespaces, size) and must
// name the HelmRelease being rolled back.
import type { HelmRelease } from '../../lib/api/flux.ts';
import type { ConfigMap } from '../../lib/api/meta.ts';
import type { Problem } from '../../lib/errors.ts';
import { toDnsLabel } from '../../lib/names.ts';
import { Labels, MANAGED_BY } from '../../lib/wire-names.ts';
import { checkApplyRequest, type InputRules } from './input.ts';

/** Where `rollback` finds what `apply` replaced: a ConfigMap beside the HelmRelease. */
export function previousRecordName(helmRelease: string): string {
  return toDnsLabel(['orkestra-previous', helmRelease], 253);
}

/** The record of `live` (the HelmRelease before this apply), or of its absence. */
export function previousRecord(namespace: string, name: string, live: HelmRelease | undefined): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: previousRecordName(name),
      namespace,
      labels: { [Labels.managedBy]: MANAGED_BY, [Labels.recordOf]: toDnsLabel(name) },
    },
    data: {
      existed: live ? 'true' : 'false',
      helmrelease: live
        ? JSON.stringify({
            apiVersion: live.apiVersion,
            kind: live.kind,
            metadata: {
              name,
              namespace,
              labels: live.metadata.labels,
              annotations: live.metadata.annotations,
            },
            spec: live.spec,
          })
        : '',
    },
  };
}

export type RecordedState = { existed: false } | { existed: true; helmRelease: HelmRelease };

/** What the record says HelmRelease `namespace/name` was before the last apply, or why it cannot be used. */
export function checkPreviousRecord(
  record: ConfigMap,
  namespace: string,
  name: string,
  rules: InputRules,
): { state?: RecordedState; problems: Problem[] } {
  const where = `ConfigMap ${namespace}/${record.metadata.name}`;
  const problem = (message: string, path = where) => ({ problems: [{ path, message }] });
  const label = record.metadata.labels?.[Labels.recordOf];
  if (label !== toDnsLabel(name)) {
    return problem(
      `is not a record of HelmRelease ${namespace}/${name} (label ${Labels.recordOf} is ${label === undefined ? 'missing' : `"${label}"`})`,
    );
  }
  const existed = record.data?.existed;
  if (existed === 'false') return { state: { existed: false }, problems: [] };
  if (existed !== 'true') return problem('data.existed must be "true" or "false"');

  const { request, problems } = checkApplyRequest(record.data?.helmrelease ?? '', undefined, {
    ...rules,
    defaultNamespace: namespace,
  });
  const prefixed = problems.map((p) => ({ ...p, path: `${where} data.${p.path}` }));
  if (!request) return { problems: prefixed };
  const recorded = request.helmRelease.metadata;
  if (recorded.name !== name || recorded.namespace !== namespace) {
    return problem(
      `holds HelmRelease ${recorded.namespace}/${recorded.name}, not ${namespace}/${name}`,
      `${where} data.helmrelease`,
    );
  }
  return { state: { existed: true, helmRelease: request.helmRelease }, problems: [] };
}
