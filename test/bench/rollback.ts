// Benchmark (a script, not a test), on a local control plane it starts itself with the controller:
// the time from a failed step to the group fully rolled back. Three times, in fresh namespaces: a
// group a → b → c (c of the fail-upgrade chart) Ready at generation 1; then generation 2 upgrades b
// to 2.0.0 and c to the 2.0.0 that the API server rejects. Measured from the moment a watch sees c's
// step Failed in the forward Workflow to (a) the rollback Workflow existing and (b) the group
// Ready=False with reason RolledBack (b back at 1.0.0, everything as at generation 1). Prints each
// run, then the medians.
// Run: npm run bench:rollback
import { waitFor } from '../cluster/wait.ts';
import type { Obj } from '../integration/kube.ts';
import { firstEvent, groupsPath, median, onBenchPlane, readyAtGeneration, workflowsPath } from './timing.ts';

const RUNS = 3;

function group(namespace: string, chartsUrl: string, version: '1.0.0' | '2.0.0') {
  const app = (name: string, chart: string, dependencies: string[] = []) => ({
    name,
    dependencies,
    spec: {
      chart: { url: chartsUrl, name: chart, version: name === 'a' ? '1.0.0' : version },
      release: { targetNamespace: namespace },
    },
  });
  return {
    apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
    kind: 'ApplicationGroup',
    metadata: { name: 'bench', namespace },
    spec: {
      applications: [
        app('a', 'configmap-app'),
        app('b', 'configmap-app', ['a']),
        app('c', 'fail-upgrade', ['b']),
      ],
    },
  };
}

/** Whether the forward Workflow's step for application `c` has failed. */
const stepOfCFailed = (w: Obj) =>
  w?.metadata?.labels?.['orkestra.azure.microsoft.com/workflow-type'] === 'forward' &&
  Object.values((w?.status?.nodes ?? {}) as Record<string, { displayName?: string; phase?: string }>).some(
    (n) => n.displayName === 'c' && (n.phase === 'Failed' || n.phase === 'Error'),
  );

await onBenchPlane(async ({ kube, config, chartsUrl, kubectlApply }) => {
  const apply = (namespace: string, version: '1.0.0' | '2.0.0') =>
    kubectlApply(group(namespace, chartsUrl, version));
  const toRollbackWorkflow: number[] = [];
  const toRolledBack: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const namespace = await kube.createNamespace(`bench-rollback-${run}`);
    const ready = await firstEvent(config, groupsPath(namespace), (_type, g) => readyAtGeneration(g, 'True'));
    apply(namespace, '1.0.0');
    await ready.at;
    ready.stop();

    const failed = await firstEvent(config, workflowsPath(namespace), (_type, w) => stepOfCFailed(w));
    const rollback = await firstEvent(
      config,
      workflowsPath(namespace),
      (type, w) =>
        type === 'ADDED' &&
        w?.metadata?.labels?.['orkestra.azure.microsoft.com/workflow-type'] === 'rollback',
    );
    const rolledBack = await firstEvent(config, groupsPath(namespace), (_type, g) =>
      readyAtGeneration(g, 'False', 'RolledBack'),
    );
    apply(namespace, '2.0.0');
    const [failedAt, rollbackAt, rolledBackAt] = await Promise.all([failed.at, rollback.at, rolledBack.at]);
    for (const w of [failed, rollback, rolledBack]) w.stop();
    // Fully rolled back: b's installed chart is 1.0.0 again.
    await waitFor(
      'b to be at 1.0.0',
      async () => (await kube.get('v1', 'ConfigMap', namespace, 'b-config'))?.data?.chartVersion === '1.0.0',
      { timeoutMs: 1_000, intervalMs: 100 },
    );
    toRollbackWorkflow.push(rollbackAt - failedAt);
    toRolledBack.push(rolledBackAt - failedAt);
    process.stdout.write(
      `run ${run}: rollback Workflow after ${(rollbackAt - failedAt).toFixed(0).padStart(5)} ms, RolledBack after ${((rolledBackAt - failedAt) / 1000).toFixed(2)} s\n`,
    );
  }
  process.stdout.write(
    `\nstep Failed → rollback Workflow exists: median ${median(toRollbackWorkflow).toFixed(0)} ms (min ${Math.min(...toRollbackWorkflow).toFixed(0)}, max ${Math.max(...toRollbackWorkflow).toFixed(0)})\n` +
      `step Failed → group RolledBack (3 applications, 2 restored): median ${(median(toRolledBack) / 1000).toFixed(2)} s (min ${(Math.min(...toRolledBack) / 1000).toFixed(2)}, max ${(Math.max(...toRolledBack) / 1000).toFixed(2)})\n`,
  );
});
