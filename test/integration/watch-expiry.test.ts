// The executor's watch loop meets a real "410 Gone" from the API server (the control plane compacts
// etcd every 5 s) and recovers by listing again.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { helmReleaseFeed } from '../../executor/src/helm-release-feed.ts';
import { watchUntil } from '../../executor/src/watch-until.ts';
import type { HelmRelease } from '../../lib/api/flux.ts';
import { evaluateRelease } from '../../lib/helm-release/verdict.ts';
import { createLogger } from '../../lib/log.ts';
import { waitFor } from '../cluster/wait.ts';
import { connect, fixtureHelmRelease, fixtureRepository, releaseNamespace } from './kube.ts';

/** Whether a watch from resourceVersion 1 is refused as expired (etcd has compacted past it). */
async function watchFromOneIsGone(config: KubeConfig, namespace: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (gone: boolean, controller?: AbortController) => {
      if (settled) return;
      settled = true;
      controller?.abort();
      resolve(gone);
    };
    new Watch(config)
      .watch(
        `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
        { resourceVersion: '1' },
        (type, object) => settle(type === 'ERROR' && object?.code === 410),
        (error) => settle(/410|too old|Expired/i.test(String(error?.message ?? error))),
      )
      .then((controller) => setTimeout(() => settle(false, controller), 2_000));
  });
}

describe('watchUntil against an expired watch', () => {
  it('lists again after 410 Gone and still sees the release become Ready', async () => {
    const kube = connect(inject('kubeconfig'));
    const config = new KubeConfig();
    config.loadFromFile(inject('kubeconfig'));
    const namespace = await releaseNamespace(kube, 'expiry');
    await kube.apply(fixtureRepository(namespace, inject('chartsUrl')));
    await waitFor('etcd to compact past resourceVersion 1', () => watchFromOneIsGone(config, namespace), {
      timeoutMs: 60_000,
    });

    const feed = helmReleaseFeed(config, namespace, 'expiring');
    let reads = 0;
    const staleFirst = {
      ...feed,
      // The first list answers with a resourceVersion that has expired, as after a long disconnect.
      read: async () => {
        const snapshot = await feed.read();
        return reads++ === 0 ? { ...snapshot, resourceVersion: '1' } : snapshot;
      },
    };
    const controller = new AbortController();
    const verdict = watchUntil(
      staleFirst,
      (object: HelmRelease | undefined) => {
        if (object && evaluateRelease(object).phase === 'Succeeded') return evaluateRelease(object);
        return undefined;
      },
      { deadline: Date.now() + 120_000, signal: controller.signal, log: createLogger('json') },
    );
    await waitFor('the watch loop to list again', () => reads >= 2, { timeoutMs: 30_000 });
    await kube.apply(fixtureHelmRelease(namespace, 'expiring', 'configmap-app', '1.0.0'));
    expect((await verdict).phase).toBe('Succeeded');
  });
});
