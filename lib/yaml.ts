import { parseAllDocuments, stringify } from 'yaml';
import type { Problem } from './errors.ts';

/** A JSON value: what Kubernetes objects are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Drops `undefined` members recursively so output never depends on how an object was built. */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => prune(item)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = prune(item);
    }
    return out as T;
  }
  return value;
}

/** JSON with object keys sorted at every level: equal values give byte-identical text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortKeys(item);
    }
    return out;
  }
  return value;
}

/** YAML as Orkestra prints it: block style, no line folding, no aliases. */
export function toYaml(value: unknown): string {
  return stringify(prune(value), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several objects as one multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => toYaml(value)).join('---\n');
}

export interface ParsedDocument {
  index: number;
  value: unknown;
}

/** Parses a (multi-document) YAML or JSON text; empty documents are skipped. */
export function parseYamlDocuments(
  text: string,
  source: string,
): { documents: ParsedDocument[]; problems: Problem[] } {
  const documents: ParsedDocument[] = [];
  const problems: Problem[] = [];
  parseAllDocuments(text, { uniqueKeys: true }).forEach((doc, index) => {
    const where = `${source}#${index + 1}`;
    if ('errors' in doc && doc.errors.length > 0) {
      for (const error of doc.errors)
        problems.push({ path: where, message: `malformed YAML: ${error.message}` });
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) documents.push({ index, value });
  });
  return { documents, problems };
}
