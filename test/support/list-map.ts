type Schema = Record<string, unknown>;

/**
 * What the API server says of lists marked `x-kubernetes-list-type: map` in a CRD schema: the path
 * of every item whose keys repeat an earlier item's ("Duplicate value").
 */
export function duplicateMapKeys(schema: Schema, value: unknown, path = ''): string[] {
  if (value === undefined || value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  const items = schema.items as Schema | undefined;
  if (Array.isArray(value)) {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (schema['x-kubernetes-list-type'] === 'map' && keys) {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
        if (seen.has(key)) found.push(`${path}[${i}]: Duplicate value`);
        seen.add(key);
      }
      if (items) found.push(...duplicateMapKeys(items, item, `${path}[${i}]`));
    });
    return found;
  }
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  for (const [key, child] of Object.entries(properties)) {
    found.push(
      ...duplicateMapKeys(child, (value as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
    );
  }
  return found;
}
