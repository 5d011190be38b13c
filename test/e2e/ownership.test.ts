// What a group owns, it alone changes: a second group with an application of the same name takes
// nothing over, and deleting it uninstalls nothing of the first (real cluster, through the chart's
// controller).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { condition, connect, type Kube, type Obj, waitForGone } from '../integration/kube.ts';
import { AG, group, groupStalled, HR, kubectlApply, kubectlWaitReady, readyCondition } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

describe('ownership: a second group with an application of the same name', () => {
  it('is Stalled with Conflict, naming the HelmRelease and its owner; the first is untouched, and deleting the second leaves it', async () => {
    const namespace = await kube.createNamespace('e2e-owner');
    await kubectlApply(group(namespace, 'first', [{ name: 'web' }]));
    const ready = await kubectlWaitReady(namespace, 'first');
    expect(ready.code, ready.stderr).toBe(0);
    const first = (await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj;
    const release = (await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj;
    expect(release.metadata?.labels?.['orkestra.azure.microsoft.com/group-uid']).toBe(first.metadata?.uid);

    await kubectlApply(group(namespace, 'second', [{ name: 'web', version: '2.0.0' }]));
    const second = await groupStalled(kube, namespace, 'second');
    expect(condition(second, 'Stalled')).toMatchObject({
      reason: 'Conflict',
      message: `Not applied, to leave what others own alone: HelmRelease ${namespace}/web belongs to ApplicationGroup first (uid ${first.metadata?.uid}); HelmRepository ${namespace}/web belongs to ApplicationGroup first (uid ${first.metadata?.uid})`,
    });
    const after = (await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj;
    expect(after.metadata?.generation).toBe(release.metadata?.generation);
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('1.0.0');
    expect(((await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj).status).toEqual(
      first.status,
    );

    await kube.remove(AG, 'ApplicationGroup', namespace, 'second');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'second'], 150_000);
    expect(((await kube.get(HR, 'HelmRelease', namespace, 'web')) as Obj).metadata?.generation).toBe(
      release.metadata?.generation,
    );
    expect(readyCondition((await kube.get(AG, 'ApplicationGroup', namespace, 'first')) as Obj)?.status).toBe(
      'True',
    );
  });
});
