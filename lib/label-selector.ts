// PURE: Kubernetes' equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`, joined by
// commas: all must hold), as a controller sharded with --watch-label-selector matches objects.
// Set-based requirements (`in`, `notin`) are refused by name.

export type Requirement =
  | { key: string; op: 'equals' | 'notEquals'; value: string }
  | { key: string; op: 'exists' | 'notExists' };

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key as the API server accepts it: [DNS subdomain prefix, ≤ 253 /] name ≤ 63. */
function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !(prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME.test(name);
}

/** A label value: empty, or a name of at most 63 characters. */
export const isLabelValue = (value: string) => value === '' || (value.length <= 63 && NAME.test(value));

/** The requirements of `selector`, or a problem naming the part that is not one. */
export function parseSelector(selector: string): Requirement[] | { problem: string } {
  const requirements: Requirement[] = [];
  for (const raw of selector
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(!?)\s*([^!=\s]+)\s*(?:(!=|==|=)\s*(\S*))?$/.exec(raw);
    const key = match?.[2] ?? '';
    if (!match || (match[1] && match[3])) {
      return { problem: `"${raw}" is not an equality-based label requirement (a=b, a!=b, a or !a)` };
    }
    if (!isLabelKey(key)) return { problem: `"${key}" is not a label key` };
    if (match[3] && !isLabelValue(match[4] ?? '')) return { problem: `"${match[4]}" is not a label value` };
    if (match[1]) requirements.push({ key, op: 'notExists' });
    else if (!match[3]) requirements.push({ key, op: 'exists' });
    else requirements.push({ key, op: match[3] === '!=' ? 'notEquals' : 'equals', value: match[4] ?? '' });
  }
  return requirements;
}

export function matchesSelector(
  labels: Readonly<Record<string, string>> | undefined,
  requirements: readonly Requirement[],
): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case 'notExists':
        return value === undefined;
      case 'equals':
        return value === r.value;
      default:
        return value !== r.value;
    }
  });
}
