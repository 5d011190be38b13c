// Benchmark (a script, not a test), on a local control plane it starts itself with the controller:
// for a group of four applications (a → b → d, c → d), ten times in fresh namespaces, the time from
// `kubectl apply` (the real kubectl, started) to (a) its forward Workflow existing and (b) the group
// Ready=True — both seen by watches in this process. Prints each run, then the medians.
// Run: npm run bench:controller
import { firstEvent, groupsPath, median, onBenchPlane, readyAtGeneration, workflowsPath } from './timing.ts';

const RUNS = 10;

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

await onBenchPlane(async ({ kube, config, chartsUrl, kubectlApply }) => {
  const toWorkflow: number[] = [];
  const toReady: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const namespace = await kube.createNamespace(`bench-${run}`);
    const workflow = await firstEvent(config, workflowsPath(namespace), (type) => type === 'ADDED');
    const ready = await firstEvent(config, groupsPath(namespace), (_type, g) => readyAtGeneration(g, 'True'));
    const started = performance.now();
    kubectlApply(group(namespace, chartsUrl));
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
});
