// PURE: which ReleasePolicy governs a namespace, and what it allows, with the defaults filled in.
import type { ReleasePolicy } from '../api/release-policy.ts';
import { RELEASE_SERVICE_ACCOUNT } from '../wire-names.ts';

/** What the releases of one namespace may do: a ReleasePolicy's spec, or the defaults. */
export interface EffectivePolicy {
  /** The ReleasePolicy it comes from; undefined: none selects the namespace (the defaults). */
  name?: string;
  targetNamespaces: readonly string[];
  createNamespace: boolean;
  /** "" : HelmReleases name none (helm-controller's own rights, or its --default-service-account). */
  serviceAccountName: string;
  sources: {
    urls?: readonly string[];
    deniedAddresses: readonly string[];
    allowedAddresses: readonly string[];
    insecure: boolean;
  };
  /** More than one ReleasePolicy selects the namespace: nothing is allowed until one does. */
  ambiguous?: readonly string[];
}

/** No policy written: own namespace only, as `orkestra-release`, no namespace created, safe sources. */
export const DEFAULT_POLICY: EffectivePolicy = {
  targetNamespaces: [],
  createNamespace: false,
  serviceAccountName: RELEASE_SERVICE_ACCOUNT,
  sources: { deniedAddresses: [], allowedAddresses: [], insecure: false },
};

/** `pattern` with `*` matching any run of characters (nothing else is special), against all of `value`. */
export function matchesPattern(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const [first, ...rest] = parts as [string, ...string[]];
  const last = rest.pop() as string;
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last))
    return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const part of rest) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The policy for `namespace`: the one ReleasePolicy that selects it, else the defaults. */
export function policyFor(namespace: string, policies: readonly ReleasePolicy[]): EffectivePolicy {
  const selecting = policies
    .filter((p) => (p.spec?.namespaces ?? []).some((pattern) => matchesPattern(pattern, namespace)))
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  if (selecting.length > 1) {
    return { ...DEFAULT_POLICY, ambiguous: selecting.map((p) => String(p.metadata.name)) };
  }
  const policy = selecting[0];
  if (!policy) return DEFAULT_POLICY;
  const spec = policy.spec;
  return {
    name: policy.metadata.name,
    targetNamespaces: spec.targetNamespaces ?? DEFAULT_POLICY.targetNamespaces,
    createNamespace: spec.createNamespace ?? DEFAULT_POLICY.createNamespace,
    serviceAccountName: spec.serviceAccountName ?? DEFAULT_POLICY.serviceAccountName,
    sources: {
      ...(spec.sources?.urls ? { urls: spec.sources.urls } : {}),
      deniedAddresses: spec.sources?.deniedAddresses ?? [],
      allowedAddresses: spec.sources?.allowedAddresses ?? [],
      insecure: spec.sources?.insecure ?? false,
    },
  };
}

/** How a rule is named in messages: the ReleasePolicy's name, or the defaults. */
export function ruleName(policy: EffectivePolicy): string {
  return policy.name === undefined
    ? 'the default policy (no ReleasePolicy selects this namespace)'
    : `ReleasePolicy ${policy.name}`;
}

/** Releases of namespace `home` may install into `target`: their own namespace, or one the policy lists. */
export function targetAllowed(policy: EffectivePolicy, home: string, target: string): boolean {
  if (policy.ambiguous) return false;
  return target === home || policy.targetNamespaces.some((pattern) => matchesPattern(pattern, target));
}

/** The rule a target namespace broke, in words. */
export function targetRule(policy: EffectivePolicy, home: string): string {
  const listed = policy.targetNamespaces.length
    ? ` and ${policy.targetNamespaces.map((n) => `"${n}"`).join(', ')}`
    : '';
  return `${ruleName(policy)} allows only the group's own namespace "${home}"${listed}`;
}
