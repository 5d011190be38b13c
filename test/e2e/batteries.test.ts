// The chart's own Argo and Flux in the test cluster, as `helm install orkestra chart/orkestra`
// installs them with its defaults: pods on the real node, a workflow-controller that processes only
// Workflows labelled for its instance, and a Flux shard the executor labels what it writes for.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ARGO_INSTANCE_ID, ARGO_INSTANCE_LABEL, FLUX_SHARD, FLUX_SHARD_LABEL } from '../../lib/wire-names.ts';
import { NODE_NAME } from '../cluster/node/node-config.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { WORKFLOW } from './argo.ts';
import { run } from './cli.ts';
import { group, HR, kubectlApply, kubectlWaitReady } from './groups.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

/** A Workflow whose one step suspends: processed, it is Running at once. */
const suspended = (namespace: string, name: string, labels: Record<string, string>): Obj => ({
  apiVersion: WORKFLOW,
  kind: 'Workflow',
  metadata: { name, namespace, labels },
  spec: { entrypoint: 'main', templates: [{ name: 'main', suspend: {} }] },
});

describe("the chart's own Argo and Flux", () => {
  it('kubectl get pods -A: the workflow-controller, source-controller and helm-controller run as pods on the node', async () => {
    const pods = await kubectl('get', 'pods', '-A', '-o', 'json');
    expect(pods.code, pods.stderr).toBe(0);
    const running = (JSON.parse(pods.stdout).items as Obj[])
      .filter((p) => p.metadata?.namespace === TEMPLATES_NAMESPACE && p.status?.phase === 'Running')
      .map((p) => [p.metadata?.labels?.['app.kubernetes.io/component'], p.spec.nodeName]);
    for (const component of ['argo-workflow-controller', 'flux-source-controller', 'flux-helm-controller'])
      expect(running).toContainEqual([component, NODE_NAME]);
    const config = await kube.get(
      'v1',
      'ConfigMap',
      TEMPLATES_NAMESPACE,
      'orkestra-argo-workflow-controller',
    );
    expect(config?.data?.instanceID).toBe(ARGO_INSTANCE_ID);
  });

  it('its workflow-controller leaves a Workflow without its instance label alone, and runs one with it', async () => {
    const namespace = await kube.createNamespace('instance');
    await kube.objects.create(suspended(namespace, 'unlabelled', {}));
    await kube.objects.create(suspended(namespace, 'labelled', { [ARGO_INSTANCE_LABEL]: ARGO_INSTANCE_ID }));
    await waitForObject(
      kube,
      [WORKFLOW, 'Workflow', namespace, 'labelled'],
      'to run',
      (w) => w.status?.phase === 'Running',
    );
    // Created first, and still untouched once the later one runs: never handed to this controller.
    const unlabelled = await kube.get(WORKFLOW, 'Workflow', namespace, 'unlabelled');
    expect(unlabelled?.status ?? {}).toEqual({});
    await kube.remove('v1', 'Namespace', undefined, namespace);
  });

  it('a group rolls out through them: its Workflow labelled for the instance, what Flux reconciles for the shard', async () => {
    const namespace = await kube.createNamespace('batteries');
    await kubectlApply(group(namespace, 'pair', [{ name: 'a' }, { name: 'b', dependencies: ['a'] }]));
    await kubectlWaitReady(namespace, 'pair');
    const workflows = await kubectl('get', 'workflows', '-n', namespace, '-o', 'json');
    const labels = (JSON.parse(workflows.stdout).items as Obj[]).map(
      (w) => w.metadata?.labels?.[ARGO_INSTANCE_LABEL],
    );
    expect(labels.length).toBeGreaterThan(0);
    expect(new Set(labels)).toEqual(new Set([ARGO_INSTANCE_ID]));
    for (const name of ['a', 'b']) {
      const release = (await kube.get(HR, 'HelmRelease', namespace, name)) as Obj;
      expect(release.metadata?.labels?.[FLUX_SHARD_LABEL]).toBe(FLUX_SHARD);
      const chart = await kube.get(
        'source.toolkit.fluxcd.io/v1',
        'HelmChart',
        namespace,
        `${namespace}-${name}`,
      );
      expect(chart?.metadata?.labels?.[FLUX_SHARD_LABEL]).toBe(FLUX_SHARD);
    }
  });
});
