import { ORKESTRA_GROUP } from './application-group.ts';
import type { ObjectMeta } from './meta.ts';

export const RELEASE_POLICY_API_VERSION = `${ORKESTRA_GROUP}/v1alpha1`;
export const RELEASE_POLICY_KIND = 'ReleasePolicy';
export const RELEASE_POLICIES = {
  group: ORKESTRA_GROUP,
  version: 'v1alpha1',
  plural: 'releasepolicies',
} as const;

/**
 * `ReleasePolicy` (cluster-scoped): what the ApplicationGroups and executor steps of the namespaces
 * it selects may make Flux do. Written by cluster administrators (tenants cannot write
 * cluster-scoped objects); without one, a namespace gets DEFAULT_POLICY (lib/policy/policy.ts).
 * Every field left out keeps its default.
 */
export interface ReleasePolicy {
  apiVersion: typeof RELEASE_POLICY_API_VERSION;
  kind: typeof RELEASE_POLICY_KIND;
  metadata: ObjectMeta;
  spec: ReleasePolicySpec;
}

export interface ReleasePolicySpec {
  /** The namespaces it governs: names, `*` matching any run of characters (`team-*`, `*`). */
  namespaces: string[];
  /**
   * Namespaces releases may install into (`targetNamespace`), beside their own one, which is always
   * allowed; `*` patterns as in `namespaces`. Default: none.
   */
  targetNamespaces?: string[];
  /** Releases may create their target namespace (`install.createNamespace`). Default: false. */
  createNamespace?: boolean;
  /**
   * The ServiceAccount of the release's own namespace that helm-controller impersonates
   * (HelmRelease `spec.serviceAccountName`). `""`: none, so helm-controller acts with its own rights
   * (or its `--default-service-account`). Default: `orkestra-release`, which the controller creates
   * with namespace-admin rights in that namespace only.
   */
  serviceAccountName?: string;
  sources?: SourcePolicy;
}

export interface SourcePolicy {
  /**
   * Chart repository URLs allowed, `*` matching any run of characters
   * (`https://charts.example.com/*`, `oci://registry.example.com/*`). Default: any URL.
   */
  urls?: string[];
  /** Addresses (CIDR) refused beside the default ones (loopback, link-local, the nodes', the API server's). */
  deniedAddresses?: string[];
  /** Addresses (CIDR) allowed although refused by default, e.g. a chart host on a node. */
  allowedAddresses?: string[];
  /** Chart credentials may be sent over plain `http://` (and plain-HTTP OCI). Default: false. */
  insecure?: boolean;
}

const patterns = (description: string, maxItems: number) => ({
  description,
  type: 'array',
  maxItems,
  items: { type: 'string', minLength: 1, maxLength: 253 },
});
const cidrs = (description: string) => ({
  description,
  type: 'array',
  maxItems: 64,
  // An IPv4 or IPv6 address, optionally /bits; lib/policy/addresses.ts isCidr checks it exactly.
  items: { type: 'string', maxLength: 49, pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' },
});

/** The ReleasePolicy CRD's OpenAPI v3 schema (the CRD YAML is generated from it: scripts/generate.ts). */
export const releasePolicySchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['namespaces'],
      properties: {
        namespaces: patterns(
          'The namespaces whose groups and executor steps it governs (`*` matches any run of characters).',
          256,
        ),
        targetNamespaces: patterns(
          'Namespaces releases may install into beside their own (`*` patterns). Default: none.',
          256,
        ),
        createNamespace: {
          description:
            'Releases may create their target namespace (install.createNamespace). Default: false.',
          type: 'boolean',
        },
        serviceAccountName: {
          description:
            'ServiceAccount of the release\'s namespace that helm-controller impersonates; "" for none (helm-controller\'s own rights). Default: orkestra-release.',
          type: 'string',
          maxLength: 253,
          pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$',
        },
        sources: {
          type: 'object',
          properties: {
            urls: patterns('Chart repository URLs allowed (`*` patterns). Default: any.', 256),
            deniedAddresses: cidrs(
              "Addresses (CIDR) refused beside loopback, link-local, the nodes' and the API server's.",
            ),
            allowedAddresses: cidrs('Addresses (CIDR) allowed although refused by default.'),
            insecure: {
              description: 'Chart credentials may be sent over plain http://. Default: false.',
              type: 'boolean',
            },
          },
        },
      },
    },
  },
} as const;
