import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../cluster/control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    chartsUrl: string;
    /** The same charts behind HTTP basic auth, and its credentials. */
    privateChartsUrl: string;
    chartCredentials: { username: string; password: string };
    /** The registry of test charts and staging: oci://<chart host address>:PORT (plain HTTP). */
    registry: string;
    /** The real argo CLI. */
    argo: string;
    /** orkestra-controller's /metrics. */
    controllerMetrics: string;
    /** The kubeconfig of orkestra-controller's ServiceAccount. */
    controllerKubeconfig: string;
  }
}

/**
 * Starts the real control plane once for the integration projects (both share it) and stops it
 * afterwards; a run of the unit project alone starts nothing.
 */
export default async function setup(project: TestProject) {
  if (!project.vitest.projects.some((p) => p.name.startsWith('integration'))) return;
  const plane = await startControlPlane({ log: (line) => process.stderr.write(`[control plane] ${line}\n`) });
  process.stderr.write(
    `[control plane] ready in ${plane.startSeconds.toFixed(1)} s (binaries: ${plane.build.built.length ? `built ${plane.build.built.join(', ')}` : 'cached'})\n`,
  );
  project.provide('kubeconfig', plane.kubeconfig);
  project.provide('chartsUrl', plane.charts.url);
  project.provide('privateChartsUrl', plane.charts.privateUrl);
  project.provide('chartCredentials', plane.charts.credentials);
  project.provide('registry', plane.registry);
  project.provide('argo', plane.argo);
  project.provide('controllerMetrics', plane.controllerMetrics ?? '');
  project.provide('controllerKubeconfig', plane.controllerKubeconfig ?? '');
  return async () => {
    await plane.stop();
  };
}
