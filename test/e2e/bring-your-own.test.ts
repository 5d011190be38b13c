// "Bring your own Argo and Flux": Orkestra installed with argo.install=false and flux.install=false
// runs on the cluster's own Argo (no instance ID) and Flux (its main instance, leaving Flux shards
// alone as Flux's sharding guide asks), here started on the host beside the test cluster. Runs alone,
// after every other file: it takes the chart's own Argo and Flux away for its duration and gives
// them back at the end.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARGO_INSTANCE_LABEL, FLUX_SHARD_LABEL } from '../../lib/wire-names.ts';
import { ensureBinaries } from '../cluster/binaries.ts';
import { TEST_CONTROLLER_LABEL } from '../cluster/control-plane.ts';
import { createLauncher, type Launcher } from '../cluster/launcher.ts';
import { ARGOEXEC_IMAGE } from '../cluster/node/images.ts';
import { helmInstallOrkestra } from '../cluster/orkestra-install.ts';
import { stopProcess } from '../cluster/processes.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { launchFlux, launchHostArgo } from '../cluster/workloads.ts';
import { connect, type Kube, type Obj, waitForGone } from '../integration/kube.ts';
import { AG, group, HR, kubectlApply, kubectlWaitReady } from './groups.ts';

let kube: Kube;
let launcher: Launcher;
let dir: string;
const install = { testControllerLabel: TEST_CONTROLLER_LABEL };

beforeAll(async () => {
  kube = connect(inject('kubeconfig'));
  const kubeconfig = inject('kubeconfig');
  dir = mkdtempSync(join(tmpdir(), 'orkestra-byo-'));
  mkdirSync(join(dir, 'artifacts'));
  const { paths } = await ensureBinaries(() => {}, {
    only: ['argo-workflows', 'source-controller', 'helm-controller'],
  });
  launcher = createLauncher({ logDir: dir, bin: paths, started: performance.now(), log: () => {} });
  // Orkestra without its own Argo and Flux: the chart's workflow-controller and Flux pods go.
  await helmInstallOrkestra(kubeconfig, TEMPLATES_NAMESPACE, { ...install, bringYourOwn: true });
  const argoNamespace = await kube.createNamespace('cluster-argo');
  await launchHostArgo(
    launcher.launch,
    { kubeconfig, namespace: argoNamespace, executorImage: ARGOEXEC_IMAGE },
    (object) => kube.apply(object as Obj),
  );
  await launchFlux(launcher.launch, {
    kubeconfig,
    artifacts: join(dir, 'artifacts'),
    fluxShards: [],
    helmController: paths['helm-controller'] as string,
    leaveShardsAlone: true,
  });
}, 300_000);

afterAll(async () => {
  for (const managed of [...(launcher?.processes ?? [])].reverse()) await stopProcess(managed);
  // The chart's own Argo and Flux back, as the rest of the suite had them.
  await helmInstallOrkestra(inject('kubeconfig'), TEMPLATES_NAMESPACE, install);
  rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe('argo.install=false, flux.install=false: the cluster’s own Argo and Flux', () => {
  it('the chart runs neither; a group rolls out and is deleted through the cluster’s, nothing labelled for an instance or a shard', async () => {
    for (const name of ['orkestra-argo-workflow-controller', 'orkestra-flux-helm-controller'])
      expect(await kube.get('apps/v1', 'Deployment', TEMPLATES_NAMESPACE, name)).toBeUndefined();

    const namespace = await kube.createNamespace('byo');
    await kubectlApply(group(namespace, 'pair', [{ name: 'a' }, { name: 'b', dependencies: ['a'] }]));
    await kubectlWaitReady(namespace, 'pair');
    const workflows = (await kube.objects.list('argoproj.io/v1alpha1', 'Workflow', namespace)).items as Obj[];
    expect(workflows.length).toBeGreaterThan(0);
    for (const workflow of workflows)
      expect(workflow.metadata?.labels?.[ARGO_INSTANCE_LABEL]).toBeUndefined();
    for (const name of ['a', 'b']) {
      const release = (await kube.get(HR, 'HelmRelease', namespace, name)) as Obj;
      expect(release.metadata?.labels?.[FLUX_SHARD_LABEL]).toBeUndefined();
      expect(release.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status).toBe(
        'True',
      );
    }
    // Steps ran as pods (Argo's own, without executor plugins): the chart's default with the
    // cluster's Argo.
    const stepPods = (await kube.objects.list('v1', 'Pod', namespace)).items as Obj[];
    expect(stepPods.some((p) => p.metadata?.labels?.['workflows.argoproj.io/workflow'])).toBe(true);

    await kube.remove(AG, 'ApplicationGroup', namespace, 'pair');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'pair'], 150_000);
    for (const name of ['a', 'b']) expect(await kube.get(HR, 'HelmRelease', namespace, name)).toBeUndefined();
  });
});
