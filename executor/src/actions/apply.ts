import { existsSync, readFileSync } from 'node:fs';
import {
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { HelmRelease } from '../../../lib/api/flux.ts';
import { Labels, MANAGED_BY } from '../../../lib/api/meta.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { checkApplyRequest } from '../input.ts';
import { callCluster, serverMessage, statusOf } from '../kube-errors.ts';
import { probeHelmRelease } from './probe.ts';

export const FIELD_MANAGER = 'orkestra-executor';

/** Server-side apply (or a dry run of it) with the executor's field manager. */
type Apply = <T extends { metadata: { name?: string; generation?: number } }>(
  object: T,
  dryRun?: 'All',
) => Promise<T>;
export const BUNDLE_REFERENCE = /^configmap:([^/\s]+)\/([^/\s]+)\/([^/\s]+)$/;

/** Where `rollback` finds what `apply` replaced: a ConfigMap beside the HelmRelease. */
export function previousRecordName(helmRelease: string): string {
  return toDnsLabel(['orkestra-previous', helmRelease], 253);
}

/** Server-side applies `object` (or dry-runs it) with the executor's field manager, forcing ownership. */
export async function serverSideApply<T extends { metadata: { name?: string; generation?: number } }>(
  context: ActionContext,
  object: T,
  dryRun?: 'All',
): Promise<T> {
  const objects = KubernetesObjectApi.makeApiClient(context.kube);
  const what = `${dryRun ? 'Dry-run applying' : 'Applying'} ${(object as { kind?: string }).kind} ${object.metadata.name}`;
  return (await callCluster(context, what, () =>
    objects.patch(
      object as unknown as KubernetesObject,
      undefined,
      dryRun,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    ),
  )) as never;
}

/**
 * A parameter value: `-` (stdin), `@PATH` (a file: Argo v4's emissary passes an argument over
 * 128 KiB that way), `configmap:NS/NAME/KEY` (release bundle), a file, or the YAML/JSON itself.
 * Neither YAML nor JSON can start with `@`, so the forms cannot be confused.
 */
export async function readParameter(value: string, context: ActionContext, what: string): Promise<string> {
  if (value === '-') return readFileSync(0, 'utf8');
  if (value.startsWith('@')) {
    try {
      return readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidInputError(what, [
        {
          path: what,
          message: `cannot read ${value.slice(1)} (given as ${value}): ${(error as Error).message}`,
        },
      ]);
    }
  }
  const reference = BUNDLE_REFERENCE.exec(value.trim());
  if (reference) {
    const [, namespace, name, key] = reference as unknown as [string, string, string, string];
    const api = context.kube.makeApiClient(CoreV1Api);
    const configMap = await callCluster(context, `Reading ConfigMap ${namespace}/${name}`, () =>
      api.readNamespacedConfigMap({ name, namespace }),
    ).catch((error: unknown) => {
      if (statusOf(error) === 404) {
        throw new InvalidInputError(what, [
          { path: what, message: `ConfigMap ${namespace}/${name} does not exist` },
        ]);
      }
      throw error;
    });
    const text = configMap.data?.[key];
    if (text === undefined)
      throw new InvalidInputError(what, [
        { path: what, message: `ConfigMap ${namespace}/${name} has no key ${key}` },
      ]);
    return text;
  }
  if (!value.includes('\n') && existsSync(value)) return readFileSync(value, 'utf8');
  return value;
}

/**
 * Validates the HelmRelease (and source), records what it replaces, server-side applies both, then
 * probes the HelmRelease's new generation.
 */
export async function applyHelmRelease(
  context: ActionContext,
  parameters: { helmrelease: string; source?: string },
): Promise<Outcome> {
  const helmReleaseText = await readParameter(parameters.helmrelease, context, '--helmrelease');
  const sourceText = parameters.source
    ? await readParameter(parameters.source, context, '--source')
    : undefined;
  const { request, problems } = checkApplyRequest(helmReleaseText, sourceText, context.rules);
  if (!request) throw new InvalidInputError('The HelmRelease to apply', problems);
  const { helmRelease, source } = request;
  const namespace = helmRelease.metadata.namespace as string;
  const name = helmRelease.metadata.name as string;
  const log = context.log.child({ helmRelease: `${namespace}/${name}` });
  const objects = KubernetesObjectApi.makeApiClient(context.kube);
  const apply: Apply = (object, dryRun) => serverSideApply(context, object, dryRun);

  try {
    await recordPrevious(context, objects, helmRelease, apply);
    if (source) {
      await apply(source);
      log.info('Applied source', {
        kind: source.kind,
        source: `${source.metadata.namespace}/${source.metadata.name}`,
      });
    }
    const applied = await apply(helmRelease);
    const generation = applied.metadata.generation as number;
    log.info('Applied HelmRelease', { generation });
    const outcome = await probeHelmRelease(context, namespace, name, generation);
    return { ...outcome, action: 'apply' };
  } catch (error) {
    // 400/422: the schema refused it; 404: its namespace does not exist.
    const status = statusOf(error);
    if (status === 400 || status === 404 || status === 422) {
      throw new InvalidInputError('The HelmRelease to apply', [
        {
          path: 'helmrelease',
          message: `the API server refused it (HTTP ${status}): ${serverMessage(error)}`,
        },
      ]);
    }
    throw error;
  }
}

/**
 * Keeps the HelmRelease's current spec (or that there was none) in a ConfigMap for `rollback`.
 * An apply that changes nothing (an Argo retry of the same step) keeps the earlier record.
 */
async function recordPrevious(
  context: ActionContext,
  objects: KubernetesObjectApi,
  helmRelease: HelmRelease,
  apply: Apply,
): Promise<void> {
  const { name, namespace } = helmRelease.metadata as { name: string; namespace: string };
  let live: HelmRelease | undefined;
  try {
    live = (await callCluster(context, `Reading HelmRelease ${namespace}/${name}`, () =>
      objects.read({
        apiVersion: helmRelease.apiVersion,
        kind: helmRelease.kind,
        metadata: { name, namespace },
      }),
    )) as unknown as HelmRelease;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  if (live) {
    const planned = await apply(helmRelease, 'All');
    if (planned.metadata.generation === live.metadata.generation) return;
  }
  const record = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: previousRecordName(name),
      namespace,
      labels: {
        [Labels.managedBy]: MANAGED_BY,
        'orkestra.azure.microsoft.com/helmrelease': toDnsLabel(name),
      },
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
  await apply(record);
  context.log.info('Recorded previous HelmRelease', {
    helmRelease: `${namespace}/${name}`,
    existed: Boolean(live),
    record: record.metadata.name,
  });
}
