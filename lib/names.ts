import { createHash } from 'node:crypto';

/** Kubernetes' DNS-1123 label: what object names, label values and Argo task names are made of. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
/** Helm refuses release names longer than this. */
export const HELM_RELEASE_NAME_MAX = 53;

export function isDnsLabel(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

/** Lower-cases and replaces every run of characters a label cannot hold by one '-'. */
export function sanitizeLabel(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** True when `raw` becomes a non-empty label after sanitising. */
export function canBecomeDnsLabel(raw: string): boolean {
  return sanitizeLabel(raw).length > 0;
}

export function shortHash(raw: string): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 8);
}

/**
 * Turns `parts` joined by '-' into a DNS-1123 label of at most `maxLength` characters.
 * A name that is already valid and short enough is returned unchanged; any other gets an 8-character
 * hash of the raw input appended, so two different inputs never sanitise to the same label
 * (e.g. `Foo` and `foo`).
 */
export function toDnsLabel(parts: string | readonly string[], maxLength = DNS1123_LABEL_MAX): string {
  const raw = typeof parts === 'string' ? parts : parts.join('-');
  const clean = sanitizeLabel(raw);
  if (clean.length === 0) throw new Error(`"${raw}" cannot become a DNS-1123 label`);
  if (clean === raw && clean.length <= maxLength) return clean;
  const hash = shortHash(raw);
  const head = clean.slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/** Returns `base`, or `base-2`, `base-3`… whichever is not in `taken`. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = toDnsLabel(`${base}-${i}`);
    if (!taken.has(candidate)) return candidate;
  }
}
