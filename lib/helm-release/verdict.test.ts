// Status shapes recorded from the real helm-controller (v1.6.4) on the test control plane:
// [type, status, reason, observedGeneration] per condition, as they followed each other.
import { describe, expect, it } from 'vitest';
import type { HelmRelease, HelmReleaseSpec } from '../api/flux.ts';
import { evaluateRelease, type ReleasePhase } from './verdict.ts';

type Row = [
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  observedGeneration: number,
  message?: string,
];

function release(
  generation: number,
  observedGeneration: number,
  conditions: Row[],
  extra: {
    spec?: Partial<HelmReleaseSpec>;
    history?: Array<{ status: string }>;
    annotations?: Record<string, string>;
    lastHandled?: string;
  } = {},
): HelmRelease {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'app', namespace: 'ns', generation, annotations: extra.annotations },
    spec: { interval: '10m', ...extra.spec },
    status: {
      observedGeneration,
      lastHandledReconcileAt: extra.lastHandled,
      history: extra.history,
      conditions: conditions.map(([type, status, reason, og, message]) => ({
        type,
        status,
        reason,
        observedGeneration: og,
        message: message ?? `${type} ${reason}`,
        lastTransitionTime: '2026-11-24T13:00:00Z',
      })),
    },
  };
}

/** What helm-controller said when the API server refused a chart's ClusterRoleBinding to the release's ServiceAccount. */
const FORBIDDEN =
  'Helm install failed for release t1/escalate with chart escalate@1.0.0: unable to continue with install: could not get information about the resource ClusterRoleBinding "escalate-t1-escalate" in namespace "": clusterrolebindings.rbac.authorization.k8s.io "escalate-t1-escalate" is forbidden: User "system:serviceaccount:t1:orkestra-release" cannot get resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope';

const retryOnFailure = { install: { strategy: { name: 'RetryOnFailure' as const, retryInterval: '2s' } } };

