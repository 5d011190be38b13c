// One group shape (which release depends on which), rolled out four ways on the local cluster, each
// timed by watches from just before anything is applied until every release is Ready:
// - Orkestra: an ApplicationGroup through the controller, Argo and the executor;
// - Flux `dependsOn`: the releases Orkestra's steps would apply, all at once, each HelmRelease naming
//   the ones it depends on (helm-controller checks them again every --requeue-dependency): on the
//   chart's Flux (5 s), or on a helm-controller at Flux's defaults (30 s);
// - the floor: the same releases applied by this script one after another, each once the one
//   before is Ready, on the chart's Flux as Orkestra's are.
import { topologicalOrder } from '../../controller/src/expand/graph.ts';
import { renderApplicationRelease } from '../../controller/src/expand/helm-release.ts';
import {
  APPLICATION_GROUP_API_VERSION,
  APPLICATION_GROUP_KIND,
  type ApplicationGroup,
  type DagNode,
} from '../../lib/api/application-group.ts';
import { FLUX_SHARD_LABEL, RELEASE_SERVICE_ACCOUNT } from '../../lib/wire-names.ts';
import { FLUX_SHARD_LABELS, type Obj, releaseNamespace } from '../integration/kube.ts';
import { trackReleases } from './release-tracker.ts';
import { type BenchPlane, firstEvent, groupsPath, readyAtGeneration, workflowsPath } from './timing.ts';

export interface Shape {
  /** What it is, e.g. `chain of 10`. */
  label: string;
  releases: DagNode[];
}

/** `size` releases, each depending on the one before. */
export const chainShape = (size: number): Shape => ({
  label: `chain of ${size}`,
  releases: Array.from({ length: size }, (_, i) => ({
    name: `r${i}`,
    dependencies: i > 0 ? [`r${i - 1}`] : [],
  })),
});

/** One release, then `width` that depend on it, then one that depends on them all. */
export const fanShape = (width: number): Shape => {
  const middle = Array.from({ length: width }, (_, i) => ({ name: `m${i}`, dependencies: ['first'] }));
  return {
    label: `fan-out/fan-in 1 → ${width} → 1`,
    releases: [
      { name: 'first', dependencies: [] },
      ...middle,
      { name: 'last', dependencies: middle.map((m) => m.name) },
    ],
  };
};

export interface Rollout {
  /** Seconds from apply to every release Ready. */
  seconds: number;
  /** The most releases installing at once. */
  peakInstalling: number;
  /** Seconds from apply to the forward Workflow existing (Orkestra only). */
  workflowSeconds?: number;
}

/** The shape as an ApplicationGroup of tiny ConfigMap charts, released into its own namespace. */
export function benchGroup(
  namespace: string,
  chartsUrl: string,
  shape: Shape,
  parallelism?: number,
): ApplicationGroup {
  return {
    apiVersion: APPLICATION_GROUP_API_VERSION,
    kind: APPLICATION_GROUP_KIND,
    metadata: { name: 'bench', namespace },
    spec: {
      ...(parallelism ? { parallelism } : {}),
      applications: shape.releases.map((r) => ({
        name: r.name,
        dependencies: r.dependencies ?? [],
        spec: {
          chart: { url: chartsUrl, name: 'configmap-app', version: '1.0.0' },
          release: { targetNamespace: namespace },
        },
      })),
    },
  };
}

/** What Orkestra's steps would apply for the group: per release its chart source and HelmRelease. */
function releaseObjects(group: ApplicationGroup, namespace: string) {
  // What Orkestra's own would be under the default policy: run as the namespace's orkestra-release.
  const policy = { serviceAccountName: RELEASE_SERVICE_ACCOUNT, createNamespace: false };
  const context = {
    group,
    namespace,
    stagingUrl: 'oci://unused',
    stagingPlainHttp: true,
    stagingSecret: '',
    policy,
  };
  return group.spec.applications.map((app) => {
    const { source, helmRelease, ...rest } = renderApplicationRelease(context, app);
    // For the chart's Flux shard, as the executor labels what it applies (its HelmChart too).
    const shard = FLUX_SHARD_LABELS;
    return {
      ...rest,
      source: {
        ...source,
        metadata: { ...source.metadata, labels: { ...source.metadata.labels, ...shard } },
      },
      helmRelease: {
        ...helmRelease,
        metadata: { ...helmRelease.metadata, labels: { ...helmRelease.metadata.labels, ...shard } },
        spec: { ...helmRelease.spec, chart: { ...helmRelease.spec.chart, metadata: { labels: shard } } },
      },
    };
  });
}

