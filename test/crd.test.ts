import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { toJsonSchema } from '../controller/src/expand/validate.ts';
import { LIMITS } from '../lib/api/application-group-schema.ts';
import { failedCelRules } from './support/cel.ts';
import { bookinfo, groupFiles } from './support/groups.ts';
import { duplicateMapKeys } from './support/list-map.ts';

const root = join(import.meta.dirname, '..');
const crd = parse(
  readFileSync(join(root, 'chart/orkestra/crds/orkestra.azure.microsoft.com_applicationgroups.yaml'), 'utf8'),
);
const schema = crd.spec.versions[0].schema.openAPIV3Schema;
const checkSchema = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(
  toJsonSchema(schema) as object,
);

/** What the API server would say about an object: schema errors, repeated list-map keys and failed CEL rules. */
function verdict(object: unknown): string[] {
  const schemaErrors = checkSchema(object)
    ? []
    : (checkSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  return [...schemaErrors, ...duplicateMapKeys(schema, object), ...failedCelRules(schema, object)];
}

function exampleGroups(): Array<[string, unknown]> {
  return groupFiles().flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((d) => d.toJS())
      .filter((o) => o?.kind === 'ApplicationGroup')
      .map((o): [string, unknown] => [`${relative(root, file)} (${o.metadata.name})`, o]),
  );
}

describe('ApplicationGroup CRD', () => {
  it('is a namespaced CRD with the status subresource, short name ag and Ready/Reason/Age columns', () => {
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.shortNames).toContain('ag');
    const version = crd.spec.versions[0];
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'Reason', 'Age']),
    );
  });

  it('gives every object in the schema a type or preserves unknown fields (structural)', () => {
    const untyped: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (
        !node.type &&
        !node['x-kubernetes-preserve-unknown-fields'] &&
        !node['x-kubernetes-int-or-string']
      ) {
        untyped.push(path);
      }
      for (const [key, child] of Object.entries((node.properties as object) ?? {}))
        walk(child, `${path}.${key}`);
      if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
      if (typeof node.additionalProperties === 'object')
        walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
    };
    walk(schema, '');
    expect(untyped).toEqual([]);
  });

  it.each(exampleGroups())('accepts %s', (_name, group) => {
    expect(verdict(group)).toEqual([]);
  });

  const app = (name: string, dependencies: string[] = [], extra: Record<string, unknown> = {}) => ({
    name,
    dependencies,
    spec: { chart: { url: 'https://charts.example/', name: 'c', version: '1.0.0' }, ...extra },
  });
  const group = (applications: unknown[]) => ({ ...bookinfo(), spec: { applications } });

  const chain = (size: number) =>
    group(Array.from({ length: size }, (_, i) => app(`app-${i}`, i > 0 ? [`app-${i - 1}`] : [])));

  it.each<[string, unknown]>([
    ['129 applications (the old limit was 128)', chain(129)],
    [`${LIMITS.applications} applications`, chain(LIMITS.applications)],
    [
      'a fan-in of 20 (one application depending on twenty)',
      group([
        ...Array.from({ length: 20 }, (_, i) => app(`m${i}`)),
        app(
          'last',
          Array.from({ length: 20 }, (_, i) => `m${i}`),
        ),
      ]),
    ],
    // Too costly for CEL at this size: the controller reports it (Stalled, InvalidSpec).
    ['a dependency on an unknown application', group([app('a', ['ghost'])])],
  ])('accepts %s', (_name, object) => {
    expect(verdict(object)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['duplicate application names', group([app('a'), app('a')]), 'spec.applications[1]: Duplicate value'],
    [
      'an application depending on itself',
      group([app('a', ['a'])]),
      'an application cannot depend on itself',
    ],
    [
      'duplicate subchart names',
      group([app('a', [], { subcharts: [{ name: 's' }, { name: 's' }] })]),
      'spec.applications[0].spec.subcharts[1]: Duplicate value',
    ],
    [
      'a subchart depending on itself',
      group([app('a', [], { subcharts: [{ name: 's', dependencies: ['s'] }] })]),
      'a subchart cannot depend on itself',
    ],
    [
      'subcharts of a chart without a version',
      group([
        {
          name: 'a',
          spec: { chart: { url: 'https://charts.example/', name: 'c' }, subcharts: [{ name: 's' }] },
        },
      ]),
      'a chart with subcharts needs a version',
    ],
    ['no applications', group([]), 'must NOT have fewer than 1 items'],
    [
      `${LIMITS.applications + 1} applications`,
      chain(LIMITS.applications + 1),
      `must NOT have more than ${LIMITS.applications} items`,
    ],
    [
      'a chart without url',
      group([{ name: 'a', spec: { chart: { name: 'c' } } }]),
      "must have required property 'url'",
    ],
    [
      'a chart without name',
      group([{ name: 'a', spec: { chart: { url: 'https://x/' } } }]),
      "must have required property 'name'",
    ],
    ['a name without letters or digits', group([app('--')]), 'must match pattern'],
    [
      'a bad target namespace',
      group([app('a', [], { release: { targetNamespace: 'Not_A_NS' } })]),
      'must match pattern',
    ],
    ['a bad timeout', group([app('a', [], { release: { timeout: 'ten minutes' } })]), 'must match pattern'],
    ['an unknown field', group([app('a', [], { releases: {} })]), 'must NOT have additional properties'],
    [
      'retryInterval with RemediateOnFailure',
      group([
        app('a', [], {
          release: { install: { strategy: { name: 'RemediateOnFailure', retryInterval: '1m' } } },
        }),
      ]),
      ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
    ],
  ])('rejects %s', (_what, object, message) => {
    expect(verdict(object).join('\n')).toContain(message);
  });
});
