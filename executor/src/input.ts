// PURE: turns the text given to `apply` into a HelmRelease (and source object) the executor may
// apply, or lists every reason it may not. Nothing here talks to the cluster.
import { type ErrorCode, parseAllDocuments, type YAMLError } from 'yaml';
import {
  type ChartSource,
  HELM_RELEASE_API_VERSION,
  type HelmRelease,
  SOURCE_API_VERSION,
} from '../../lib/api/flux.ts';
import type { Problem } from '../../lib/errors.ts';
import { FLUX_SHARD_LABEL } from '../../lib/wire-names.ts';

/** etcd refuses objects over 1.5 MiB. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SOURCE_KINDS = ['HelmRepository', 'OCIRepository'];

export interface ApplyRequest {
  helmRelease: HelmRelease;
  source?: ChartSource;
}

export interface InputRules {
  /** Namespace of objects that name none. */
  defaultNamespace: string;
  /** Namespaces the executor may touch; undefined: any. */
  allowedNamespaces?: readonly string[];
  /**
   * In a pod, the pod's own namespace (the Workflow's): every object the executor reads or writes
   * lives there, whatever a parameter says. Undefined at a terminal, where the user's own rights
   * are the limit.
   */
  home?: string;
  /**
   * The Flux shard (the chart's flux.shard, FLUX_SHARD_ENV) whose controllers release what the
   * executor applies: the HelmRelease, its HelmChart and the source carry its label. Undefined: no
   * shard (the cluster's own Flux), labels left as given.
   */
  fluxShard?: string;
}

type Parsed = { value?: Record<string, unknown>; problems: Problem[] };

/** What each YAML error code means, in words of our own: yaml's messages quote the offending line. */
const YAML_ERRORS: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'an alias names no anchor',
  BAD_COLLECTION_TYPE: 'a tag does not fit its collection',
  BAD_DIRECTIVE: 'a directive is not valid',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape sequence',
  BAD_INDENT: 'a flow collection is not closed or not indented enough',
  BAD_PROP_ORDER: 'an anchor or tag is out of place',
  BAD_SCALAR_START: 'a plain value starts with a reserved character',
  BLOCK_AS_IMPLICIT_KEY: 'a key holds a nested mapping (a second ": " on one line?)',
  BLOCK_IN_FLOW: 'a block value is inside a flow collection',
  DUPLICATE_KEY: 'a key appears twice in one mapping',
  IMPOSSIBLE: 'the parser reached an impossible state',
  KEY_OVER_1024_CHARS: 'an implicit key is over 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines (wrong indentation?)',
  MULTIPLE_ANCHORS: 'a node has two anchors',
  MULTIPLE_DOCS: 'there are several documents',
  MULTIPLE_TAGS: 'a node has two tags',
  NON_STRING_KEY: 'a key is not a string',
  RESOURCE_EXHAUSTION: 'the document is too large or too deeply nested',
  TAB_AS_INDENT: 'a tab is used for indentation',
  TAG_RESOLVE_FAILED: 'a tag is not a standard YAML tag',
  UNEXPECTED_TOKEN: 'a character is out of place',
};

/** At most this many alias expansions per document (a "billion laughs" document needs millions). */
const MAX_ALIAS_COUNT = 100;

/** A YAML error by its position and code only: the input may hold secrets, so it is never quoted. */
export function describeYamlError(error: YAMLError): string {
  const at = error.linePos?.[0];
  const where = at ? ` at line ${at.line}, column ${at.col}` : '';
  return `malformed YAML or JSON${where}: ${YAML_ERRORS[error.code] ?? error.code}`;
}

/** One YAML or JSON object from `text`. */
export function parseObject(text: string, what: string): Parsed {
  const documents = parseAllDocuments(text, { uniqueKeys: true }).filter((d) => d.contents !== null);
  if (documents.length !== 1) {
    return {
      problems: [{ path: what, message: `must hold exactly one object (found ${documents.length})` }],
    };
  }
  const document = documents[0] as (typeof documents)[number];
  // Unknown tags are only warnings to yaml; a Kubernetes object has no use for them.
  const errors = [...document.errors, ...document.warnings];
  if (errors.length > 0) {
    return { problems: errors.map((e) => ({ path: what, message: describeYamlError(e) })) };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return {
      problems: [{ path: what, message: `uses YAML aliases too often (at most ${MAX_ALIAS_COUNT})` }],
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      problems: [{ path: what, message: 'must be an object (a HelmRelease or a source as YAML or JSON)' }],
    };
  }
  return { value: value as Record<string, unknown>, problems: [] };
}

function checkMetadata(
  object: Record<string, unknown>,
  what: string,
  rules: InputRules,
  problems: Problem[],
) {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  object.metadata = metadata;
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    problems.push({ path: `${what}.metadata.name`, message: 'is required' });
  } else if (metadata.name.length > 253 || !SUBDOMAIN.test(metadata.name)) {
    problems.push({
      path: `${what}.metadata.name`,
      message: `${quoted(metadata.name)} is not a valid Kubernetes name`,
    });
  }
  metadata.namespace ??= rules.defaultNamespace;
  checkAllowed(metadata.namespace, `${what}.metadata.namespace`, rules, problems);
}

function checkAllowed(
  namespace: unknown,
  path: string,
  rules: InputRules,
  problems: Problem[],
  options?: { home: boolean },
) {
  const outside = namespaceOutside(namespace, rules, options);
  if (outside) problems.push({ path, message: outside });
}

