// Status shapes recorded from source-controller v1.9.3 and helm-controller v1.6.4 on the test control
// plane: a HelmRelease whose chart version, chart or repository does not exist, and its HelmChart.
import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../api/flux.ts';
import type { Condition } from '../api/meta.ts';
import { type ChartSourceObject, chartSourceOf, evaluateProbe } from './chart-source.ts';
import type { ReleasePhase } from './verdict.ts';

type Row = [type: string, status: Condition['status'], reason: string, observedGeneration: number];
const conditions = (rows: Row[]): Condition[] =>
  rows.map(([type, status, reason, observedGeneration]) => ({
    type,
    status,
    reason,
    observedGeneration,
    message: `${type} ${reason}`,
    lastTransitionTime: '2026-11-26T16:32:45Z',
  }));

/** HelmRelease shapes/app asking for configmap-app `version`; helm-controller waits on its source. */
const release = (version: string, generation = 1): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'app', namespace: 'shapes', generation },
  spec: {
    interval: '10m',
    chart: {
      spec: { chart: 'configmap-app', version, sourceRef: { kind: 'HelmRepository', name: 'fixtures' } },
    },
  },
  status: {
    observedGeneration: -1,
    conditions: conditions([
      ['Reconciling', 'True', 'Progressing', generation],
      ['Ready', 'False', 'SourceNotReady', generation],
    ]),
  },
});

/** Its HelmChart shapes/shapes-app, for `version`, in the state `rows` say. */
const helmChart = (version: string, rows: Row[], generation = 1): ChartSourceObject => ({
  metadata: { generation },
  spec: { chart: 'configmap-app', version, sourceRef: { kind: 'HelmRepository', name: 'fixtures' } },
  status: { conditions: conditions(rows) },
});

const noSuchVersion: Row[] = [
  ['Stalled', 'True', 'InvalidChartReference', 1],
  ['Ready', 'False', 'InvalidChartReference', 1],
  ['FetchFailed', 'True', 'InvalidChartReference', 1],
];
const noSuchRepository: Row[] = [
  ['Reconciling', 'True', 'ProgressingWithRetry', 1],
  ['Ready', 'False', 'SourceUnavailable', 1],
  ['FetchFailed', 'True', 'SourceUnavailable', 1],
];

describe('chartSourceOf', () => {
  it('a chart template → the HelmChart helm-controller makes, <namespace>-<name> beside the repository', () => {
    expect(chartSourceOf(release('1.0.0'))).toEqual({
      kind: 'HelmChart',
      plural: 'helmcharts',
      namespace: 'shapes',
      name: 'shapes-app',
    });
  });

  it('a chartRef → the OCIRepository it names', () => {
    const ref = {
      ...release('1.0.0'),
      spec: { interval: '1m', chartRef: { kind: 'OCIRepository' as const, name: 'oci', namespace: 'src' } },
    };
    expect(chartSourceOf(ref)).toEqual({
      kind: 'OCIRepository',
      plural: 'ocirepositories',
      namespace: 'src',
      name: 'oci',
    });
  });
});

describe('evaluateProbe', () => {
  it.each<[string, HelmRelease, ChartSourceObject | undefined, ReleasePhase, string]>([
    [
      'a source not seen yet → Progressing (as the release says)',
      release('9.9.9'),
      undefined,
      'Progressing',
      'SourceNotReady',
    ],
    [
      'a version that does not exist: the HelmChart stalled → Failed at once, with its reason',
      release('9.9.9'),
      helmChart('9.9.9', noSuchVersion),
      'Failed',
      'InvalidChartReference',
    ],
    [
      'a repository that does not exist (yet): retried by source-controller → Progressing',
      release('1.0.0'),
      helmChart('1.0.0', noSuchRepository),
      'Progressing',
      'SourceNotReady',
    ],
    [
      'a HelmChart still stalled on the version the release asked for before → Progressing',
      release('1.0.0', 2),
      helmChart('9.9.9', noSuchVersion),
      'Progressing',
      'SourceNotReady',
    ],
    [
      'a HelmChart stalled for an older generation of its own → Progressing',
      release('9.9.9'),
      helmChart('9.9.9', noSuchVersion, 2),
      'Progressing',
      'SourceNotReady',
    ],
  ])('%s', (_row, hr, source, phase, reason) => {
    expect(evaluateProbe(hr, source)).toMatchObject({ phase, reason });
  });

  it('names the HelmChart in the message', () => {
    expect(evaluateProbe(release('9.9.9'), helmChart('9.9.9', noSuchVersion)).message).toBe(
      'HelmChart shapes/shapes-app: Stalled InvalidChartReference',
    );
  });

  it('a release that succeeded is not failed by its source', () => {
    const ready = release('1.0.0');
    ready.status = {
      observedGeneration: 1,
      conditions: conditions([['Ready', 'True', 'InstallSucceeded', 1]]),
    };
    expect(evaluateProbe(ready, helmChart('1.0.0', noSuchVersion)).phase).toBe('Succeeded');
  });
});
