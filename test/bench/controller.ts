// Benchmark (a script, not a test), on a local control plane it starts itself with the controller:
// for a group of four applications (a → b → d, c → d), ten times in fresh namespaces, the time from
// `kubectl apply` (the real kubectl, started) to (a) its forward Workflow existing and (b) the group
// Ready=True — both seen by watches in this process. Prints each run, then the medians.
// Run: npm run bench:controller
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startControlPlane } from '../cluster/control-plane.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Obj } from '../integration/kube.ts';

const RUNS = 10;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

function group(namespace: string, chartsUrl: string) {
  const app = (name: string, dependencies: string[] = []) => ({
    name,
    dependencies,
    spec: {
      chart: { url: chartsUrl, name: 'configmap-app', version: '1.0.0' },
      release: { targetNamespace: namespace },
    },
  });
  return {
    apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
    kind: 'ApplicationGroup',
    metadata: { name: 'bench', namespace },
    spec: { applications: [app('a'), app('b', ['a']), app('c'), app('d', ['b', 'c'])] },
  };
}

/** Resolves with the time (performance.now()) `seen` first holds for an event on `path`. */
async function firstEvent(config: KubeConfig, path: string, seen: (type: string, object: Obj) => boolean) {
  let request: { abort: () => void } | undefined;
  const at = new Promise<number>((resolve, reject) => {
    new Watch(config)
      .watch(
        path,
        {},
        (type, object) => {
          if (seen(type, object)) resolve(performance.now());
        },
        (error) => error && reject(error),
      )
      .then((r) => {
        request = r;
      }, reject);
  });
  return { at, stop: () => request?.abort() };
}

const plane = await startControlPlane({ log: () => {} });
try {
  const kube = connect(plane.kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  const { kubectl } = ensureTools();
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-bench-'));
  const toWorkflow: number[] = [];
  const toReady: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const namespace = await kube.createNamespace(`bench-${run}`);
    const file = join(dir, `${namespace}.yaml`);
    writeFileSync(file, stringify(group(namespace, plane.charts.url)));
    const workflow = await firstEvent(
      config,
      `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      (type) => type === 'ADDED',
    );
    const ready = await firstEvent(
      config,
      `/apis/orkestra.azure.microsoft.com/v1alpha1/namespaces/${namespace}/applicationgroups`,
      (_type, g) =>
        g?.status?.observedGeneration === g?.metadata?.generation &&
        g?.status?.conditions?.some(
          (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
        ),
    );
    const started = performance.now();
    const applied = spawnSync(kubectl, ['--kubeconfig', plane.kubeconfig, 'apply', '-f', file], {
      encoding: 'utf8',
    });
    if (applied.status !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
    const [workflowAt, readyAt] = await Promise.all([workflow.at, ready.at]);
    workflow.stop();
    ready.stop();
    toWorkflow.push(workflowAt - started);
    toReady.push(readyAt - started);
    process.stdout.write(
      `run ${String(run).padStart(2)}: Workflow after ${(workflowAt - started).toFixed(0).padStart(5)} ms, Ready after ${((readyAt - started) / 1000).toFixed(2)} s\n`,
    );
  }
  process.stdout.write(
    `\nkubectl apply → forward Workflow exists: median ${median(toWorkflow).toFixed(0)} ms (min ${Math.min(...toWorkflow).toFixed(0)}, max ${Math.max(...toWorkflow).toFixed(0)})\n` +
      `kubectl apply → Ready=True (4 applications, 3 levels): median ${(median(toReady) / 1000).toFixed(2)} s (min ${(Math.min(...toReady) / 1000).toFixed(2)}, max ${(Math.max(...toReady) / 1000).toFixed(2)})\n`,
  );
} finally {
  await plane.stop();
}
