// The build tool of the node's images: buildah (no Docker daemon), its storage in the cache, and
// the small pieces every image build uses.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../binaries.ts';
import { REPO_ROOT } from '../components.ts';

const execFileAsync = promisify(execFile);

/** Bump to rebuild every image (the way images are assembled changed). */
export const RECIPE = '1';

/** The Node the project pins (node_modules/node), the one the base images carry. */
export function pinnedNode(): { path: string; version: string } {
  return { path: join(REPO_ROOT, 'node_modules/node/bin/node'), version: process.versions.node };
}

export const imagesDir = () => join(cacheRoot(), 'images');
export const buildahRoot = () => join(cacheRoot(), 'buildah');

export async function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}${stderr}`.split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed:\n${tail}`, { cause: error });
  }
}

export const buildah = (args: string[], cwd?: string) =>
  run(
    'buildah',
    [
      `--root=${join(buildahRoot(), 'root')}`,
      `--runroot=${join(buildahRoot(), 'run')}`,
      '--storage-driver=overlay',
      ...args,
    ],
    { cwd },
  );

export const sha = (...parts: Array<string | Buffer>) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
};

/** Builds `containerfile` in a scratch context holding `files` (name → source path or contents). */
export async function buildScratch(
  ref: string,
  containerfile: string,
  files: Record<string, string | { path: string }>,
): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'orkestra-image-'));
  try {
    writeFileSync(join(context, 'Containerfile'), containerfile);
    for (const [name, source] of Object.entries(files)) {
      if (typeof source === 'string') writeFileSync(join(context, name), source);
      else copyFileSync(source.path, join(context, name));
    }
    await buildah(['build', '--quiet', '--pull=never', '--isolation=chroot', '-t', ref, '.'], context);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
