// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: try every
// `retrySeconds` until this process holds the Lease (lease.ts decides each step), then renew it every
// `retrySeconds`; leadership is lost when no renewal succeeded for `renewDeadlineSeconds`. Updates
// carry the resourceVersion read, so two candidates never both win. On stop the Lease is released,
// so a standby takes over at once instead of after the Lease's duration.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { statusOf } from '../../../lib/kube.ts';
import type { Logger } from '../../../lib/log.ts';
import { type LeaseState, leaseStep } from './lease.ts';

export interface LeaderElectionOptions {
  kube: KubeConfig;
  namespace: string;
  name: string;
  identity?: string;
  leaseSeconds?: number;
  renewDeadlineSeconds?: number;
  retrySeconds?: number;
  log: Logger;
  signal: AbortSignal;
}

export interface Leadership {
  identity: string;
  /** Resolves when this process no longer holds the Lease (renewals failed). */
  lost: Promise<void>;
  /** Stops renewing and gives the Lease up. */
  release: () => Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** A time as the API server accepts it in a Lease (MicroTime: six fractional digits). */
const micro = (time: Date | undefined) => (time ? new V1MicroTime(time) : undefined);

/** The Lease as leaseStep reads it, `observedAt` being when this process saw its record last change. */
function stateOf(lease: V1Lease | undefined, observedAt: number): LeaseState | undefined {
  if (!lease) return undefined;
  return {
    holder: lease.spec?.holderIdentity || undefined,
    renewedAt: observedAt,
    durationSeconds: lease.spec?.leaseDurationSeconds,
    transitions: lease.spec?.leaseTransitions,
  };
}

/** What identifies a renewal of the record: a new holder, renew time or transition count. */
const recordOf = (lease: V1Lease | undefined) =>
  `${lease?.spec?.holderIdentity}|${lease?.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : ''}|${lease?.spec?.leaseTransitions}`;

/** `promise`, or a rejection after `ms`: a call that hangs must not outlast the renew deadline. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once this process leads (or rejects when `signal` aborts first). */
export async function becomeLeader(options: LeaderElectionOptions): Promise<Leadership> {
  const { kube, namespace, name, log, signal } = options;
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const leaseSeconds = options.leaseSeconds ?? 15;
  const renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
  const retryMs = (options.retrySeconds ?? 2) * 1000;
  const api = kube.makeApiClient(CoordinationV1Api);

  let observed = { record: '', at: 0 };
  /** One attempt to hold the Lease; true when this process holds it afterwards. */
  const tryToHold = async (): Promise<{ held: boolean; holder?: string }> => {
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    const record = recordOf(lease);
    if (record !== observed.record) observed = { record, at: Date.now() };
    // MicroTime: the API server wants six fractional digits.
    const now = new V1MicroTime();
    const step = leaseStep(stateOf(lease, observed.at), identity, now.getTime());
    if (step.kind === 'wait') return { held: false, holder: step.holder };
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: now,
      acquireTime: step.kind === 'renew' ? micro(lease?.spec?.acquireTime) : now,
      leaseTransitions: step.kind === 'take' ? step.transitions : (lease?.spec?.leaseTransitions ?? 0),
    };
    try {
      if (step.kind === 'create') {
        await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
      } else {
        await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } as V1Lease });
      }
      return { held: true };
    } catch (error) {
      // Another candidate wrote first (409 on create or on a stale resourceVersion): not this time.
      if (statusOf(error) === 409) return { held: false };
      throw error;
    }
  };

  let waitingFor: string | undefined;
  for (;;) {
    if (signal.aborted) throw new Error('Stopped before becoming the leader');
    try {
      const attempt = await tryToHold();
      if (attempt.held) break;
      if (attempt.holder && attempt.holder !== waitingFor) {
        waitingFor = attempt.holder;
        log.info('Waiting to become the leader', { lease: `${namespace}/${name}`, holder: attempt.holder });
      }
    } catch (error) {
      log.warn('Could not read or write the Lease', { lease: `${namespace}/${name}`, error: String(error) });
    }
    await sleep(retryMs, signal);
  }
  log.info('Became the leader', { lease: `${namespace}/${name}`, identity });

  const stopRenewing = new AbortController();
  const renewing = AbortSignal.any([signal, stopRenewing.signal]);
  const lost = (async () => {
    let renewedAt = Date.now();
    while (!renewing.aborted) {
      await sleep(retryMs, renewing);
      if (renewing.aborted) return;
      try {
        const attempt = await within(tryToHold(), renewDeadlineMs);
        if (attempt.held) renewedAt = Date.now();
        else if (attempt.holder && attempt.holder !== identity) {
          log.error('Lost the Lease: another candidate holds it', {
            lease: `${namespace}/${name}`,
            holder: attempt.holder,
          });
          return;
        }
      } catch (error) {
        log.warn('Could not renew the Lease', { error: String(error) });
      }
      if (Date.now() - renewedAt > renewDeadlineMs) {
        log.error('Lost the Lease: no renewal succeeded in time', { lease: `${namespace}/${name}` });
        return;
      }
    }
  })();

  return {
    identity,
    lost,
    release: async () => {
      stopRenewing.abort();
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity !== identity) return;
        await api.replaceNamespacedLease({
          name,
          namespace,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              acquireTime: micro(lease.spec?.acquireTime),
              renewTime: micro(lease.spec?.renewTime),
              holderIdentity: undefined,
              leaseDurationSeconds: 1,
            },
          },
        });
        log.info('Released the Lease', { lease: `${namespace}/${name}` });
      } catch (error) {
        log.warn('Could not release the Lease', { error: String(error) });
      }
    },
  };
}
