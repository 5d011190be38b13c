import { run } from '@bufbuild/cel';

type Schema = Record<string, unknown>;

/** Converts plain JSON to what the CEL evaluator takes: objects become maps, integers ints. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

/**
 * Evaluates every `x-kubernetes-validations` rule of a CRD schema against `value`, as the API server
 * does (each rule with `self` bound to the node it sits on), and returns the messages of the rules
 * that do not hold.
 */
export function failedCelRules(schema: Schema, value: unknown, path = ''): string[] {
  if (value === undefined || value === null) return [];
  const failures: string[] = [];
  for (const rule of (schema['x-kubernetes-validations'] as Array<{ rule: string; message: string }>) ?? []) {
    const result = run(rule.rule, { self: toCel(value) as never });
    if (result !== true) failures.push(`${path}: ${rule.message}`);
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(properties)) {
      failures.push(
        ...failedCelRules(child, (value as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
      );
    }
  }
  const items = schema.items as Schema | undefined;
  if (items && Array.isArray(value)) {
    value.forEach((item, i) => {
      failures.push(...failedCelRules(items, item, `${path}[${i}]`));
    });
  }
  return failures;
}
