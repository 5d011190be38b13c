// How a release's HelmRelease and source reach the executor: inline as task parameters, or, when the
// Workflow would grow too large, in release-bundle ConfigMaps the parameters refer to.
import type { ConfigMap } from '../../../lib/api/meta.ts';
import { formatBundleReference } from '../../../lib/release-bundle.ts';
import { canonicalJson } from '../../../lib/yaml.ts';
import { argoSafeJson } from './argo-safe.ts';
import type { RenderedRelease } from './helm-release.ts';

/** Above this size a Workflow passes its HelmReleases by reference to release-bundle ConfigMaps. */
export const INLINE_WORKFLOW_LIMIT = 256 * 1024;
/** Linux refuses a single argument over 128 KiB; the executor gets each parameter as one argument. */
export const INLINE_PARAMETER_LIMIT = 96 * 1024;
/** A ConfigMap holds at most 1 MiB; leave room for its metadata. */
export const BUNDLE_LIMIT = 900 * 1024;

/** Sizes are the API server's and the kernel's: bytes of UTF-8, not characters. */
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** The parameter value that carries a release's HelmRelease or its source. */
export type Encode = (release: RenderedRelease, part: 'helmrelease' | 'source') => string;

const encoded = new WeakMap<RenderedRelease, { helmrelease: string; source: string }>();

/** The canonical JSON of a release's HelmRelease or source, computed once per rendered release. */
const payload: Encode = (release, part) => {
  let json = encoded.get(release);
  if (!json) {
    json = { helmrelease: canonicalJson(release.helmRelease), source: canonicalJson(release.source) };
    encoded.set(release, json);
  }
  return json[part];
};

/** The payload as an inline parameter: nothing in it for Argo or the kubelet to substitute. */
export const inline: Encode = (release, part) => argoSafeJson(payload(release, part));

/** Whether the releases' payloads could all be inline parameters. */
export function payloadsFit(releases: readonly RenderedRelease[]): boolean {
  let total = 0;
  for (const release of releases) {
    for (const part of ['helmrelease', 'source'] as const) {
      const size = bytes(inline(release, part));
      if (size > INLINE_PARAMETER_LIMIT) return false;
      total += size;
    }
  }
  return total <= INLINE_WORKFLOW_LIMIT;
}

/** Collects the payloads into ConfigMaps of at most BUNDLE_LIMIT bytes and hands out references. */
export function bundler(baseName: string, namespace: string, metadataLabels: Record<string, string>) {
  const configMaps: ConfigMap[] = [];
  let size = Number.POSITIVE_INFINITY;
  const encode: Encode = (release, part) => {
    const key = `${release.name}.${part}`;
    // Read by the executor only, never substituted: the payload as it is.
    const value = payload(release, part);
    const added = bytes(key) + bytes(value);
    if (size + added > BUNDLE_LIMIT) {
      configMaps.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${baseName}-${configMaps.length}`, namespace, labels: metadataLabels },
        data: {},
      });
      size = 0;
    }
    const bundle = configMaps[configMaps.length - 1] as ConfigMap & { data: Record<string, string> };
    bundle.data[key] = value;
    size += added;
    return formatBundleReference({ namespace, name: bundle.metadata.name as string, key });
  };
  return { encode, configMaps };
}
