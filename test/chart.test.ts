// The Helm chart, rendered by the real `helm template`: what it installs, and that the controller
// runs as the identity its RBAC is bound to.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureTools } from './cluster/tools.ts';
import type { Obj } from './integration/kube.ts';

const root = join(import.meta.dirname, '..');

function render(...set: string[]) {
  const out = execFileSync(
    ensureTools().helm,
    [
      'template',
      'orkestra',
      join(root, 'chart/orkestra'),
      '-n',
      'platform',
      ...set.flatMap((s) => ['--set', s]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean) as Obj[];
}

/** `helm lint --strict` with these values: its exit code and output. */
function lint(...set: string[]) {
  try {
    const out = execFileSync(
      ensureTools().helm,
      ['lint', '--strict', join(root, 'chart/orkestra'), ...set.flatMap((s) => ['--set', s])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { code: 0, out };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { code: status, out: `${stdout}${stderr}` };
  }
}

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

  it('stages subcharts to the registry it installs unless given a staging URL', () => {
    const own = render();
    const registry = own.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-registry');
    expect(registry?.spec.template.spec.containers[0]).toMatchObject({
      image: 'registry:3.0.0',
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    });
    expect(registry?.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(
      own.find((o) => o.kind === 'Service' && o.metadata?.name === 'orkestra-registry')?.spec.ports,
    ).toEqual([{ name: 'registry', port: 5000, targetPort: 'registry' }]);
    const given = render('staging.url=oci://registry.example/team/staging');
    expect(given.find((o) => o.metadata?.name === 'orkestra-registry')).toBeUndefined();
    const args = given.find((o) => o.metadata?.name === 'orkestra-controller' && o.kind === 'Deployment')
      ?.spec.template.spec.containers[0].args;
    expect(args.slice(-1)).toEqual(['--staging-url=oci://registry.example/team/staging']);
    const plain = render('staging.url=oci://10.0.0.5:5000/s', 'staging.plainHttp=true');
    expect(
      plain.find((o) => o.kind === 'Deployment')?.spec.template.spec.containers[0].args.slice(-2),
    ).toEqual(['--staging-url=oci://10.0.0.5:5000/s', '--staging-plain-http']);
  });

  it('refuses to render with no staging URL and no registry of its own', () => {
    expect(() => render('staging.registry.enabled=false')).toThrow(
      /staging.url is empty and staging.registry.enabled is false/,
    );
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
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const pod = deployment?.spec.template.spec;
    expect(deployment?.metadata?.namespace).toBe('platform');
    expect(pod.serviceAccountName).toBe('orkestra-controller');
    const binding = objects.find(
      (o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name === 'orkestra-controller',
    ) as Obj & { subjects?: unknown };
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'orkestra-controller', namespace: 'platform' },
    ]);
    expect(pod.containers[0].image).toBe('orkestra/controller:0.1.0');
    expect(pod.containers[0].args).toEqual([
      '--health-address=0.0.0.0:8081',
      '--metrics-address=0.0.0.0:8080',
      '--log-format=json',
      '--log-level=info',
      '--default-remediation=Rollback',
      '--resync=5m',
      '--executor=pod',
      '--release-cluster-role=admin',
      '--staging-url=oci://orkestra-registry.platform.svc:5000/staging',
      '--staging-plain-http',
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
    ).find((o) => o.kind === 'Deployment');
    expect(deployment?.spec.template.spec.containers[0].args).toEqual([
      '--health-address=0.0.0.0:8081',
      '--metrics-address=0.0.0.0:8080',
      '--log-format=json',
      '--log-level=info',
      '--default-remediation=Rollback',
      '--resync=5m',
      '--executor=pod',
      '--namespaces=team-a,team-b',
      '--watch-label-selector=shard=blue,!canary',
      '--release-cluster-role=admin',
      '--no-manage-executor-rbac',
      '--staging-url=oci://orkestra-registry.platform.svc:5000/staging',
      '--staging-plain-http',
    ]);
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
    expect(none.find((o) => o.kind === 'Deployment')?.spec.template.spec.containers[0].args).toContain(
      '--release-cluster-role=',
    );
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
    );
    expect(helmControllerOwn.find((o) => o.kind === 'ReleasePolicy')?.spec.serviceAccountName).toBe('');
    expect(helmControllerOwn.filter((o) => o.metadata?.name?.startsWith('orkestra-platform-'))).toEqual([]);
  });
});
