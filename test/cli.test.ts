// The bundled `orkestra` CLI (dist/orkestra.js, built by `npm test` first) run as a user runs it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist/orkestra.js');

function orkestra(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cyclic = `
apiVersion: orkestra.azure.microsoft.com/v1alpha1
kind: ApplicationGroup
metadata: {name: loop}
spec:
  applications:
    - {name: a, dependencies: [c], spec: {chart: {url: "https://charts.example/", name: a}}}
    - {name: b, dependencies: [a], spec: {chart: {url: "https://charts.example/", name: b}}}
    - {name: c, dependencies: [b], spec: {chart: {url: "https://charts.example/"}}}
`;

describe('orkestra CLI', () => {
  it('render prints the bookinfo Workflow: ambassador → bookinfo, and its nested subchart DAG', () => {
    const { code, stdout, stderr } = orkestra(['render', 'examples/bookinfo.yaml']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [workflow] = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(workflow.kind).toBe('Workflow');
    const dag = (name: string) =>
      workflow.spec.templates.find((t: { name: string }) => t.name === name).dag.tasks;
    expect(
      dag('forward').map((t: { name: string; dependencies?: string[] }) => [t.name, t.dependencies ?? []]),
    ).toEqual([
      ['ambassador', []],
      ['bookinfo', ['ambassador']],
    ]);
    expect(
      dag('app-bookinfo').map((t: { name: string; dependencies?: string[] }) => [
        t.name,
        t.dependencies ?? [],
      ]),
    ).toEqual([
      ['stage', []],
      ['ratings', ['stage']],
      ['details', ['stage']],
      ['reviews', ['details', 'ratings']],
      ['productpage', ['reviews']],
      ['bookinfo', ['productpage']],
    ]);
  });

  const registry = 'oci://orkestra-registry.orkestra.svc:5000/staging';
  // examples/bookinfo.yaml's parent chart, in its namespace's folder, below a hash of its repository URL.
  const bookinfo = `default/bookinfo-${createHash('sha256').update('https://nitishm.github.io/istio-bookinfo-chart').digest('hex')}`;
  it.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
    [
      'by default to the registry the chart installs, over plain HTTP',
      [],
      { 'staging-url': registry, 'staging-plain-http': 'true' },
      // The chart's registry: pulled with the namespace's own credentials (Secret orkestra-staging).
      {
        type: 'oci',
        url: `${registry}/${bookinfo}`,
        interval: '5m',
        insecure: true,
        secretRef: { name: 'orkestra-staging' },
      },
    ],
    [
      'to --staging-url, over HTTPS',
      ['--staging-url', 'oci://registry.example/team'],
      { 'staging-url': 'oci://registry.example/team', 'staging-plain-http': 'false' },
      { type: 'oci', url: `oci://registry.example/team/${bookinfo}`, interval: '5m' },
    ],
    [
      'to --staging-url over plain HTTP with --staging-plain-http',
      ['--staging-url', 'oci://10.0.0.5:5000/s', '--staging-plain-http'],
      { 'staging-url': 'oci://10.0.0.5:5000/s', 'staging-plain-http': 'true' },
      { type: 'oci', url: `oci://10.0.0.5:5000/s/${bookinfo}`, interval: '5m', insecure: true },
    ],
    [
      'to the chart’s registry at another address, pulled with --staging-secret',
      [
        '--staging-url',
        'oci://10.96.0.50:5000/staging',
        '--staging-plain-http',
        '--staging-secret',
        'orkestra-staging',
      ],
      { 'staging-url': 'oci://10.96.0.50:5000/staging', 'staging-plain-http': 'true' },
      {
        type: 'oci',
        url: `oci://10.96.0.50:5000/staging/${bookinfo}`,
        interval: '5m',
        insecure: true,
        secretRef: { name: 'orkestra-staging' },
      },
    ],
    [
      'to the default registry with --staging-secret "": no credentials',
      ['--staging-secret', ''],
      { 'staging-url': registry },
      { type: 'oci', url: `${registry}/${bookinfo}`, interval: '5m', insecure: true },
    ],
  ])('render stages subcharts %s', (_, args, stage, source) => {
    const { code, stdout, stderr } = orkestra(['render', 'examples/bookinfo.yaml', ...args]);
    expect(code, stderr).toBe(0);
    const [workflow] = parseAllDocuments(stdout).map((d) => d.toJS());
    const tasks = workflow.spec.templates.find((t: { name: string }) => t.name === 'app-bookinfo').dag.tasks;
    const parameters = (task: string) =>
      Object.fromEntries(
        tasks
          .find((t: { name: string }) => t.name === task)
          .arguments.parameters.map((p: { name: string; value: string }) => [p.name, p.value]),
      );
    expect(parameters('stage')).toMatchObject(stage);
    expect(JSON.parse(parameters('reviews').source).spec).toEqual(source);
  });

  it('render refuses a staging URL that is not oci:// (exit 2)', () => {
    const { code, stderr } = orkestra([
      'render',
      'examples/bookinfo.yaml',
      '--staging-url',
      'http://charts.example',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--staging-url: "http://charts.example" is not an oci://HOST[:PORT][/PATH] URL');
  });

  it('render --dag-task-limit 3 splits the demo DAG of 4 into parts, frontend waiting on the node of api; 1 is refused (exit 2)', () => {
    const { code, stdout } = orkestra(['render', 'examples/demo.yaml', '--dag-task-limit', '3']);
    expect(code).toBe(0);
    const [workflow] = parseAllDocuments(stdout).map((d) => d.toJS());
    const templates = workflow.spec.templates as Array<{ name: string; dag?: { tasks: unknown[] } }>;
    expect(templates.find((t) => t.name === 'forward')?.dag?.tasks).toEqual([
      { name: 'part-1', template: 'forward-part-1' },
      { name: 'part-2', template: 'forward-part-2' },
    ]);
    expect(templates.find((t) => t.name === 'forward-part-2')?.dag?.tasks).toEqual([
      expect.objectContaining({ name: 'wait-api' }),
      expect.objectContaining({ name: 'frontend', dependencies: ['wait-api'] }),
    ]);
    const refused = orkestra(['render', 'examples/bookinfo.yaml', '--dag-task-limit', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--dag-task-limit must be a whole number from 2 to 200 (got 1)');
  });

  it('render reads standard input for - and handles several documents', () => {
    const text = `${readFileSync(join(root, 'examples/bookinfo.yaml'), 'utf8')}\n---\n`;
    const second = text.replace('name: bookinfo\nspec', 'name: bookinfo-2\nspec');
    const { code, stdout } = orkestra(['render', '-', '--namespace', 'shop'], `${text}${second}`);
    expect(code).toBe(0);
    const names = parseAllDocuments(stdout).map((d) => d.toJS().metadata);
    expect(names).toEqual([
      expect.objectContaining({ name: 'bookinfo-g1-forward', namespace: 'shop' }),
      expect.objectContaining({ name: 'bookinfo-2-g1-forward', namespace: 'shop' }),
    ]);
  });

  it('validate exits 1 on a cycle and lists every problem, the cycle printed along its path', () => {
    const { code, stdout, stderr } = orkestra(['validate', '-'], cyclic);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('standard input is invalid:');
    expect(stderr).toContain('-#1 (loop) spec.applications[2].spec.chart.name: is required');
    expect(stderr).toContain('-#1 (loop) spec.applications: dependency cycle: a → c → b → a');
  });

  it('validate exits 0 on a valid group', () => {
    const { code, stdout } = orkestra(['validate', 'examples/bookinfo.yaml']);
    expect(code).toBe(0);
    expect(stdout).toBe('ApplicationGroup bookinfo is valid (2 applications)\n');
  });

  it('validate names malformed YAML and a missing file; usage errors exit 2', () => {
    expect(orkestra(['validate', '-'], 'a: [').stderr).toContain('malformed YAML');
    const missing = orkestra(['validate', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
    expect(orkestra(['frobnicate']).code).toBe(2);
  });

  it.each([
    ['text', 'bookinfo/reviews        ← bookinfo/details, bookinfo/ratings'],
    ['mermaid', 'subgraph c0["bookinfo"]'],
    ['dot', 'subgraph cluster_c0 {'],
  ])('graph --format %s draws the release order', (format, expected) => {
    const { code, stdout } = orkestra(['graph', 'examples/bookinfo.yaml', '--format', format]);
    expect(code).toBe(0);
    expect(stdout).toContain(expected);
  });
});
