import { describe, expect, it } from 'vitest';
import { ADOPT_ANNOTATION, conflictsAmong, type Owned, ownershipConflict } from './ownership.ts';
import { Labels } from './wire-names.ts';

const object = (
  labels: Record<string, string> = {},
  extra: Partial<NonNullable<Owned['metadata']>> = {},
): Owned => ({
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'tenant', labels, ...extra },
});
const ofGroup = (uid: string, group = 'first') =>
  object({ [Labels.ownerUid]: uid, [Labels.applicationGroup]: group });

describe('ownershipConflict', () => {
  it.each<[string, Owned | undefined, Owned, string | undefined]>([
    ['nothing there → may write', undefined, ofGroup('u1'), undefined],
    ['its own → may write', ofGroup('u1'), ofGroup('u1'), undefined],
    [
      "another group's → conflict naming that group and uid",
      ofGroup('u1', 'first'),
      ofGroup('u2', 'second'),
      'HelmRelease tenant/web belongs to ApplicationGroup first (uid u1)',
    ],
    [
      'one a Flux Kustomization wrote → conflict naming its writer',
      object({}, { managedFields: [{ manager: 'kustomize-controller' }] }),
      ofGroup('u2', 'second'),
      'HelmRelease tenant/web belongs to not Orkestra (written by kustomize-controller)',
    ],
    [
      'one handed over to the group by the adoption annotation → may write',
      object({}, { annotations: { [ADOPT_ANNOTATION]: 'second' } }),
      ofGroup('u2', 'second'),
      undefined,
    ],
    [
      'one handed over to another group → conflict',
      object({}, { annotations: { [ADOPT_ANNOTATION]: 'third' } }),
      ofGroup('u2', 'second'),
      'HelmRelease tenant/web belongs to not Orkestra',
    ],
    [
      "a group's, with an adoption annotation someone added → still the group's",
      object(
        { [Labels.ownerUid]: 'u1', [Labels.applicationGroup]: 'first' },
        { annotations: { [ADOPT_ANNOTATION]: 'second' } },
      ),
      ofGroup('u2', 'second'),
      'HelmRelease tenant/web belongs to ApplicationGroup first (uid u1)',
    ],
    ['a hand-written Workflow over a hand-written one → may write', object(), object(), undefined],
    [
      "a hand-written Workflow over a group's → conflict",
      ofGroup('u1'),
      object(),
      'HelmRelease tenant/web belongs to ApplicationGroup first (uid u1)',
    ],
  ])('%s', (_, live, wanted, expected) => {
    expect(ownershipConflict(live, wanted)).toBe(expected);
  });
});

describe('conflictsAmong', () => {
  it('matches by kind and name, and lists every conflict', () => {
    const source = (name: string, labels: Record<string, string>): Owned => ({
      kind: 'HelmRepository',
      metadata: { name, namespace: 'tenant', labels },
    });
    const live = [ofGroup('u1'), source('web', {}), source('api', { [Labels.ownerUid]: 'u2' })];
    expect(
      conflictsAmong(
        [
          ofGroup('u2'),
          source('web', { [Labels.ownerUid]: 'u2' }),
          source('api', { [Labels.ownerUid]: 'u2' }),
        ],
        live,
      ),
    ).toEqual([
      'HelmRelease tenant/web belongs to ApplicationGroup first (uid u1)',
      'HelmRepository tenant/web belongs to not Orkestra',
    ]);
  });
});
