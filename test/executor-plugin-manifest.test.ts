// workflow-templates/orkestra-executor-plugin.yaml (for hand-written Workflows) and the plugin
// ConfigMap the controller writes into each group's namespace come from one module
// (lib/executor-plugin.ts): the file on disk holds the very ConfigMap the controller renders with
// the chart's defaults, and the controller's objects differ from it only where they must.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { executorPluginObjects } from '../controller/src/reconcile/executor-access.ts';
import { DEFAULT_PLUGIN_RESOURCES } from '../lib/executor-plugin.ts';
import { EXECUTOR_IMAGE_PLACEHOLDER } from '../scripts/generated-files.ts';

const manifest = parseAllDocuments(
  readFileSync(join(import.meta.dirname, '..', 'workflow-templates/orkestra-executor-plugin.yaml'), 'utf8'),
).map((d) => d.toJS());

it('the raw manifest’s plugin ConfigMap is the one the controller renders (same image and resources → same data)', () => {
  const rendered = executorPluginObjects(
    'team',
    { image: EXECUTOR_IMAGE_PLACEHOLDER, resources: DEFAULT_PLUGIN_RESOURCES },
    'orkestra-executor',
  );
  const configMap = rendered.apply.find((o) => o.kind === 'ConfigMap') as { data?: unknown };
  expect(manifest[0].kind).toBe('ConfigMap');
  expect(manifest[0].data).toEqual(configMap.data);
  // The same objects by kind and name; the Secrets alike but for Orkestra's label and namespace.
  const names = (objects: Array<{ kind?: string; metadata?: { name?: string } }>) =>
    objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort();
  expect(names(manifest)).toEqual(names([...rendered.apply, ...rendered.create]));
  for (const secret of rendered.create) {
    const raw = manifest.find((o) => o.metadata.name === secret.metadata?.name);
    expect([raw.type, raw.metadata.annotations]).toEqual([
      (secret as { type?: string }).type,
      secret.metadata?.annotations,
    ]);
  }
  // Objects applied by hand carry no managed-by label: the controller neither uses nor removes them.
  for (const object of manifest)
    expect(object.metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();
});
