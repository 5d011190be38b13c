// Writes every generated file (CRD, ClusterWorkflowTemplate twin, chart templates) from its source.
// `--check` writes nothing and exits 1 if a file on disk differs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles } from './generated-files.ts';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, content] of generatedFiles(root)) {
  const target = join(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current === content) continue;
  if (check) {
    process.stderr.write(`${path} is out of date; run npm run generate\n`);
    stale++;
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
