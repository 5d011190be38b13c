import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Application, ApplicationGroup } from '../../lib/api/application-group.ts';

const root = join(import.meta.dirname, '../..');

/** A fresh copy of examples/bookinfo.yaml. */
export function bookinfo(): ApplicationGroup {
  return parse(readFileSync(join(root, 'examples/bookinfo.yaml'), 'utf8'));
}

/** An application of chart `name` from a test repository. */
export function application(
  name: string,
  dependencies: string[] = [],
  spec: Partial<Application['spec']> = {},
): Application {
  return {
    name,
    dependencies,
    spec: { chart: { url: 'https://charts.example/', name, version: '1.0.0' }, ...spec },
  };
}

export function groupOf(
  applications: Application[],
  metadata: ApplicationGroup['metadata'] = {},
): ApplicationGroup {
  return {
    apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
    kind: 'ApplicationGroup',
    metadata: { name: 'group', namespace: 'apps', ...metadata },
    spec: { applications },
  };
}

/** Every YAML file in examples/ and test/fixtures/groups/ that holds an ApplicationGroup (absolute paths). */
export function groupFiles(): string[] {
  return ['examples', 'test/fixtures/groups'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter(
        (f) =>
          f.endsWith('.yaml') && readFileSync(join(root, dir, f), 'utf8').includes('kind: ApplicationGroup'),
      )
      .map((f) => join(root, dir, f)),
  );
}
