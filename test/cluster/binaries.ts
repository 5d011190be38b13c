// Builds (once) and finds the control plane's binaries. Each component is built from its wrapper
// module under test/cluster/go/ into a cache folder keyed by a hash of its go.mod and go.sum, so a
// second run builds nothing. ORKESTRA_TEST_ASSETS=<dir> uses prebuilt binaries from <dir> instead
// (like envtest's KUBEBUILDER_ASSETS).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chartCrdProblems } from '../../scripts/upstream-crds.ts';
import { COMPONENTS, type Component, GO_MODULES, stampFlags } from './components.ts';

export const BINARY_NAMES = COMPONENTS.flatMap((c) => Object.keys(c.binaries));
export type BinaryName = string;

export function cacheRoot(): string {
  return (
    process.env.ORKESTRA_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'orkestra')
  );
}

function componentDir(component: Component): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum'])
    hash.update(readFileSync(join(GO_MODULES, component.module, file)));
  // Binaries stamped differently are different binaries.
  if (component.stamp) hash.update(JSON.stringify(component.stamp));
  if (component.restoredSymlinks) hash.update(JSON.stringify(component.restoredSymlinks));
  return join(
    cacheRoot(),
    'bin',
    `${component.module}-${component.version}-${hash.digest('hex').slice(0, 12)}`,
  );
}

function requireGo(): void {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'The test control plane is built from Go modules, and no `go` command was found. Install Go 1.26 or ' +
        'newer (from go.dev, or a distribution package that new) and put it on PATH, or set ' +
        'ORKESTRA_TEST_ASSETS to a folder holding prebuilt ' +
        BINARY_NAMES.join(', ') +
        '.',
    );
  }
}

function run(command: string, args: string[], cwd: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        log(output);
        reject(new Error(`${command} ${args.join(' ')} in ${cwd} exited ${code}`));
      }
    });
  });
}

/** Output of a command run in `cwd` (for `go mod download -json`). */
function output(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } });
}

/** The pinned version of `module` and its release time, as the Go module proxy records them. */
function moduleRelease(module: string, wrapper: string): { version: string; time: string } {
  const { Version, Info } = JSON.parse(
    output('go', ['mod', 'download', '-json', module], join(GO_MODULES, wrapper)),
  ) as { Version: string; Info: string };
  const { Time } = JSON.parse(readFileSync(Info, 'utf8')) as { Time: string };
  return { version: Version, time: Time };
}

/**
 * The chart installs the CRDs of the Argo and Flux it runs from its own folders, written from the
 * pinned modules by scripts/upstream-crds.ts: a version changed in a go.mod without running it is
 * refused here, naming the files, before a cluster runs controllers on other schemas.
 */
function checkChartCrds(log: (line: string) => void): void {
  requireGo();
  log('Checking the chart’s Argo and Flux CRDs against the pinned modules…');
  const problems = chartCrdProblems();
  if (problems.length > 0) throw new Error(`${problems.join('; ')}: run node scripts/upstream-crds.ts`);
}

export interface BuildReport {
  paths: Record<BinaryName, string>;
  built: string[];
  seconds: number;
}

/**
 * Paths of every binary (or of the `only` components' binaries), building what the cache lacks
 * (components one after the other: 2 cores).
 */
export async function ensureBinaries(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  { only }: { only?: readonly string[] } = {},
): Promise<BuildReport> {
  const started = performance.now();
  const prebuilt = process.env.ORKESTRA_TEST_ASSETS;
  const paths: Record<string, string> = {};
  const built: string[] = [];
  if (prebuilt) {
    for (const name of BINARY_NAMES) {
      const path = join(prebuilt, name);
      if (!existsSync(path)) throw new Error(`ORKESTRA_TEST_ASSETS=${prebuilt} has no ${name}`);
      paths[name] = path;
    }
    return { paths, built, seconds: 0 };
  }
  for (const component of COMPONENTS.filter((c) => !only || only.includes(c.module))) {
    const dir = componentDir(component);
    const missing = Object.keys(component.binaries).some((name) => !existsSync(join(dir, name)));
    if (missing) {
      requireGo();
      log(`Building ${component.module} ${component.version} (cached in ${dir})…`);
      const partial = `${dir}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      let scratch: string | undefined;
      try {
        let moduleDir = join(GO_MODULES, component.module);
        const flags: string[] = [];
        if (component.embedPlaceholders || component.restoredSymlinks) {
          scratch = mkdtempSync(join(tmpdir(), `orkestra-${component.module}-`));
          moduleDir = scratch;
          cpSync(join(GO_MODULES, component.module), moduleDir, { recursive: true });
          await run('go', ['mod', 'vendor', '-e'], moduleDir, log);
          for (const [path, content] of Object.entries(component.embedPlaceholders ?? {})) {
            mkdirSync(dirname(join(moduleDir, path)), { recursive: true });
            writeFileSync(join(moduleDir, path), content);
          }
          for (const [path, target] of Object.entries(component.restoredSymlinks ?? {}))
            cpSync(join(moduleDir, target), join(moduleDir, path));
          flags.push('-mod=vendor');
        }
        if (component.stamp) {
          const ldflags = stampFlags(
            component.stamp,
            moduleRelease(component.stamp.module, component.module),
          );
          flags.push(`-ldflags=${ldflags}`);
        }
        const packages = Object.values(component.binaries);
        await run('go', ['build', '-trimpath', ...flags, '-o', `${partial}/`, ...packages], moduleDir, log);
      } catch (error) {
        rmSync(partial, { recursive: true, force: true });
        throw error;
      } finally {
        if (scratch) rmSync(scratch, { recursive: true, force: true });
      }
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
      built.push(component.module);
    }
    for (const name of Object.keys(component.binaries)) paths[name] = join(dir, name);
  }
  if (!only) checkChartCrds(log);
  return { paths, built, seconds: (performance.now() - started) / 1000 };
}
