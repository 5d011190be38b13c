// What the benchmark scripts share: a control plane of their own, `kubectl apply`, a median, and
// the moment a watch first sees an event.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { type ControlPlane, type StartOptions, startControlPlane } from '../cluster/control-plane.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj } from '../integration/kube.ts';

export interface BenchPlane {
  kube: Kube;
  config: KubeConfig;
  chartsUrl: string;
  /**
   * `kubectl apply --server-side -f` of the objects, one file (the real kubectl, run to completion);
   * server-side, since a client-side apply keeps the whole object in an annotation of at most 256 KiB.
   */
  kubectlApply: (...objects: object[]) => void;
  /** The control plane itself (its processes, kubeconfig). */
  plane: ControlPlane;
}

/** Runs `bench` on a local control plane with the controller, started for it and stopped after. */
export async function onBenchPlane(
  bench: (plane: BenchPlane) => Promise<void>,
  options: StartOptions = {},
): Promise<void> {
  const plane = await startControlPlane({ log: () => {}, ...options });
  try {
    const config = new KubeConfig();
    config.loadFromFile(plane.kubeconfig);
    const { kubectl } = ensureTools();
    const dir = mkdtempSync(join(tmpdir(), 'orkestra-bench-'));
    let files = 0;
    await bench({
      kube: connect(plane.kubeconfig),
      config,
      chartsUrl: plane.charts.url,
      plane,
      kubectlApply: (...objects) => {
        const file = join(dir, `apply-${++files}.yaml`);
        writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
        const applied = spawnSync(
          kubectl,
          ['--kubeconfig', plane.kubeconfig, 'apply', '--server-side', '-f', file],
          {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        if (applied.status !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
      },
    });
  } finally {
    await plane.stop();
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Follows the watch events of `path` until stopped: when the API server ends a watch (as it does
 * after a while) or it fails, a new one starts, which lists every object again as ADDED; so
 * `onEvent` must not mind seeing an object twice.
 */
export async function follow(
  config: KubeConfig,
  path: string,
  onEvent: (type: string, object: Obj) => void,
): Promise<{ stop: () => void }> {
  let stopped = false;
  let request: { abort: () => void } | undefined;
  const start = async (): Promise<void> => {
    request = await new Watch(config).watch(path, {}, onEvent, () => {
      if (!stopped) setTimeout(() => void start().catch(() => setTimeout(start, 1000)), 100);
    });
  };
  await start();
  return {
    stop: () => {
      stopped = true;
      request?.abort();
    },
  };
}

/** Resolves with the time (performance.now()) `seen` first holds for an event on `path`. */
export async function firstEvent(
  config: KubeConfig,
  path: string,
  seen: (type: string, object: Obj) => boolean,
) {
  let resolveAt!: (at: number) => void;
  const at = new Promise<number>((resolve) => {
    resolveAt = resolve;
  });
  const watch = await follow(config, path, (type, object) => {
    if (seen(type, object)) resolveAt(performance.now());
  });
  return { at, stop: watch.stop };
}

/** A group's watch path in `namespace`. */
export const groupsPath = (namespace: string) =>
  `/apis/orkestra.azure.microsoft.com/v1alpha1/namespaces/${namespace}/applicationgroups`;

/** A Workflows watch path in `namespace`. */
export const workflowsPath = (namespace: string) =>
  `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`;

/** Whether the group's Ready condition, at its current generation, has `status` (and `reason`). */
export function readyAtGeneration(g: Obj, status: 'True' | 'False', reason?: string): boolean {
  return (
    g?.status?.observedGeneration === g?.metadata?.generation &&
    g?.status?.conditions?.some(
      (c: { type: string; status: string; reason: string }) =>
        c.type === 'Ready' && c.status === status && (reason === undefined || c.reason === reason),
    )
  );
}
