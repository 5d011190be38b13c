// The reference a parameter carries instead of a HelmRelease when the renderer put it into a
// release-bundle ConfigMap: `configmap:NAMESPACE/NAME/KEY`. Written by the renderer, read by the
// executor (which also takes it for a ConfigMap of the user's own).

export interface BundleReference {
  namespace: string;
  name: string;
  key: string;
}

const PREFIX = 'configmap:';
const REFERENCE = /^configmap:([^/\s]+)\/([^/\s]+)\/([^/\s]+)$/;

export function formatBundleReference({ namespace, name, key }: BundleReference): string {
  return `${PREFIX}${namespace}/${name}/${key}`;
}

/** The reference `value` holds (surrounding whitespace ignored), or undefined if it is none. */
export function parseBundleReference(value: string): BundleReference | undefined {
  const match = REFERENCE.exec(value.trim());
  if (!match) return undefined;
  const [, namespace, name, key] = match as unknown as [string, string, string, string];
  return { namespace, name, key };
}
