import { CoreV1Api } from '@kubernetes/client-node';
import type { ConfigMap } from '../../../lib/api/meta.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { objectApi } from '../../../lib/kube.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { callCluster, statusOf } from '../kube-errors.ts';
import { enforcePolicy } from '../policy.ts';
import { checkPreviousRecord, previousRecordName } from '../previous-record.ts';
import { requireOwnership, serverSideApply } from './apply.ts';
import { deleteHelmRelease } from './delete.ts';
import { probeHelmRelease } from './probe.ts';

/**
 * Puts the HelmRelease back to what the last `apply` replaced: the recorded spec is applied again
 * (Flux upgrades to it) and probed; a HelmRelease that did not exist before is deleted. The record
 * stays, so a second rollback ends in the same state. A record that fails apply's own checks, or
 * is not of this HelmRelease, is refused (exit 2) and nothing is changed.
 */
export async function rollbackHelmRelease(
  context: ActionContext,
  namespace: string,
  name: string,
  owner: string | undefined,
): Promise<Outcome> {
  const recordName = previousRecordName(name);
  const what = `Rollback of HelmRelease ${namespace}/${name}`;
  const api = context.kube.makeApiClient(CoreV1Api);
  const record = await callCluster(context, `Reading ConfigMap ${namespace}/${recordName}`, () =>
    api.readNamespacedConfigMap({ name: recordName, namespace }),
  ).catch((error: unknown) => {
    if (statusOf(error) === 404) {
      throw new InvalidInputError(what, [
        {
          path: `${namespace}/${recordName}`,
          message: 'no record of a previous apply: nothing to roll back to',
        },
      ]);
    }
    throw error;
  });
  const { state, problems } = checkPreviousRecord(record as ConfigMap, namespace, name, context.rules);
  if (!state) throw new InvalidInputError(what, problems);
  if (!state.existed) {
    context.log.info('HelmRelease did not exist before the last apply; deleting it', {
      helmRelease: `${namespace}/${name}`,
    });
    return {
      ...(await deleteHelmRelease(context, namespace, name, owner)),
      action: 'rollback',
      reason: 'RemovedNewRelease',
    };
  }
  // The record is a ConfigMap anyone with ConfigMap rights in the namespace may have written: what
  // it holds passes the policy as any HelmRelease to apply would.
  await enforcePolicy(context, state.helmRelease, undefined, what);
  await requireOwnership(context, objectApi(context.kube), [state.helmRelease]);
  const applied = await serverSideApply(context, state.helmRelease);
  context.log.info('Restored the previous HelmRelease spec', {
    helmRelease: `${namespace}/${name}`,
    generation: applied.metadata.generation,
  });
  return {
    ...(await probeHelmRelease(context, namespace, name, applied.metadata.generation)),
    action: 'rollback',
  };
}
