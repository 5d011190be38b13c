// The Helm chart, rendered by the real `helm template`: what it installs, and that the controller
// runs as the identity its RBAC is bound to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Obj } from './integration/kube.ts';
import { lint, render, root } from './support/chart-render.ts';

describe('chart/orkestra', () => {
  it('passes helm lint --strict with its defaults and with every value changed', () => {
    expect(lint()).toMatchObject({ code: 0 });
    const changed = lint(
      'controller.namespaces={team-a,team-b}',
      'controller.logLevel=debug',
      'controller.defaultRemediation=None',
      'controller.resync=90s',
      'controller.imagePullPolicy=Never',
      'controller.extraArgs={--concurrency=8}',
      'staging.url=oci://10.0.0.5:5000/s',
      'staging.plainHttp=true',
      'metrics.service.enabled=false',
    );
    expect(changed.out).toContain('0 chart(s) failed');
    expect(changed.code).toBe(0);
  });

  it.each([
    ['controller.logLevel=loud', "at '/controller/logLevel': value must be one of"],
    ['controller.defaultRemediation=Retry', "at '/controller/defaultRemediation': value must be one of"],
    ['controller.namespaces={Team_A}', "at '/controller/namespaces/0'"],
    ['controller.resync=soon', "at '/controller/resync'"],
    ['controller.replicas=2', "at '/controller': additional properties 'replicas' not allowed"],
    ['staging.url=https://registry.example', "at '/staging/url'"],
  ])('refuses %s, naming the value (values.schema.json)', (value, message) => {
    expect(() => render(value)).toThrow(message);
  });

  it('grants the controller its rights cluster-wide, or only in the namespaces it watches', () => {
    const clusterWide = render();
    expect(
      clusterWide.filter((o) => o.metadata?.name === 'orkestra-controller').map((o) => o.kind),
    ).toContain('ClusterRoleBinding');
    // The cluster-wide binding is controller/deploy/rbac.yaml's.
    const source = parseAllDocuments(readFileSync(join(root, 'controller/deploy/rbac.yaml'), 'utf8'))
      .map((d) => d.toJS())
      .find((o) => o?.kind === 'ClusterRoleBinding');
    source.subjects[0].namespace = 'platform';
    const controllerBinding = (objects: Obj[]) =>
      objects.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name === 'orkestra-controller');
    expect(controllerBinding(clusterWide)).toEqual(source);
    const limited = render('controller.namespaces={team-a,team-b}');
    expect(controllerBinding(limited)).toBeUndefined();
    const bindings = limited.filter(
      (o) => o.kind === 'RoleBinding' && o.metadata?.name === 'orkestra-controller',
    );
    expect(bindings.map((b) => b.metadata?.namespace)).toEqual(['team-a', 'team-b']);
    for (const binding of bindings as Array<Obj & { roleRef?: unknown; subjects?: unknown }>) {
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'orkestra-controller',
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'orkestra-controller', namespace: 'platform' },
      ]);
    }
  });

  it('passes log level, remediation default, resync and extra flags to the controller; serves metrics', () => {
    const objects = render(
      'controller.logLevel=debug',
      'controller.defaultRemediation=Uninstall',
      'controller.resync=1m',
      'controller.extraArgs={--concurrency=8}',
      'controller.imagePullPolicy=Never',
    );
    const container = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller',
    )?.spec.template.spec.containers[0];
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--log-level=debug',
        '--default-remediation=Uninstall',
        '--resync=1m',
        '--concurrency=8',
      ]),
    );
    expect(container.imagePullPolicy).toBe('Never');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata?.name === 'orkestra-controller-metrics',
    );
    expect(service?.spec).toEqual({
      selector: { 'app.kubernetes.io/name': 'orkestra', 'app.kubernetes.io/component': 'controller' },
      ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }],
    });
    expect(
      render('metrics.service.enabled=false').find(
        (o) => o.kind === 'Service' && o.metadata?.name === 'orkestra-controller-metrics',
      ),
    ).toBeUndefined();
  });

  it('runs every step, the plugin and the controller from the images it is given, and no other', () => {
    const images = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node))
          if (key === 'image' && typeof value === 'string') images.add(value);
          else if (typeof value === 'string' && value.includes('image:'))
            collect(parseAllDocuments(value).map((d) => d.toJS()));
          else collect(value);
    };
    const given = ['staging.registry.enabled=false', 'staging.url=oci://registry.example/s'];
    collect(render(...given, 'argo.install=false', 'flux.install=false'));
    expect([...images].sort()).toEqual([
      'registry.example/orkestra/controller:1.2.3',
      'registry.example/orkestra/executor:1.2.3',
    ]);
    // With its own Argo and Flux: upstream's images at the versions the tests pin, as given.
    images.clear();
    collect(render(...given, 'flux.helmController.image=hc:1'));
    expect([...images].sort()).toEqual([
      'ghcr.io/fluxcd/source-controller:v1.9.3',
      'hc:1',
      'quay.io/argoproj/workflow-controller:v4.0.5',
      'registry.example/orkestra/controller:1.2.3',
      'registry.example/orkestra/executor:1.2.3',
    ]);
  });

  it('limits the controller’s ConfigMap and Workflow writes to Orkestra’s labelled objects (admission policy)', () => {
    const objects = render();
    const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy') as Obj | undefined;
    expect(policy?.metadata?.name).toBe('orkestra-controller-writes');
    expect(policy?.spec.matchConditions).toEqual([
      {
        name: 'orkestra-controller',
        expression: "request.userInfo.username == 'system:serviceaccount:platform:orkestra-controller'",
      },
    ]);
    expect(
      policy?.spec.matchConstraints.resourceRules.map((r: { resources: string[] }) => r.resources),
    ).toEqual([['configmaps'], ['workflows']]);
    expect(objects.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding')?.spec).toEqual({
      policyName: 'orkestra-controller-writes',
      validationActions: ['Deny'],
    });
  });

  it('installs the controller as its ServiceAccount, bound to its ClusterRole, in the release namespace', () => {
    const objects = render();
    const kinds = objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    for (const expected of [
      'Deployment/orkestra-controller',
      'ServiceAccount/orkestra-controller',
      'ClusterRole/orkestra-controller',
      'ClusterRoleBinding/orkestra-controller',
      'ClusterRole/orkestra-executor',
      'ServiceAccount/orkestra-executor',
      'WorkflowTemplate/orkestra-helmrelease',
      'ClusterWorkflowTemplate/orkestra-helmrelease',
    ])
      expect(kinds).toContain(expected);
    const deployment = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller',
    );
    const pod = deployment?.spec.template.spec;
    expect(deployment?.metadata?.namespace).toBe('platform');
    expect(pod.serviceAccountName).toBe('orkestra-controller');
    const binding = objects.find(
      (o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name === 'orkestra-controller',
    ) as Obj & { subjects?: unknown };
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'orkestra-controller', namespace: 'platform' },
    ]);
    expect(pod.containers[0].image).toBe('registry.example/orkestra/controller:1.2.3');
    expect(pod.containers[0].args).toEqual([
      '--health-address=0.0.0.0:8081',
      '--metrics-address=0.0.0.0:8080',
      '--log-format=json',
      '--log-level=info',
      '--default-remediation=Rollback',
      '--resync=5m',
      '--executor=plugin',
      '--executor-image=registry.example/orkestra/executor:1.2.3',
      '--executor-plugin-resources={"limits":{"memory":"512Mi"},"requests":{"cpu":"50m","memory":"96Mi"}}',
      '--argo-instance-id=orkestra',
      '--flux-shard=orkestra',
      '--release-cluster-role=admin',
      '--staging-url=oci://orkestra-registry.platform.svc:5000/staging',
      '--staging-plain-http',
      '--staging-credential-key-file=/etc/orkestra/staging-auth/credential-key',
    ]);
    expect(pod.containers[0].env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    const leases = objects.find(
      (o) => o.kind === 'Role' && o.metadata?.name === 'orkestra-controller-leader-election',
    );
    expect(leases?.metadata?.namespace).toBe('platform');
  });

  it('passes the namespaces and group labels to watch and the executor-RBAC opt-out as flags', () => {
    const deployment = render(
      'controller.namespaces={team-a,team-b}',
      'controller.manageExecutorRbac=false',
      'controller.watchLabelSelector=shard=blue\\,!canary',
      'argo.install=false',
      'flux.install=false',
    ).find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller');
    expect(deployment?.spec.template.spec.containers[0].args).toEqual([
      '--health-address=0.0.0.0:8081',
      '--metrics-address=0.0.0.0:8080',
      '--log-format=json',
      '--log-level=info',
      '--default-remediation=Rollback',
      '--resync=5m',
      '--executor=pod',
      // The cluster's own Argo and Flux: no instance label, no shard.
      '--argo-instance-id=',
      '--flux-shard=',
      '--namespaces=team-a,team-b',
      '--watch-label-selector=shard=blue,!canary',
      '--release-cluster-role=admin',
      '--no-manage-executor-rbac',
      '--staging-url=oci://orkestra-registry.platform.svc:5000/staging',
      '--staging-plain-http',
      '--staging-credential-key-file=/etc/orkestra/staging-auth/credential-key',
    ]);
  });

  it('executor.flavour=plugin: the plugin sidecar’s image and resources reach the controller as flags; the chart holds no plugin ConfigMap to copy', () => {
    const args = (objects: Obj[]) =>
      objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller')?.spec
        .template.spec.containers[0].args as string[];
    const plugin = render('executor.flavour=plugin', 'executor.plugin.resources.limits.memory=1Gi');
    expect(args(plugin).filter((a) => a.startsWith('--executor'))).toEqual([
      '--executor=plugin',
      '--executor-image=registry.example/orkestra/executor:1.2.3',
      '--executor-plugin-resources={"limits":{"memory":"1Gi"},"requests":{"cpu":"50m","memory":"96Mi"}}',
    ]);
    // The controller renders the plugin's ConfigMap itself, in each group's namespace.
    for (const objects of [plugin, render()])
      expect(objects.filter((o) => o.metadata?.name?.startsWith('orkestra-executor-plugin'))).toEqual([]);
    // Unset: plugin with its own Argo (executor plugins on), pod with the cluster's.
    expect(args(render('argo.install=false')).filter((a) => a.startsWith('--executor'))).toEqual([
      '--executor=pod',
    ]);
    expect(args(render()).filter((a) => a.startsWith('--executor'))[0]).toBe('--executor=plugin');
    expect(args(render('executor.flavour=pod')).filter((a) => a.startsWith('--executor'))).toEqual([
      '--executor=pod',
    ]);
    expect(() => render('executor.plugin.resources.claims=x')).toThrow("at '/executor/plugin/resources'");
  });

  it('reads policies, nodes and the API server’s addresses cluster-wide, and may bind only the release ClusterRole', () => {
    const objects = render('controller.namespaces={team-a}');
    const role = objects.find(
      (o) => o.kind === 'ClusterRole' && o.metadata?.name === 'orkestra-controller-cluster',
    ) as (Obj & { rules?: unknown }) | undefined;
    expect(role?.rules).toEqual([
      {
        apiGroups: ['orkestra.azure.microsoft.com'],
        resources: ['releasepolicies'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['clusterroles'],
        verbs: ['bind'],
        resourceNames: ['admin'],
      },
    ]);
    expect(
      objects.find(
        (o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name === 'orkestra-controller-cluster',
      ),
    ).toBeDefined();
    const none = render('policy.releaseClusterRole=');
    const noBind = none.find(
      (o) => o.metadata?.name === 'orkestra-controller-cluster' && o.kind === 'ClusterRole',
    ) as (Obj & { rules?: Array<{ verbs: string[] }> }) | undefined;
    expect(noBind?.rules?.flatMap((r) => r.verbs)).not.toContain('bind');
    expect(
      none.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller')?.spec.template
        .spec.containers[0].args,
    ).toContain('--release-cluster-role=');
  });

  it('policy.platform: a ReleasePolicy for those namespaces, and their ServiceAccount bound cluster-wide; none by default', () => {
    expect(render().filter((o) => o.kind === 'ReleasePolicy')).toEqual([]);
    const objects = render('policy.platform.namespaces={ops,platform}');
    expect(objects.find((o) => o.kind === 'ReleasePolicy')).toMatchObject({
      apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
      metadata: { name: 'orkestra-platform' },
      spec: {
        namespaces: ['ops', 'platform'],
        targetNamespaces: ['*'],
        createNamespace: true,
        serviceAccountName: 'orkestra-platform',
      },
    });
    const bindings = objects.filter(
      (o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name?.startsWith('orkestra-platform-'),
    );
    expect(
      bindings.map((b) => [b.metadata?.name, (b as Obj & { roleRef?: { name: string } }).roleRef?.name]),
    ).toEqual([
      ['orkestra-platform-ops', 'cluster-admin'],
      ['orkestra-platform-platform', 'cluster-admin'],
    ]);
    const helmControllerOwn = render(
      'policy.platform.namespaces={ops}',
      'policy.platform.serviceAccount.name=',
      'flux.install=false',
    );
    expect(helmControllerOwn.find((o) => o.kind === 'ReleasePolicy')?.spec.serviceAccountName).toBe('');
    expect(helmControllerOwn.filter((o) => o.metadata?.name?.startsWith('orkestra-platform-'))).toEqual([]);
  });
});
