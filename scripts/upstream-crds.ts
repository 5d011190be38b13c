// Writes the CRDs of the Argo and Flux the chart installs (chart/orkestra/charts/{argo,flux}-crds/crds/)
// from the Go modules the test cluster pins (test/cluster/go/*/go.mod), as `go mod download` gives
// them: nothing upstream is copied by hand. Needs Go. `--check` writes nothing and exits 1 if a file
// on disk differs, is missing or is left over; the test cluster's build checks the same.
//
//   node scripts/upstream-crds.ts [--check]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENTS, GO_MODULES, REPO_ROOT } from '../test/cluster/components.ts';

/** Where a subchart's CRDs live. */
export function chartCrdDir(chart: string): string {
  return join(REPO_ROOT, 'chart/orkestra/charts', chart, 'crds');
}

/** The CRD files a module folder holds (upstream's kustomization and README are not CRDs). */
function crdFileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .sort();
}

/** Each subchart's files, name → content, each headed by where it came from. */
export function upstreamCrds(): Map<string, Map<string, string>> {
  const charts = new Map<string, Map<string, string>>();
  for (const component of COMPONENTS) {
    if (!component.crds) continue;
    const { module, dir, chart } = component.crds;
    const { Dir, Version } = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', module], {
        cwd: join(GO_MODULES, component.module),
        encoding: 'utf8',
      }),
    ) as { Dir: string; Version: string };
    const files = charts.get(chart) ?? new Map<string, string>();
    for (const file of crdFileNames(join(Dir, dir))) {
      const header = `# ${module}@${Version} ${dir}/${file}, written by scripts/upstream-crds.ts: do not edit.\n`;
      files.set(file, header + readFileSync(join(Dir, dir, file), 'utf8'));
    }
    charts.set(chart, files);
  }
  return charts;
}

/** What differs between the chart's CRD files and the pinned modules' (empty: nothing). */
export function chartCrdProblems(charts = upstreamCrds()): string[] {
  const problems: string[] = [];
  for (const [chart, files] of charts) {
    const present = new Set(existsSync(chartCrdDir(chart)) ? crdFileNames(chartCrdDir(chart)) : []);
    for (const [file, content] of files) {
      if (!present.delete(file)) problems.push(`${chart}/crds/${file} is missing`);
      else if (readFileSync(join(chartCrdDir(chart), file), 'utf8') !== content)
        problems.push(`${chart}/crds/${file} differs from the pinned module`);
    }
    for (const file of present) problems.push(`${chart}/crds/${file} is in no pinned module`);
  }
  return problems;
}

function write(charts: Map<string, Map<string, string>>): void {
  for (const [chart, files] of charts) {
    const target = chartCrdDir(chart);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const [file, content] of files) writeFileSync(join(target, file), content);
    process.stdout.write(`wrote ${files.size} CRDs into chart/orkestra/charts/${chart}/crds\n`);
  }
}

if (import.meta.main) {
  const charts = upstreamCrds();
  if (process.argv.includes('--check')) {
    const problems = chartCrdProblems(charts);
    for (const problem of problems) process.stderr.write(`${problem}; run node scripts/upstream-crds.ts\n`);
    process.exitCode = problems.length > 0 ? 1 : 0;
  } else write(charts);
}