const seconds = (from: number, to: number) => (to - from) / 1000;

export async function rolloutOrkestra(
  plane: BenchPlane,
  shape: Shape,
  parallelism?: number,
): Promise<Rollout> {
  const namespace = await plane.kube.createNamespace('bench-orkestra');
  const releases = await trackReleases(plane.config, namespace);
  const workflow = await firstEvent(plane.config, workflowsPath(namespace), (type) => type === 'ADDED');
  const ready = await firstEvent(plane.config, groupsPath(namespace), (_t, g) =>
    readyAtGeneration(g, 'True'),
  );
  try {
    const started = performance.now();
    plane.kubectlApply(benchGroup(namespace, plane.chartsUrl, shape, parallelism));
    const [workflowAt, readyAt] = await Promise.all([workflow.at, ready.at]);
    return {
      seconds: seconds(started, readyAt),
      peakInstalling: releases.peakInstalling(),
      workflowSeconds: seconds(started, workflowAt),
    };
  } finally {
    for (const watch of [releases, workflow, ready]) watch.stop();
  }
}

/**
 * Every release at once, each HelmRelease with `dependsOn`, on the chart's Flux (5 s); with
 * `shard`, each HelmRelease labelled for the host's helm-controller shard of that key (at Flux's
 * defaults) instead, its chart still built by the chart's source-controller.
 */
export async function rolloutFlux(plane: BenchPlane, shape: Shape, shard?: string): Promise<Rollout> {
  const namespace = await releaseNamespace(plane.kube, 'bench-flux');
  const group = benchGroup(namespace, plane.chartsUrl, shape);
  const objects: Obj[] = releaseObjects(group, namespace).flatMap(({ source, helmRelease }) => {
    const dependencies = group.spec.applications.find(
      (a) => a.name === helmRelease.metadata.name,
    )?.dependencies;
    const labels = { ...helmRelease.metadata.labels, ...(shard ? { [FLUX_SHARD_LABEL]: shard } : {}) };
    return [
      source as Obj,
      {
        ...helmRelease,
        metadata: { ...helmRelease.metadata, labels },
        spec: { ...helmRelease.spec, dependsOn: (dependencies ?? []).map((name) => ({ name })) },
      } as Obj,
    ];
  });
  const releases = await trackReleases(plane.config, namespace);
  try {
    const started = performance.now();
    plane.kubectlApply(...objects);
    const readyAt = await releases.allReady(shape.releases.map((r) => r.name));
    return { seconds: seconds(started, readyAt), peakInstalling: releases.peakInstalling() };
  } finally {
    releases.stop();
  }
}

/** The releases one after another in dependency order, each applied once the one before is Ready. */
export async function rolloutFloor(plane: BenchPlane, shape: Shape): Promise<Rollout> {
  const namespace = await releaseNamespace(plane.kube, 'bench-floor');
  const group = benchGroup(namespace, plane.chartsUrl, shape);
  const byName = new Map(releaseObjects(group, namespace).map((r) => [r.name, r]));
  const releases = await trackReleases(plane.config, namespace);
  try {
    const started = performance.now();
    let readyAt = started;
    for (const name of topologicalOrder(shape.releases)) {
      const release = byName.get(name);
      if (!release) throw new Error(`no release ${name}`);
      await plane.kube.apply(release.source as Obj);
      await plane.kube.apply(release.helmRelease as Obj);
      readyAt = await releases.allReady([name]);
    }
    return { seconds: seconds(started, readyAt), peakInstalling: releases.peakInstalling() };
  } finally {
    releases.stop();
  }
}