/** Why the executor may not touch `namespace` under `rules`, or undefined when it may. */
export function namespaceOutside(
  namespace: unknown,
  rules: InputRules,
  { home = true } = {},
): string | undefined {
  if (home && rules.home !== undefined && namespace !== rules.home) {
    return `namespace ${quoted(namespace)} is not the Workflow's own namespace "${rules.home}" (read from the pod): the executor touches nothing elsewhere`;
  }
  if (rules.allowedNamespaces && !rules.allowedNamespaces.includes(String(namespace))) {
    return `namespace ${quoted(namespace)} is not allowed (--namespace-allow ${rules.allowedNamespaces.join(',')})`;
  }
  return undefined;
}

function checkSize(object: unknown, what: string, problems: Problem[]) {
  const bytes = Buffer.byteLength(JSON.stringify(object));
  if (bytes > MAX_OBJECT_BYTES) {
    problems.push({
      path: what,
      message: `is ${bytes} bytes, over the ${MAX_OBJECT_BYTES} an object may have (move large values to valuesFrom)`,
    });
  }
}

/** What an identifier can look like: a name, namespace, apiVersion or kind (not free text). */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}$/;

/**
 * A value from the input, quoted in a message only when it looks like an identifier: anything else
 * may be text nobody meant to show (the input may be a ConfigMap its author cannot read).
 */
function quoted(value: unknown): string {
  return typeof value === 'string' && IDENTIFIER.test(value) ? `"${value}"` : '(a value that is not a name)';
}

function kindOf(object: Record<string, unknown>): string {
  const part = (value: unknown, missing: string) =>
    value === undefined
      ? missing
      : typeof value === 'string' && IDENTIFIER.test(value)
        ? value
        : '(not a name)';
  return `${part(object.apiVersion, '(no apiVersion)')} ${part(object.kind, '(no kind)')}`;
}

/** The HelmRelease and optional source to apply, or every problem with them. */
export function checkApplyRequest(
  helmReleaseText: string,
  sourceText: string | undefined,
  rules: InputRules,
): { request?: ApplyRequest; problems: Problem[] } {
  const problems: Problem[] = [];
  const parsed = parseObject(helmReleaseText, 'helmrelease');
  problems.push(...parsed.problems);
  const hr = parsed.value;
  if (hr) {
    if (hr.apiVersion !== HELM_RELEASE_API_VERSION || hr.kind !== 'HelmRelease') {
      problems.push({
        path: 'helmrelease',
        message: `must be a ${HELM_RELEASE_API_VERSION} HelmRelease, not ${kindOf(hr)}`,
      });
    } else {
      checkMetadata(hr, 'helmrelease', rules, problems);
      const spec = hr.spec as Record<string, unknown> | undefined;
      if (spec === null || typeof spec !== 'object') {
        problems.push({ path: 'helmrelease.spec', message: 'is required' });
      } else {
        if (!spec.chart && !spec.chartRef)
          problems.push({ path: 'helmrelease.spec', message: 'needs chart or chartRef' });
        if (spec.targetNamespace !== undefined)
          // Where releases may go beyond their own namespace is the policy's to say (check-release.ts).
          checkAllowed(spec.targetNamespace, 'helmrelease.spec.targetNamespace', rules, problems, {
            home: false,
          });
      }
      checkSize(hr, 'helmrelease', problems);
    }
  }

  let source: Record<string, unknown> | undefined;
  if (sourceText !== undefined && sourceText.trim() !== '') {
    const parsedSource = parseObject(sourceText, 'source');
    problems.push(...parsedSource.problems);
    source = parsedSource.value;
    if (source) {
      if (source.apiVersion !== SOURCE_API_VERSION || !SOURCE_KINDS.includes(String(source.kind))) {
        problems.push({
          path: 'source',
          message: `must be a ${SOURCE_API_VERSION} HelmRepository or OCIRepository, not ${kindOf(source)}`,
        });
      } else {
        checkMetadata(
          source,
          'source',
          {
            ...rules,
            defaultNamespace: String(
              (hr?.metadata as { namespace?: string })?.namespace ?? rules.defaultNamespace,
            ),
          },
          problems,
        );
        checkSize(source, 'source', problems);
      }
    }
  }
  if (rules.fluxShard !== undefined && problems.length === 0 && hr) {
    assignShard(hr, 'helmrelease', rules.fluxShard, problems);
    // helm-controller does not copy a HelmRelease's labels to the HelmChart it makes; the sharded
    // source-controller builds only labelled HelmCharts (Flux's sharding guide).
    const chart = (hr.spec as { chart?: Record<string, unknown> }).chart;
    if (chart && typeof chart === 'object')
      assignShard(chart, 'helmrelease.spec.chart', rules.fluxShard, problems);
    if (source) assignShard(source, 'source', rules.fluxShard, problems);
  }
  if (problems.length > 0 || !hr) return { problems };
  return {
    request: { helmRelease: hr as unknown as HelmRelease, source: source as ChartSource | undefined },
    problems,
  };
}

/**
 * Labels `object` (its metadata.labels) for Flux shard `shard`, or names the problem when it is
 * labelled for another: where a release goes is the platform's choice, not the applier's.
 */
function assignShard(
  object: Record<string, unknown>,
  path: string,
  shard: string,
  problems: Problem[],
): void {
  const metadata = (object.metadata ?? {}) as { labels?: Record<string, string> };
  const labels = metadata.labels ?? {};
  const given = labels[FLUX_SHARD_LABEL];
  if (given !== undefined && given !== shard) {
    problems.push({
      path: `${path}.metadata.labels`,
      message: `${FLUX_SHARD_LABEL} is "${given}", but this executor's releases go to Flux shard "${shard}": leave the label out`,
    });
    return;
  }
  object.metadata = { ...metadata, labels: { ...labels, [FLUX_SHARD_LABEL]: shard } };
}
