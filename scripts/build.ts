// Bundles the entrypoints into dist/: one self-contained ESM file each, so an image needs
// only Node and the file (plus nothing from node_modules).
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const entryPoints = {
  orkestra: 'controller/src/cli/main.ts',
  'orkestra-executor': 'executor/src/main.ts',
  'orkestra-controller': 'controller/src/main.ts',
  // The staging registry's token server (a container of the registry's pod, from the controller image).
  'orkestra-staging-auth': 'controller/src/staging-auth/main.ts',
};

// A fresh dist/: chunk names carry hashes, so old ones would pile up.
rmSync(join(root, 'dist'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Smaller code parses faster: the executor's start-up is on every Workflow step's path.
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (ajv, winston) call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __orkestraCreateRequire } from 'node:module';\nconst require = __orkestraCreateRequire(import.meta.url);",
  },
});
for (const name of Object.keys(entryPoints)) chmodSync(join(root, 'dist', `${name}.js`), 0o755);
