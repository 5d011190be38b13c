import { CoreV1Api, type KubernetesObjectApi } from '@kubernetes/client-node';
import { HELM_RELEASE_API_VERSION, SOURCE_API_VERSION } from '../../../lib/api/flux.ts';
import { objectApi } from '../../../lib/kube.ts';
import { type Owned, ownershipConflict } from '../../../lib/ownership.ts';
import { Labels } from '../../../lib/wire-names.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { TimedOutError } from '../errors.ts';
import { helmReleaseFeed } from '../helm-release-feed.ts';
import { callCluster, statusOf } from '../kube-errors.ts';
import { previousRecordName } from '../previous-record.ts';
import { watchUntil } from '../watch-until.ts';
import { readLive } from './apply.ts';

/**
 * Deletes the HelmRelease and waits until it is gone, that is until helm-controller has uninstalled
 * the release and removed its finalizer. A HelmRelease that does not exist counts as deleted.
 */
export async function deleteHelmRelease(
  context: ActionContext,
  namespace: string,
  name: string,
  owner: string | undefined,
): Promise<Outcome> {
  const log = context.log.child({ helmRelease: `${namespace}/${name}` });
  const objects = objectApi(context.kube);
  const notOwned = await ownedByAnother(context, objects, namespace, name, owner);
  if (notOwned) {
    log.info('Left HelmRelease alone: it is not the deleting group’s', { owner: notOwned });
    return {
      action: 'delete',
      phase: 'Succeeded',
      reason: 'NotOwned',
      message: `${notOwned}: left installed`,
      name,
      namespace,
    };
  }
  let existed = true;
  try {
    await callCluster(context, `Deleting HelmRelease ${namespace}/${name}`, () =>
      objects.delete({
        apiVersion: HELM_RELEASE_API_VERSION,
        kind: 'HelmRelease',
        metadata: { name, namespace },
      }),
    );
    log.info('Deleted HelmRelease; waiting for helm-controller to uninstall it');
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    existed = false;
  }
  await watchUntil(helmReleaseFeed(context.kube, namespace, name), (object) => (object ? undefined : true), {
    deadline: context.deadline,
    signal: context.signal,
    log,
    onTimeout: () => new TimedOutError(`HelmRelease ${namespace}/${name} was not uninstalled in time`),
  });
  log.info('HelmRelease is gone', { existed });
  if (owner) await deleteOwnSources(context, objects, namespace, name, owner);
  return {
    action: 'delete',
    phase: 'Succeeded',
    reason: existed ? 'Uninstalled' : 'NotFound',
    message: existed
      ? `HelmRelease ${namespace}/${name} uninstalled and deleted`
      : `HelmRelease ${namespace}/${name} did not exist`,
    name,
    namespace,
  };
}

/**
 * A group's release has a source object of its own, of the same name (helm-release.ts): once the
 * release is gone, so is its source — only one that carries the group's uid, never one another
 * release may share (a hand-written Workflow's, which has no owner).
 */
async function deleteOwnSources(
  context: ActionContext,
  objects: KubernetesObjectApi,
  namespace: string,
  name: string,
  owner: string,
): Promise<void> {
  for (const kind of ['HelmRepository', 'OCIRepository']) {
    const ref = { apiVersion: SOURCE_API_VERSION, kind, metadata: { name, namespace } };
    try {
      const live = await callCluster(context, `Reading ${kind} ${namespace}/${name}`, () =>
        objects.read(ref),
      );
      if (live.metadata?.labels?.[Labels.ownerUid] !== owner) continue;
      await callCluster(context, `Deleting ${kind} ${namespace}/${name}`, () => objects.delete(ref));
      context.log.info('Deleted the release’s source', { source: `${kind} ${namespace}/${name}` });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

/** Who else owns the HelmRelease, when it is not `owner`'s (lib/ownership.ts); undefined when it is, or is gone. */
async function ownedByAnother(
  context: ActionContext,
  objects: KubernetesObjectApi,
  namespace: string,
  name: string,
  owner: string | undefined,
): Promise<string | undefined> {
  const ref = { apiVersion: HELM_RELEASE_API_VERSION, kind: 'HelmRelease', metadata: { name, namespace } };
  const live = await readLive(context, objects, ref);
  return ownershipConflict(live as Owned | undefined, {
    metadata: { labels: owner ? { [Labels.ownerUid]: owner } : {} },
  });
}

/**
 * The `delete` action: uninstalls the HelmRelease, then removes apply's record of what it replaced
 * (after an uninstall there is nothing to roll back to, and the record would outlive its group).
 * Rollback's own delete keeps the record, so that rolling back twice stays safe.
 */
export async function uninstallHelmRelease(
  context: ActionContext,
  namespace: string,
  name: string,
  owner: string | undefined,
): Promise<Outcome> {
  const outcome = await deleteHelmRelease(context, namespace, name, owner);
  // Its record is the owner's too: one left installed keeps it.
  if (outcome.reason === 'NotOwned') return outcome;
  const record = previousRecordName(name);
  const api = context.kube.makeApiClient(CoreV1Api);
  try {
    await callCluster(context, `Deleting ConfigMap ${namespace}/${record}`, () =>
      api.deleteNamespacedConfigMap({ name: record, namespace }),
    );
    context.log.info('Deleted the record of the previous HelmRelease', { record: `${namespace}/${record}` });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  return outcome;
}
