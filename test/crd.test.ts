import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { toJsonSchema } from '../controller/src/expand/validate.ts';
import { failedCelRules } from './support/cel.ts';
import { bookinfo, groupFiles } from './support/groups.ts';

const root = join(import.meta.dirname, '..');
const crd = parse(
  readFileSync(join(root, 'chart/orkestra/crds/orkestra.azure.microsoft.com_applicationgroups.yaml'), 'utf8'),
);
const schema = crd.spec.versions[0].schema.openAPIV3Schema;
const checkSchema = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(
  toJsonSchema(schema) as object,
);

/** What the API server would say about an object: schema errors and failed CEL rules. */
function verdict(object: unknown): string[] {
  const schemaErrors = checkSchema(object)
    ? []
    : (checkSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  return [...schemaErrors, ...failedCelRules(schema, object)];
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

  it.each<[string, unknown, string]>([
    ['duplicate application names', group([app('a'), app('a')]), 'application names must be unique'],
    [
      'a dependency on an unknown application',
      group([app('a', ['ghost'])]),
      'dependencies must name applications of this group',
    ],
    [
      'an application depending on itself',
      group([app('a', ['a'])]),
      'an application cannot depend on itself',
    ],
    [
      'duplicate subchart names',
      group([app('a', [], { subcharts: [{ name: 's' }, { name: 's' }] })]),
      'subchart names must be unique within an application',
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
