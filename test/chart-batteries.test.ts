// The chart's own Argo workflow-controller and Flux controllers (argo.install, flux.install),
// rendered by the real `helm template`: what they run with, what they may do, and that turning them
// off leaves the cluster's own Argo and Flux to Orkestra, as before.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ARGO_INSTANCE_ID, FLUX_SHARD, FLUX_SHARD_LABEL } from '../lib/wire-names.ts';
import type { Obj } from './integration/kube.ts';
import { lint, render, renderCrds } from './support/chart-render.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Container = { name: string; args: string[]; env?: Array<{ name: string; value?: string }> };

const named = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name) as
    | (Obj & { rules?: Rule[]; data?: Record<string, string>; roleRef?: { name: string } })
    | undefined;
const container = (objects: Obj[], deployment: string): Container =>
  named(objects, 'Deployment', deployment)?.spec.template.spec.containers[0];
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
/** Every resource/verb pair a ClusterRole grants, as "group/resource:verb". */
const grants = (role: { rules?: Rule[] } | undefined) =>
  (role?.rules ?? []).flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
  );
const ownObjects = (objects: Obj[]) =>
  objects.filter((o) => /^orkestra-(argo|flux|source-controller)/.test(o.metadata?.name ?? ''));

describe('chart/orkestra: its own Argo and Flux', () => {
  it('installs both by default; off, neither, and the controller is told to label for none', () => {
    const byDefault = render();
    expect(ownObjects(byDefault).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(
      expect.arrayContaining([
        'Deployment/orkestra-argo-workflow-controller',
        'Deployment/orkestra-flux-source-controller',
        'Deployment/orkestra-flux-helm-controller',
        'Service/orkestra-source-controller',
      ]),
    );
    const none = render('argo.install=false', 'flux.install=false');
    expect(ownObjects(none)).toEqual([]);
    const args = container(none, 'orkestra-controller').args;
    expect(args).toEqual(expect.arrayContaining(['--argo-instance-id=', '--flux-shard=', '--executor=pod']));
    expect(container(byDefault, 'orkestra-controller').args).toEqual(
      expect.arrayContaining([`--argo-instance-id=${ARGO_INSTANCE_ID}`, `--flux-shard=${FLUX_SHARD}`]),
    );
    expect(lint('argo.install=false', 'flux.install=false')).toMatchObject({ code: 0 });
  });

  it('the pod-flavour templates tell the executor the shard it labels for, none with the cluster’s Flux', () => {
    const shardOf = (objects: Obj[]) =>
      objects
        .filter((o) => o.kind === 'WorkflowTemplate' || o.kind === 'ClusterWorkflowTemplate')
        .flatMap((t) => t.spec.templates as Array<{ container?: Container }>)
        // The steps that write HelmReleases and their sources.
        .filter((t) => ['apply', 'rollback'].includes(t.container?.args[0] ?? ''))
        .map((t) => envOf(t.container as Container).ORKESTRA_FLUX_SHARD);
    const own = shardOf(render('flux.shard=blue'));
    expect(own.length).toBe(4); // apply and rollback, namespaced and cluster-wide
    expect(new Set(own)).toEqual(new Set(['blue']));
    expect(new Set(shardOf(render('flux.install=false')))).toEqual(new Set(['']));
  });

  it('workflow-controller: instance ID, executor plugins and the fast settings; upstream’s rights less what Orkestra never uses', () => {
    const objects = render(
      'argo.instanceID=team-x',
      'argo.workflowController.extraArgs={--workflow-workers=64}',
    );
    const config = named(objects, 'ConfigMap', 'orkestra-argo-workflow-controller');
    expect(config?.data?.instanceID).toBe('team-x');
    expect(parseDocument(config?.data?.metricsConfig ?? '').toJS()).toEqual({ enabled: false });
    const wc = container(objects, 'orkestra-argo-workflow-controller');
    expect(wc.args).toEqual([
      '--configmap=orkestra-argo-workflow-controller',
      '--executor-image=quay.io/argoproj/argoexec:v4.0.5-nonroot',
      '--qps=200',
      '--burst=400',
      '--loglevel=info',
      '--workflow-workers=64',
    ]);
    expect(envOf(wc)).toEqual({
      LEADER_ELECTION_DISABLE: 'true',
      ARGO_EXECUTOR_PLUGINS: 'true',
      INFORMER_WRITE_BACK: 'true',
      DEFAULT_REQUEUE_TIME: '25ms',
      ARGO_AGENT_PATCH_RATE: '10ms',
      ARGO_AGENT_CPU_LIMIT: '1',
    });
    expect(container(objects, 'orkestra-controller').args).toContain('--argo-instance-id=team-x');
    const role = named(objects, 'ClusterRole', 'orkestra-argo-workflow-controller');
    const granted = grants(role);
    expect(granted).toEqual(
      expect.arrayContaining([
        '/pods:create',
        '/pods:delete',
        // argo stop signals a running step's containers through exec.
        '/pods/exec:create',
        // Arguments over 128 KiB are offloaded into a ConfigMap beside the Workflow.
        '/configmaps:create',
        'argoproj.io/workflowtasksets:create',
        'argoproj.io/workflowtasksets/status:patch',
        '/secrets:get',
      ]),
    );
    for (const absent of [
      '/pods/exec:get',
      '/persistentvolumeclaims:create',
      'policy/poddisruptionbudgets:create',
      '/namespaces:list',
      'argoproj.io/cronworkflows:update',
    ])
      expect(granted).not.toContain(absent);
    expect(granted.filter((g) => g.includes('*'))).toEqual([]);
    // Secrets: the executor plugin agent's CA, by name, nothing else.
    expect(role?.rules?.filter((r) => r.resources.includes('secrets'))).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['argo-workflows-agent-ca-certificates'],
        verbs: ['get'],
      },
    ]);
  });

  it('Flux: a shard of both controllers, helm-controller locked down, artifacts at the pinned Service address', () => {
    const objects = render('flux.shard=blue', 'flux.sourceController.serviceIP=10.96.0.51');
    const source = container(objects, 'orkestra-flux-source-controller');
    const helm = container(objects, 'orkestra-flux-helm-controller');
    for (const c of [source, helm]) {
      expect(c.args).toContain(`--watch-label-selector=${FLUX_SHARD_LABEL}=blue`);
      expect(c.args).toEqual(
        expect.arrayContaining([
          '--enable-leader-election=false',
          '--concurrent=10',
          '--min-retry-delay=100ms',
          '--max-retry-delay=30s',
        ]),
      );
    }
    expect(helm.args).toEqual(
      expect.arrayContaining([
        '--no-cross-namespace-refs=true',
        '--default-service-account=default',
        // Its valuesFrom watcher would list every Secret and ConfigMap: off, and not granted.
        '--feature-gates=DisableConfigWatchers=true',
      ]),
    );
    expect(source.args).toContain('--storage-adv-addr=10.96.0.51');
    expect(named(objects, 'Service', 'orkestra-source-controller')?.spec).toMatchObject({
      clusterIP: '10.96.0.51',
      ports: [{ port: 80, targetPort: 'http' }],
    });
    expect(container(render(), 'orkestra-flux-source-controller').args).toContain(
      '--storage-adv-addr=orkestra-source-controller.platform.svc',
    );
    // Neither is bound to cluster-admin (Flux's own install binds it); helm-controller acts as the
    // release's ServiceAccount, and writes HelmCharts.
    for (const name of ['orkestra-flux-source-controller', 'orkestra-flux-helm-controller'])
      expect(named(objects, 'ClusterRoleBinding', name)?.roleRef?.name).toBe(name);
    const helmRights = grants(named(objects, 'ClusterRole', 'orkestra-flux-helm-controller'));
    expect(helmRights).toEqual(
      expect.arrayContaining(['/serviceaccounts:impersonate', 'source.toolkit.fluxcd.io/helmcharts:create']),
    );
    for (const absent of ['/secrets:list', '/secrets:watch', '/configmaps:list'])
      expect(helmRights).not.toContain(absent);
    expect(container(objects, 'orkestra-controller').args).toContain('--flux-shard=blue');
  });

  it('refuses its own Flux with a platform ServiceAccount of "" (the lockdown would leave those releases no rights)', () => {
    expect(() => render('policy.platform.namespaces={ops}', 'policy.platform.serviceAccount.name=')).toThrow(
      'policy.platform.serviceAccount.name cannot be empty',
    );
  });

  it('creates the upstream CRDs its controllers need, each only with its controllers', () => {
    const names = (objects: Obj[]) => objects.map((o) => o.metadata?.name as string).sort();
    const all = names(renderCrds());
    const argo = all.filter((n) => n.endsWith('.argoproj.io'));
    const flux = all.filter((n) => n.endsWith('.fluxcd.io'));
    expect(argo).toEqual(
      expect.arrayContaining([
        'workflows.argoproj.io',
        'workflowtemplates.argoproj.io',
        'clusterworkflowtemplates.argoproj.io',
        'workflowtasksets.argoproj.io',
        'workflowtaskresults.argoproj.io',
        'workflowartifactgctasks.argoproj.io',
        'cronworkflows.argoproj.io',
      ]),
    );
    expect(flux).toEqual([
      'buckets.source.toolkit.fluxcd.io',
      'externalartifacts.source.toolkit.fluxcd.io',
      'gitrepositories.source.toolkit.fluxcd.io',
      'helmcharts.source.toolkit.fluxcd.io',
      'helmreleases.helm.toolkit.fluxcd.io',
      'helmrepositories.source.toolkit.fluxcd.io',
      'ocirepositories.source.toolkit.fluxcd.io',
    ]);
    const orkestra = all.filter((n) => n.endsWith('.azure.microsoft.com'));
    expect(names(renderCrds('argo.install=false'))).toEqual([...orkestra, ...flux].sort());
    expect(names(renderCrds('flux.install=false'))).toEqual([...argo, ...orkestra].sort());
  });

  it('passes helm lint --strict with every battery value changed; refuses bad ones by name', () => {
    const changed = lint(
      'argo.instanceID=team-x',
      'argo.workflowController.image=registry.example/wc:1',
      'argo.workflowController.imagePullPolicy=Never',
      'argo.workflowController.qps=50',
      'flux.shard=blue',
      'flux.imagePullPolicy=Always',
      'flux.sourceController.serviceIP=10.96.0.51',
      'flux.helmController.extraArgs={--log-level=debug}',
      'executor.flavour=pod',
    );
    expect(changed.out).toContain('0 chart(s) failed');
    expect(() => render('argo.instanceID=not a label')).toThrow("at '/argo/instanceID'");
    expect(() => render('flux.shard=')).toThrow("at '/flux/shard'");
    expect(() => render('flux.replicas=2')).toThrow(
      "at '/flux': additional properties 'replicas' not allowed",
    );
  });
});
