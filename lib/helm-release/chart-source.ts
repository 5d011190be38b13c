// PURE: the chart source a HelmRelease waits on, and what its status says. helm-controller reports a
// chart that cannot be fetched as `Ready=False, SourceNotReady` — transient to it, so the release
// would wait out its whole timeout — while source-controller has already given up: the HelmChart is
// `Stalled=True` (`InvalidChartReference`: no such chart, or no such version). Shapes recorded from
// source-controller v1.9.3 and helm-controller v1.6.4 on the test control plane.
import type { HelmRelease } from '../api/flux.ts';
import type { Condition } from '../api/meta.ts';
import { evaluateRelease, type Verdict } from './verdict.ts';

export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';

/** The object a HelmRelease takes its chart from. */
export interface ChartSourceRef {
  kind: 'HelmChart' | 'OCIRepository';
  plural: 'helmcharts' | 'ocirepositories';
  namespace: string;
  name: string;
}

/** A HelmChart or OCIRepository as far as this file reads it. */
export interface ChartSourceObject {
  metadata: { generation?: number };
  spec?: { chart?: string; version?: string; sourceRef?: { kind?: string; name?: string } };
  status?: { conditions?: Condition[] };
}

/**
 * `spec.chart` → the HelmChart helm-controller makes for it, named `<namespace>-<name>` beside its
 * source; `spec.chartRef` → the OCIRepository (or HelmChart) it names.
 */
export function chartSourceOf(release: HelmRelease): ChartSourceRef | undefined {
  const namespace = release.metadata.namespace ?? 'default';
  const ref = release.spec.chartRef as { kind?: string; name: string; namespace?: string } | undefined;
  if (ref) {
    const kind = ref.kind === 'HelmChart' ? 'HelmChart' : 'OCIRepository';
    return {
      kind,
      plural: kind === 'HelmChart' ? 'helmcharts' : 'ocirepositories',
      namespace: ref.namespace ?? namespace,
      name: ref.name,
    };
  }
  const chart = release.spec.chart?.spec;
  if (!chart) return undefined;
  return {
    kind: 'HelmChart',
    plural: 'helmcharts',
    namespace: chart.sourceRef.namespace ?? namespace,
    name: `${namespace}-${release.metadata.name}`,
  };
}

/**
 * Whether the source is about the chart this release asks for: helm-controller rewrites its
 * HelmChart when the release's chart changes, and until then the HelmChart (perhaps stalled on a
 * version the release no longer asks for) says nothing about this generation.
 */
function describesRelease(release: HelmRelease, ref: ChartSourceRef, source: ChartSourceObject): boolean {
  const chart = release.spec.chart?.spec;
  if (ref.kind !== 'HelmChart' || !chart || release.spec.chartRef) return true;
  return (
    source.spec?.chart === chart.chart &&
    (source.spec?.version ?? '*') === (chart.version ?? '*') &&
    source.spec?.sourceRef?.name === chart.sourceRef.name
  );
}

/** A failed verdict when the source gave up for good (Stalled=True of its generation), else undefined. */
export function evaluateChartSource(
  release: HelmRelease,
  source: ChartSourceObject | undefined,
): Verdict | undefined {
  const ref = chartSourceOf(release);
  if (!ref || !source || !describesRelease(release, ref, source)) return undefined;
  const generation = source.metadata.generation;
  const stalled = source.status?.conditions?.find(
    (c) => c.type === 'Stalled' && c.status === 'True' && (c.observedGeneration ?? generation) === generation,
  );
  if (!stalled) return undefined;
  return {
    phase: 'Failed',
    reason: stalled.reason,
    message: `${ref.kind} ${ref.namespace}/${ref.name}: ${stalled.message}`,
  };
}

/** The release's verdict, failed early when its chart source has given up while it still waits. */
export function evaluateProbe(
  release: HelmRelease,
  source: ChartSourceObject | undefined,
  generation = release.metadata.generation ?? 0,
): Verdict {
  const verdict = evaluateRelease(release, generation);
  if (verdict.phase !== 'Progressing') return verdict;
  return evaluateChartSource(release, source) ?? verdict;
}
