// The chart as the chart tests render it: `helm template` and `helm lint --strict` with the real
// helm, in namespace `platform`, with the images every install must name.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureTools } from '../cluster/tools.ts';
import type { Obj } from '../integration/kube.ts';

export const root = join(import.meta.dirname, '../..');

/** The images every install must name (the chart has no default: templates/_helpers.tpl). */
export const IMAGES = [
  'executor.image=registry.example/orkestra/executor:1.2.3',
  'controller.image=registry.example/orkestra/controller:1.2.3',
];

export function render(...set: string[]) {
  return renderWith([...IMAGES, ...set]);
}

export function renderWith(set: string[], flags: string[] = []) {
  const out = execFileSync(
    ensureTools().helm,
    [
      'template',
      'orkestra',
      join(root, 'chart/orkestra'),
      '-n',
      'platform',
      ...flags,
      ...set.flatMap((s) => ['--set', s]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean) as Obj[];
}

/** The CRDs an install creates where absent (Helm's crds/ folders, the subcharts' included). */
export function renderCrds(...set: string[]) {
  return renderWith([...IMAGES, ...set], ['--include-crds']).filter(
    (o) => o.kind === 'CustomResourceDefinition',
  );
}

/** `helm lint --strict` with these values: its exit code and output. */
export function lint(...set: string[]) {
  try {
    const out = execFileSync(
      ensureTools().helm,
      ['lint', '--strict', join(root, 'chart/orkestra'), ...[...IMAGES, ...set].flatMap((s) => ['--set', s])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { code: 0, out };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { code: status, out: `${stdout}${stderr}` };
  }
}
