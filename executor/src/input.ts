// PURE: turns the text given to `apply` into a HelmRelease (and source object) the executor may
// apply, or lists every reason it may not. Nothing here talks to the cluster.
import { parseAllDocuments } from 'yaml';
import {
  type ChartSource,
  HELM_RELEASE_API_VERSION,
  type HelmRelease,
  SOURCE_API_VERSION,
} from '../../lib/api/flux.ts';
import type { Problem } from '../../lib/errors.ts';

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
}

type Parsed = { value?: Record<string, unknown>; problems: Problem[] };

/** One YAML or JSON object from `text`. */
export function parseObject(text: string, what: string): Parsed {
  const documents = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (documents.length !== 1) {
    return {
      problems: [{ path: what, message: `must hold exactly one object (found ${documents.length})` }],
    };
  }
  const document = documents[0] as (typeof documents)[number];
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((e) => ({ path: what, message: `malformed YAML or JSON: ${e.message}` })),
    };
  }
  const value = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      problems: [{ path: what, message: 'must be an object (a HelmRelease or a source as YAML or JSON)' }],
    };
  }
  return { value, problems: [] };
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
      message: `"${metadata.name}" is not a valid Kubernetes name`,
    });
  }
  metadata.namespace ??= rules.defaultNamespace;
  checkAllowed(metadata.namespace, `${what}.metadata.namespace`, rules, problems);
}

function checkAllowed(namespace: unknown, path: string, rules: InputRules, problems: Problem[]) {
  if (rules.allowedNamespaces && !rules.allowedNamespaces.includes(String(namespace))) {
    problems.push({
      path,
      message: `namespace "${String(namespace)}" is not allowed (--namespace-allow ${rules.allowedNamespaces.join(',')})`,
    });
  }
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

function kindOf(object: Record<string, unknown>): string {
  return `${String(object.apiVersion ?? '(no apiVersion)')} ${String(object.kind ?? '(no kind)')}`;
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
          checkAllowed(spec.targetNamespace, 'helmrelease.spec.targetNamespace', rules, problems);
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
  if (problems.length > 0 || !hr) return { problems };
  return {
    request: { helmRelease: hr as unknown as HelmRelease, source: source as ChartSource | undefined },
    problems,
  };
}
