import { closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  CoreV1Api,
  type KubernetesObject,
  type KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { allInOrder } from '../../../lib/all-in-order.ts';
import type { HelmRelease } from '../../../lib/api/flux.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { objectApi } from '../../../lib/kube.ts';
import { type Owned, ownershipConflict } from '../../../lib/ownership.ts';
import { isExactVersion } from '../../../lib/staging.ts';
import { FieldManager } from '../../../lib/wire-names.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { checkApplyRequest, namespaceOutside } from '../input.ts';
import { callCluster, serverMessage, statusOf } from '../kube-errors.ts';
import { parameterForm } from '../parameter.ts';
import { enforcePolicy } from '../policy.ts';
import { previousRecord } from '../previous-record.ts';
import { probeHelmRelease } from './probe.ts';

/** Server-side apply (or a dry run of it) with the executor's field manager. */
type Apply = <T extends { metadata: { name?: string; generation?: number } }>(
  object: T,
  dryRun?: 'All',
) => Promise<T>;

/** Server-side applies `object` (or dry-runs it) with the executor's field manager, forcing ownership. */
export async function serverSideApply<T extends { metadata: { name?: string; generation?: number } }>(
  context: ActionContext,
  object: T,
  dryRun?: 'All',
): Promise<T> {
  const objects = objectApi(context.kube);
  const what = `${dryRun ? 'Dry-run applying' : 'Applying'} ${(object as { kind?: string }).kind} ${object.metadata.name}`;
  return (await callCluster(context, what, () =>
    objects.patch(
      object as unknown as KubernetesObject,
      undefined,
      dryRun,
      FieldManager.executor,
      true,
      PatchStrategy.ServerSideApply,
    ),
  )) as never;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readWithoutFollowing(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The text a parameter stands for (see parameter.ts for its forms), read from wherever it is. */
export async function readParameter(value: string, context: ActionContext, what: string): Promise<string> {
  const form = parameterForm(value, what, { inPod: context.inPod, tmpdir: tmpdir(), isFile });
  const invalid = (message: string) => new InvalidInputError(what, [{ path: what, message }]);
  if ('problem' in form) throw invalid(form.problem);
  switch (form.kind) {
    case 'inline':
      return form.text;
    case 'stdin':
      return readFileSync(0, 'utf8');
    case 'file':
      try {
        // In a pod, Argo's offload file itself, never what a link there points at.
        return context.inPod ? readWithoutFollowing(form.path) : readFileSync(form.path, 'utf8');
      } catch (error) {
        throw invalid(`cannot read ${form.path} (given as ${value}): ${(error as Error).message}`);
      }
    case 'configmap': {
      const { namespace, name, key } = form;
      const outside = namespaceOutside(namespace, context.rules);
      if (outside) throw invalid(outside);
      const api = context.kube.makeApiClient(CoreV1Api);
      const configMap = await callCluster(context, `Reading ConfigMap ${namespace}/${name}`, () =>
        api.readNamespacedConfigMap({ name, namespace }),
      ).catch((error: unknown) => {
        if (statusOf(error) === 404) throw invalid(`ConfigMap ${namespace}/${name} does not exist`);
        throw error;
      });
      const text = configMap.data?.[key];
      if (text === undefined) throw invalid(`ConfigMap ${namespace}/${name} has no key ${key}`);
      return text;
    }
  }
}

/**
 * Validates the HelmRelease (and source), records what it replaces, server-side applies both, then
 * probes the HelmRelease's new generation.
 */
export async function applyHelmRelease(
  context: ActionContext,
  parameters: { helmrelease: string; source?: string; chartVersion?: string },
): Promise<Outcome> {
  const helmReleaseText = await readParameter(parameters.helmrelease, context, '--helmrelease');
  const sourceText = parameters.source
    ? await readParameter(parameters.source, context, '--source')
    : undefined;
  const { request, problems } = checkApplyRequest(helmReleaseText, sourceText, context.rules);
  if (!request) throw new InvalidInputError('The HelmRelease to apply', problems);
  const { helmRelease, source } = request;
  if (parameters.chartVersion) pinChartVersion(helmRelease, parameters.chartVersion);
  const namespace = helmRelease.metadata.namespace as string;
  const name = helmRelease.metadata.name as string;
  const log = context.log.child({ helmRelease: `${namespace}/${name}` });
  const objects = objectApi(context.kube);
  const apply: Apply = (object, dryRun) => serverSideApply(context, object, dryRun);

  // The policy and the live objects are read at once (one wait, not four, before a step's first
  // write); nothing is written unless both pass, and a refusal by the policy is told first.
  const [, [live]] = await allInOrder([
    enforcePolicy(context, helmRelease, source, 'The HelmRelease to apply'),
    requireOwnership(context, objects, [helmRelease, ...(source ? [source] : [])]),
  ] as const);
  try {
    await recordPrevious(context, helmRelease, live as HelmRelease | undefined, apply);
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
 * Sets the chart version to one exact version: a staged subchart's release installs what its stage
 * step pushed, never whatever else a range would match.
 */
function pinChartVersion(helmRelease: HelmRelease, version: string): void {
  const chart = helmRelease.spec.chart?.spec;
  const problem = !chart
    ? 'the HelmRelease has no spec.chart.spec to set the version of (a chartRef names its version in its source)'
    : !isExactVersion(version)
      ? `"${version}" is not one exact version`
      : undefined;
  if (problem)
    throw new InvalidInputError('--chart-version', [{ path: '--chart-version', message: problem }]);
  (chart as { version?: string }).version = version;
}

/** The live object of `object`'s kind and name, or undefined when there is none. */
export async function readLive(
  context: ActionContext,
  objects: KubernetesObjectApi,
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
): Promise<KubernetesObject | undefined> {
  const { name, namespace } = object.metadata;
  try {
    return await callCluster(context, `Reading ${object.kind} ${namespace}/${name}`, () =>
      objects.read({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name, namespace } }),
    );
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    return undefined;
  }
}

/**
 * Refuses (ConflictError, before anything is written) to write over objects someone else owns;
 * returns the live objects, in `wanted`'s order (undefined where there is none).
 */
export async function requireOwnership(
  context: ActionContext,
  objects: KubernetesObjectApi,
  wanted: ReadonlyArray<{ apiVersion: string; kind: string; metadata: NonNullable<Owned['metadata']> }>,
): Promise<Array<KubernetesObject | undefined>> {
  const found = await allInOrder(
    wanted.map((object) => {
      const { name = '', namespace = '' } = object.metadata;
      return readLive(context, objects, { ...object, metadata: { name, namespace } });
    }),
  );
  wanted.forEach((object, i) => {
    const conflict = ownershipConflict(found[i] as Owned | undefined, object);
    if (conflict) throw new ConflictError(`${conflict}: left unchanged`);
  });
  return found;
}

/**
 * Keeps the HelmRelease's current spec (or that there was none) in a ConfigMap for `rollback`.
 * An apply that changes nothing (an Argo retry of the same step) keeps the earlier record.
 */
async function recordPrevious(
  context: ActionContext,
  helmRelease: HelmRelease,
  /** The HelmRelease as it is now (read once, with its owner), undefined when there is none. */
  live: HelmRelease | undefined,
  apply: Apply,
): Promise<void> {
  const { name, namespace } = helmRelease.metadata as { name: string; namespace: string };
  if (live) {
    const planned = await apply(helmRelease, 'All');
    if (planned.metadata.generation === live.metadata.generation) return;
  }
  const record = previousRecord(namespace, name, live);
  await apply(record);
  context.log.info('Recorded previous HelmRelease', {
    helmRelease: `${namespace}/${name}`,
    existed: Boolean(live),
    record: record.metadata.name,
  });
}
