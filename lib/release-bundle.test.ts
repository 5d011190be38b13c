import { describe, expect, it } from 'vitest';
import { formatBundleReference, parseBundleReference } from './release-bundle.ts';

describe('release-bundle references', () => {
  it('parse what they format', () => {
    const reference = { namespace: 'apps', name: 'wf-g1-forward-releases-0', key: 'web.helmrelease' };
    expect(formatBundleReference(reference)).toBe('configmap:apps/wf-g1-forward-releases-0/web.helmrelease');
    expect(parseBundleReference(formatBundleReference(reference))).toEqual(reference);
  });

  it.each([
    ['YAML', 'apiVersion: v1\nkind: ConfigMap'],
    ['a reference with a part missing', 'configmap:apps/name'],
    ['a reference with a slash too many', 'configmap:apps/name/key/more'],
    ['a reference with a space inside', 'configmap:apps/na me/key'],
  ])('take %s for no reference', (_name, value) => {
    expect(parseBundleReference(value)).toBeUndefined();
  });
});