describe('evaluateRelease', () => {
  it.each<[string, HelmRelease, ReleasePhase, string]>([
    ['a new object nobody has observed yet → Progressing', release(1, -1, []), 'Progressing', 'Pending'],
    [
      'source not ready yet → Progressing',
      release(1, -1, [
        ['Reconciling', 'True', 'Progressing', 1],
        ['Ready', 'False', 'SourceNotReady', 1],
      ]),
      'Progressing',
      'SourceNotReady',
    ],
    [
      'installing: Ready=Unknown → Progressing',
      release(1, -1, [
        ['Reconciling', 'True', 'Progressing', 1],
        ['Ready', 'Unknown', 'Progressing', 1],
      ]),
      'Progressing',
      'Progressing',
    ],
    [
      'installed but still reconciling, generation not yet observed → Progressing',
      release(1, -1, [
        ['Reconciling', 'True', 'Progressing', 1],
        ['Ready', 'True', 'InstallSucceeded', 1],
        ['Released', 'True', 'InstallSucceeded', 1],
      ]),
      'Progressing',
      'InstallSucceeded',
    ],
    [
      'installed and observed → Succeeded',
      release(
        1,
        1,
        [
          ['Ready', 'True', 'InstallSucceeded', 1],
          ['Released', 'True', 'InstallSucceeded', 1],
        ],
        { history: [{ status: 'deployed' }] },
      ),
      'Succeeded',
      'InstallSucceeded',
    ],
    [
      'Ready=True of an older generation → Progressing',
      release(2, 1, [
        ['Ready', 'True', 'InstallSucceeded', 1],
        ['Released', 'True', 'InstallSucceeded', 1],
      ]),
      'Progressing',
      'Pending',
    ],
    [
      'upgrading: Ready=Unknown of the new generation → Progressing',
      release(2, 1, [
        ['Reconciling', 'True', 'Progressing', 2],
        ['Ready', 'Unknown', 'Progressing', 2],
        ['Released', 'True', 'InstallSucceeded', 1],
      ]),
      'Progressing',
      'Progressing',
    ],
    [
      'upgraded and observed → Succeeded',
      release(2, 2, [
        ['Ready', 'True', 'UpgradeSucceeded', 2],
        ['Released', 'True', 'UpgradeSucceeded', 2],
      ]),
      'Succeeded',
      'UpgradeSucceeded',
    ],
    [
      'install failed, Flux still deciding (retries left) → Progressing',
      release(1, -1, [
        ['Reconciling', 'True', 'ProgressingWithRetry', 1],
        ['Ready', 'False', 'InstallFailed', 1],
        ['Released', 'False', 'InstallFailed', 1],
        ['Remediated', 'True', 'UninstallSucceeded', 1],
      ]),
      'Progressing',
      'InstallFailed',
    ],
    [
      'install failed and Stalled (RetriesExceeded) → Failed',
      release(1, 1, [
        ['Stalled', 'True', 'RetriesExceeded', 1],
        ['Ready', 'False', 'InstallFailed', 1],
        ['Released', 'False', 'InstallFailed', 1],
      ]),
      'Failed',
      'RetriesExceeded',
    ],
    [
      'upgrade failed, rolled back by Flux, Stalled → Failed',
      release(2, 2, [
        ['Stalled', 'True', 'RetriesExceeded', 2],
        ['Ready', 'False', 'RollbackSucceeded', 2],
        ['Released', 'False', 'UpgradeFailed', 2],
        ['Remediated', 'True', 'RollbackSucceeded', 2],
      ]),
      'Failed',
      'RetriesExceeded',
    ],
    [
      'a Stalled of an older generation does not fail the new one → Progressing',
      release(3, 2, [
        ['Stalled', 'True', 'RetriesExceeded', 2],
        ['Ready', 'False', 'InstallFailed', 2],
      ]),
      'Progressing',
      'Pending',
    ],
    [
      'install failed under RetryOnFailure (Flux retries forever) → Failed',
      release(
        1,
        1,
        [
          ['Reconciling', 'True', 'ProgressingWithRetry', 1],
          ['Ready', 'False', 'InstallFailed', 1],
          ['Released', 'False', 'InstallFailed', 1],
        ],
        { spec: retryOnFailure },
      ),
      'Failed',
      'InstallFailed',
    ],
    [
      'install refused to the release’s ServiceAccount (Helm stored nothing: Flux retries, never stalls) → Failed',
      release(1, 1, [
        ['Reconciling', 'True', 'Progressing', 1],
        ['Ready', 'False', 'InstallFailed', 1, FORBIDDEN],
        ['Released', 'False', 'InstallFailed', 1, FORBIDDEN],
      ]),
      'Failed',
      'InstallFailed',
    ],
    [
      'install failed for another reason, no release stored, Flux retrying → Progressing (it may heal)',
      release(1, 1, [
        ['Reconciling', 'True', 'Progressing', 1],
        ['Ready', 'False', 'InstallFailed', 1, 'Helm install failed: context deadline exceeded'],
        ['Released', 'False', 'InstallFailed', 1, 'Helm install failed: context deadline exceeded'],
      ]),
      'Progressing',
      'InstallFailed',
    ],
    [
      'suspended → Suspended, never waited on',
      release(1, 1, [], { spec: { suspend: true } }),
      'Suspended',
      'Suspended',
    ],
    [
      'Ready=True but a reconcile request not handled yet → Progressing',
      release(1, 1, [['Ready', 'True', 'InstallSucceeded', 1]], {
        annotations: { 'reconcile.fluxcd.io/requestedAt': 't2' },
        lastHandled: 't1',
      }),
      'Progressing',
      'ReconcileRequested',
    ],
    [
      'Ready=True and the reconcile request handled → Succeeded',
      release(1, 1, [['Ready', 'True', 'InstallSucceeded', 1]], {
        annotations: { 'reconcile.fluxcd.io/requestedAt': 't2' },
        lastHandled: 't2',
      }),
      'Succeeded',
      'InstallSucceeded',
    ],
    [
      'Ready=True while the last history entry failed → Progressing',
      release(1, 1, [['Ready', 'True', 'InstallSucceeded', 1]], { history: [{ status: 'failed' }] }),
      'Progressing',
      'InstallSucceeded',
    ],
  ])('%s', (_name, object, phase, reason) => {
    const verdict = evaluateRelease(object);
    expect([verdict.phase, verdict.reason]).toEqual([phase, reason]);
  });

  it("a failure's message is Helm's error from Released, not the Stalled summary", () => {
    const verdict = evaluateRelease(
      release(1, 1, [
        ['Stalled', 'True', 'RetriesExceeded', 1],
        ['Ready', 'False', 'InstallFailed', 1],
        ['Released', 'False', 'InstallFailed', 1],
      ]),
    );
    expect(verdict.message).toBe('Released InstallFailed');
  });

  it('judges the generation it is given, not only the one on the object', () => {
    const object = release(2, 2, [['Ready', 'True', 'UpgradeSucceeded', 2]]);
    expect(evaluateRelease(object, 3).phase).toBe('Progressing');
  });
});
