import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../../lib/api/flux.ts';
import type { ConfigMap } from '../../lib/api/meta.ts';
import { Labels } from '../../lib/wire-names.ts';
import { MAX_OBJECT_BYTES } from './input.ts';
import { checkPreviousRecord, previousRecord } from './previous-record.ts';

const rules = { defaultNamespace: 'apps', allowedNamespaces: ['apps', 'web'] };

const live = (
  spec: Record<string, unknown> = {},
  metadata = { name: 'web', namespace: 'apps' },
): HelmRelease =>
  ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { ...metadata, generation: 3, uid: 'u' },
    spec: {
      interval: '5m',
      targetNamespace: 'web',
      chart: { spec: { chart: 'c', version: '1.0.0', sourceRef: { kind: 'HelmRepository', name: 'r' } } },
      ...spec,
    },
  }) as HelmRelease;

/** A record as apply writes it, then changed by `edit` (as someone with ConfigMap write access could). */
function record(
  before: HelmRelease | undefined,
  edit: (r: ConfigMap & { data: Record<string, string> }) => void = () => {},
) {
  const made = previousRecord('apps', 'web', before) as ConfigMap & { data: Record<string, string> };
  edit(made);
  return made;
}

const withHelmRelease = (object: unknown) => (r: { data: Record<string, string> }) => {
  r.data.helmrelease = JSON.stringify(object);
};

const check = (r: ConfigMap) => checkPreviousRecord(r, 'apps', 'web', rules);
const messages = (r: ConfigMap) => check(r).problems.map((p) => `${p.path}: ${p.message}`);

describe('checkPreviousRecord', () => {
  it('a record of a HelmRelease that did not exist → delete it', () => {
    expect(check(record(undefined))).toEqual({ state: { existed: false }, problems: [] });
  });

  it('a record of the HelmRelease as it was → that HelmRelease, without server fields', () => {
    const { state, problems } = check(record(live()));
    expect(problems).toEqual([]);
    expect(state).toMatchObject({
      existed: true,
      helmRelease: { metadata: { name: 'web', namespace: 'apps' } },
    });
    expect(state?.existed && state.helmRelease.metadata.uid).toBeUndefined();
    expect(state?.existed && state.helmRelease.spec).toEqual(live().spec);
  });

  it.each<[string, ConfigMap, string]>([
    [
      'a record without the label of this HelmRelease is refused',
      record(live(), (r) => {
        delete r.metadata.labels?.[Labels.recordOf];
      }),
      `ConfigMap apps/orkestra-previous-web: is not a record of HelmRelease apps/web (label ${Labels.recordOf} is missing)`,
    ],
    [
      'a record of another HelmRelease is refused',
      record(live(), withHelmRelease({ ...live(), metadata: { name: 'other', namespace: 'apps' } })),
      'ConfigMap apps/orkestra-previous-web data.helmrelease: holds HelmRelease apps/other, not apps/web',
    ],
    [
      'a record of a HelmRelease in another namespace is refused',
      record(live(), withHelmRelease({ ...live(), metadata: { name: 'web', namespace: 'web' } })),
      'ConfigMap apps/orkestra-previous-web data.helmrelease: holds HelmRelease web/web, not apps/web',
    ],
    [
      'a record holding a Deployment is refused',
      record(
        live(),
        withHelmRelease({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }),
      ),
      'ConfigMap apps/orkestra-previous-web data.helmrelease: must be a helm.toolkit.fluxcd.io/v2 HelmRelease, not apps/v1 Deployment',
    ],
    [
      'a record whose release targets a namespace not allowed is refused',
      record(live({ targetNamespace: 'kube-system' })),
      'ConfigMap apps/orkestra-previous-web data.helmrelease.spec.targetNamespace: namespace "kube-system" is not allowed (--namespace-allow apps,web)',
    ],
    [
      'a record too large for an object is refused',
      record(live({ values: { blob: 'x'.repeat(MAX_OBJECT_BYTES) } })),
      'ConfigMap apps/orkestra-previous-web data.helmrelease: is ',
    ],
    [
      'a record that is not YAML or JSON is refused without quoting it',
      record(live(), (r) => {
        r.data.helmrelease = 'token: abc: hunter2';
      }),
      'ConfigMap apps/orkestra-previous-web data.helmrelease: malformed YAML or JSON at line 1, column 8',
    ],
    [
      'a record whose existed is neither true nor false is refused',
      record(live(), (r) => {
        r.data.existed = 'maybe';
      }),
      'ConfigMap apps/orkestra-previous-web: data.existed must be "true" or "false"',
    ],
  ])('%s', (_row, r, expected) => {
    const found = messages(r);
    expect(found).toHaveLength(1);
    expect(found[0]?.startsWith(expected), found[0]).toBe(true);
    expect(found[0]).not.toContain('hunter2');
    expect(check(r).state).toBeUndefined();
  });
});
