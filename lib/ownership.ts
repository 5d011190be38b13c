// PURE: whose an object Orkestra would write over is. Every HelmRelease and source object Orkestra
// renders carries its group's uid (Labels.ownerUid); a live object that carries another, or none,
// is not the group's to change or remove — unless its owner opted in to hand it over.
import { Labels } from './wire-names.ts';

export interface Owned {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<{ manager?: string }>;
  };
}

/**
 * Annotation by which whoever owns an existing HelmRelease (or source) lets the ApplicationGroup of
 * that name in the same namespace take it over: the explicit opt-in adoption needs.
 */
export const ADOPT_ANNOTATION = 'orkestra.azure.microsoft.com/adopt-by';

/** Who owns `live`, in words: an ApplicationGroup (name and uid), or what last wrote it. */
export function describeOwner(live: Owned): string {
  const labels = live.metadata?.labels ?? {};
  const uid = labels[Labels.ownerUid];
  if (uid) return `ApplicationGroup ${labels[Labels.applicationGroup] ?? '(unnamed)'} (uid ${uid})`;
  const managers = [...new Set((live.metadata?.managedFields ?? []).map((f) => f.manager).filter(Boolean))];
  return managers.length > 0 ? `not Orkestra (written by ${managers.join(', ')})` : 'not Orkestra';
}

/**
 * Why the writer of `wanted` may not write over `live`, or undefined when it may: no such object,
 * one with the same owner (the group's uid; none for objects of hand-written Workflows), or one
 * without an owner that its owner handed over to the group by the adoption annotation.
 */
export function ownershipConflict(live: Owned | undefined, wanted: Owned): string | undefined {
  if (!live) return undefined;
  const owner = live.metadata?.labels?.[Labels.ownerUid];
  const uid = wanted.metadata?.labels?.[Labels.ownerUid];
  if (owner === uid) return undefined;
  const group = wanted.metadata?.labels?.[Labels.applicationGroup];
  if (owner === undefined && group !== undefined && live.metadata?.annotations?.[ADOPT_ANNOTATION] === group)
    return undefined;
  const { kind = 'object', metadata = {} } = live;
  return `${kind} ${metadata.namespace}/${metadata.name} belongs to ${describeOwner(live)}`;
}

/** Every conflict between the objects a group would write and those that exist (matched by kind and name). */
export function conflictsAmong(wanted: readonly Owned[], live: readonly Owned[]): string[] {
  const key = (o: Owned) => `${o.kind}/${o.metadata?.name}`;
  const existing = new Map(live.map((o) => [key(o), o]));
  return wanted.flatMap((o) => ownershipConflict(existing.get(key(o)), o) ?? []);
}
