import type { HelmRelease, HelmReleaseStatus } from '../api/flux.ts';
import type { Condition } from '../api/meta.ts';

export type ReleasePhase = 'Progressing' | 'Succeeded' | 'Failed' | 'Suspended';

export interface Verdict {
  phase: ReleasePhase;
  /** CamelCase, usually Flux's own reason (InstallSucceeded, RetriesExceeded, SourceNotReady …). */
  reason: string;
  message: string;
}

export const RECONCILE_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

/**
 * What a HelmRelease's status says about generation `generation` (default: the object's own), decided
 * as Flux's helm-controller defines it (see ../shared/notes/flux.md):
 * - Suspended: `spec.suspend` — Flux will not act, so nobody should wait;
 * - Succeeded: observed at this generation, Ready=True of this generation, not reconciling or stalled,
 *   and any pending reconcile request handled;
 * - Failed: Stalled=True of this generation (no retry follows), or an install/upgrade failure of this
 *   generation under the RetryOnFailure strategy (Flux would retry forever);
 * - Progressing: anything else, including a Ready=True left over from an older generation.
 */
export function evaluateRelease(
  release: HelmRelease,
  generation = release.metadata.generation ?? 0,
): Verdict {
  if (release.spec.suspend) {
    return {
      phase: 'Suspended',
      reason: 'Suspended',
      message: 'HelmRelease is suspended: Flux does not act on it',
    };
  }
  const status: HelmReleaseStatus = release.status ?? {};
  const current = (type: string) =>
    status.conditions?.find((c) => c.type === type && (c.observedGeneration ?? generation) === generation);
  const ready = current('Ready');
  const released = current('Released');
  const helmError = released?.status === 'False' ? released.message : undefined;

  const stalled = current('Stalled');
  if (stalled?.status === 'True') {
    return {
      phase: 'Failed',
      reason: stalled.reason,
      message: helmError ?? ready?.message ?? stalled.message,
    };
  }
  if (released?.status === 'False' && (retriesForever(release, released) || forbidden(released))) {
    return { phase: 'Failed', reason: released.reason, message: released.message };
  }

  const requestedAt = release.metadata.annotations?.[RECONCILE_REQUESTED_AT];
  if (requestedAt !== undefined && status.lastHandledReconcileAt !== requestedAt) {
    return {
      phase: 'Progressing',
      reason: 'ReconcileRequested',
      message: `Reconcile request ${requestedAt} not handled yet`,
    };
  }
  const reconciling = current('Reconciling')?.status === 'True';
  const deployed = status.history?.[0] === undefined || status.history[0].status === 'deployed';
  if (status.observedGeneration === generation && ready?.status === 'True' && !reconciling && deployed) {
    return { phase: 'Succeeded', reason: ready.reason, message: ready.message };
  }
  const latest = ready ?? current('Reconciling');
  return {
    phase: 'Progressing',
    reason: latest?.reason ?? 'Pending',
    message: latest?.message ?? `Waiting for helm-controller to observe generation ${generation}`,
  };
}

/** Under RetryOnFailure Flux retries a failed install or upgrade forever and never stalls. */
function retriesForever(release: HelmRelease, released: Condition): boolean {
  const strategy =
    released.reason === 'InstallFailed'
      ? release.spec.install?.strategy
      : released.reason === 'UpgradeFailed'
        ? release.spec.upgrade?.strategy
        : undefined;
  return strategy?.name === 'RetryOnFailure';
}

/**
 * An install or upgrade the API server refused to the identity helm-controller acts as (the
 * release's ServiceAccount): Helm stores no release for it when it fails before creating anything,
 * so Flux backs off and retries without ever stalling, yet no retry succeeds until someone changes
 * RBAC — a tenant's chart that holds cluster-scoped objects, for one.
 */
function forbidden(released: Condition): boolean {
  return (
    (released.reason === 'InstallFailed' || released.reason === 'UpgradeFailed') &&
    / is forbidden: User "[^"]+" cannot /.test(released.message ?? '')
  );
}

/** True when nothing more will change without a new generation (the probe may stop watching). */
export function isFinal(verdict: Verdict): boolean {
  return verdict.phase !== 'Progressing';
}
