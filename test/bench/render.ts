// Benchmark (a script, not a test): how long rendering a forward Workflow takes and how large the
// Workflow is, for groups of 10 to 5,000 applications. Targets: 1,000 applications < 50 ms and a
// Workflow < 1 MiB (etcd refuses objects over 1.5 MiB).
// Run: npm run bench

import { renderForwardWorkflow } from '../../controller/src/expand/forward-workflow.ts';
import type { Application, ApplicationGroup } from '../../lib/api/application-group.ts';

/** Values of the size and shape real charts get: images, resources, ingress, a few lists. */
function realisticValues(i: number) {
  return {
    replicaCount: 1 + (i % 3),
    image: {
      repository: `registry.example/team-${i % 17}/service-${i}`,
      tag: `1.${i % 40}.${i % 7}`,
      pullPolicy: 'IfNotPresent',
    },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    service: { type: 'ClusterIP', port: 8080 },
    ingress: {
      enabled: i % 2 === 0,
      className: 'nginx',
      hosts: [{ host: `service-${i}.apps.example.org`, paths: [{ path: '/', pathType: 'Prefix' }] }],
      annotations: {
        'cert-manager.io/cluster-issuer': 'letsencrypt',
        'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
      },
    },
    env: Array.from({ length: 6 }, (_, j) => ({ name: `SETTING_${j}`, value: `value-${i}-${j}` })),
    podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  };
}

function group(size: number): ApplicationGroup {
  const applications: Application[] = Array.from({ length: size }, (_, i) => ({
    name: `service-${i}`,
    // Layers of ten: each application depends on two of the layer before.
    dependencies:
      i >= 10
        ? [`service-${i - 10}`, `service-${i - 10 - (i % 10 === 0 ? 0 : 1)}`].filter(
            (d, k, all) => all.indexOf(d) === k,
          )
        : [],
    spec: {
      chart: { url: 'https://charts.example/stable/', name: `chart-${i % 50}`, version: '1.2.3' },
      // Every tenth application is an umbrella chart with three subcharts.
      subcharts:
        i % 10 === 5
          ? [{ name: 'api', dependencies: ['db'] }, { name: 'db' }, { name: 'worker', dependencies: ['db'] }]
          : undefined,
      release: { targetNamespace: `team-${i % 17}`, timeout: '10m', values: realisticValues(i) },
    },
  }));
  return {
    apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
    kind: 'ApplicationGroup',
    metadata: {
      name: `bench-${size}`,
      namespace: 'bench',
      uid: '00000000-0000-0000-0000-000000000000',
      generation: 1,
    },
    spec: { applications },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const MiB = 1024 * 1024;
console.log(
  'applications  render median (ms)  runs  mode     Workflow bytes  bundle ConfigMaps  bundle bytes',
);
for (const size of [10, 100, 1000, 5000]) {
  const input = group(size);
  const runs = size >= 5000 ? 5 : 20;
  renderForwardWorkflow(input); // warm-up
  const times: number[] = [];
  let result = renderForwardWorkflow(input);
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = renderForwardWorkflow(input);
    times.push(performance.now() - start);
  }
  const workflowBytes = Buffer.byteLength(JSON.stringify(result.workflow));
  const bundleBytes = result.configMaps.reduce((sum, cm) => sum + Buffer.byteLength(JSON.stringify(cm)), 0);
  console.log(
    [
      String(size).padStart(12),
      median(times).toFixed(1).padStart(18),
      String(runs).padStart(5),
      (result.configMaps.length > 0 ? 'bundles' : 'inline').padEnd(7),
      String(workflowBytes).padStart(15),
      String(result.configMaps.length).padStart(18),
      String(bundleBytes).padStart(13),
    ].join('  '),
  );
  if (size === 1000) {
    const ms = median(times);
    console.log(
      `# 1,000 applications: render ${ms.toFixed(1)} ms (target < 50 ms: ${ms < 50 ? 'met' : 'MISSED'}), ` +
        `Workflow ${(workflowBytes / MiB).toFixed(3)} MiB (target < 1 MiB: ${workflowBytes < MiB ? 'met' : 'MISSED'})`,
    );
  }
}
