// What `helm install orkestra chart/orkestra` put into the test cluster (the harness installs
// Orkestra that way): the controller a pod on the real node under the chart's security context, and
// each ServiceAccount's rights as the API server itself decides them (`kubectl auth can-i --as`).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../cluster/components.ts';
import { projectImageRefs } from '../cluster/node/images.ts';
import { NODE_NAME } from '../cluster/node/node-config.ts';
import { RELEASE } from '../cluster/orkestra-install.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj } from '../integration/kube.ts';
import { run } from './cli.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

/** `kubectl auth can-i VERB RESOURCE --as=SUBJECT [-n NAMESPACE]`: yes or no, from the API server. */
async function canI(subject: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
  const result = await kubectl(
    'auth',
    'can-i',
    verb,
    resource,
    `--as=${subject}`,
    ...(namespace ? ['-n', namespace] : ['--all-namespaces']),
  );
  if (![0, 1].includes(result.code as number)) throw new Error(`kubectl auth can-i: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

/** Asserts, row by row, that `subject` may (or may not) do each [verb, resource] in `namespace`. */
async function expectRights(
  subject: string,
  allowed: boolean,
  namespace: string | undefined,
  rights: ReadonlyArray<readonly [verb: string, resource: string]>,
): Promise<void> {
  for (const [verb, resource] of rights)
    expect([verb, resource, await canI(subject, verb, resource, namespace)]).toEqual([
      verb,
      resource,
      allowed,
    ]);
}

describe('helm install orkestra chart/orkestra', () => {
  it('runs the controller as a pod on the node, non-root, read-only root, no capabilities', async () => {
    const status = await run(ensureTools().helm, [
      'status',
      RELEASE,
      '-n',
      TEMPLATES_NAMESPACE,
      '-o',
      'json',
    ]);
    expect(JSON.parse(status.stdout).info.status).toBe('deployed');
    const pods = await kube.objects.list('v1', 'Pod', TEMPLATES_NAMESPACE);
    const controller = pods.items.find(
      (p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'controller',
    ) as Obj;
    expect(controller.spec.nodeName).toBe(NODE_NAME);
    expect(controller.status.phase).toBe('Running');
    const container = controller.status.containerStatuses[0];
    // The image the harness built and named (the chart has no default): nothing from a registry.
    expect(container).toMatchObject({ ready: true, image: projectImageRefs().controller });
    // The runtime enforces what the chart asks: the image's user (65532) passed runAsNonRoot.
    expect(controller.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(controller.spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // In-cluster configuration: it reached the API server through the `kubernetes` Service.
    const logs = await kubectl('logs', '-n', TEMPLATES_NAMESPACE, controller.metadata?.name as string);
    expect(logs.stdout).toContain('"message":"Controller started"');
  });

  it('gives the controller what it needs and nothing more', async () => {
    const controller = `system:serviceaccount:${TEMPLATES_NAMESPACE}:orkestra-controller`;
    const namespace = await kube.createNamespace('e2e-rbac-controller');
    await expectRights(controller, true, namespace, [
      ['watch', 'applicationgroups.orkestra.azure.microsoft.com'],
      ['patch', 'applicationgroups.orkestra.azure.microsoft.com/status'],
      ['create', 'workflows.argoproj.io'],
      ['patch', 'workflows.argoproj.io'],
      ['create', 'configmaps'],
      ['create', 'events'],
      ['create', 'serviceaccounts'],
      ['create', 'rolebindings.rbac.authorization.k8s.io'],
    ]);
    await expectRights(controller, false, namespace, [
      ['get', 'secrets'],
      ['list', 'secrets'],
      ['create', 'deployments.apps'],
      ['create', 'pods'],
      ['create', 'helmreleases.helm.toolkit.fluxcd.io'],
      ['delete', 'applicationgroups.orkestra.azure.microsoft.com'],
      ['create', 'roles.rbac.authorization.k8s.io'],
    ]);
    // Cluster-scoped writes: none.
    await expectRights(controller, false, undefined, [
      ['create', 'namespaces'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['patch', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['create', 'clusterworkflowtemplates.argoproj.io'],
    ]);
  });

  it('gives the executor its namespace’s releases and sources, and no Secrets or Deployments', async () => {
    const executor = `system:serviceaccount:${TEMPLATES_NAMESPACE}:orkestra-executor`;
    await expectRights(executor, true, TEMPLATES_NAMESPACE, [
      ['create', 'helmreleases.helm.toolkit.fluxcd.io'],
      ['watch', 'helmreleases.helm.toolkit.fluxcd.io'],
      ['create', 'helmrepositories.source.toolkit.fluxcd.io'],
      ['watch', 'helmcharts.source.toolkit.fluxcd.io'],
      ['get', 'configmaps'],
      ['create', 'workflowtaskresults.argoproj.io'],
    ]);
    await expectRights(executor, false, TEMPLATES_NAMESPACE, [
      ['get', 'secrets'],
      ['create', 'deployments.apps'],
      ['create', 'pods'],
      ['patch', 'workflows.argoproj.io'],
    ]);
    await expectRights(executor, false, 'default', [['create', 'helmreleases.helm.toolkit.fluxcd.io']]);
    await expectRights(executor, false, undefined, [
      ['create', 'namespaces'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
    ]);
  });

  it('with controller.namespaces, grants the controller its rights in those namespaces only', async () => {
    // The chart's bindings for a release in namespace `limited` watching team-a, applied for real.
    const [limited, teamA, teamB] = await Promise.all(
      ['e2e-limited', 'e2e-team-a', 'e2e-team-b'].map((prefix) => kube.createNamespace(prefix)),
    );
    const rendered = await run(ensureTools().helm, [
      'template',
      RELEASE,
      join(REPO_ROOT, 'chart/orkestra'),
      '-n',
      limited as string,
      '--set',
      `executor.image=${projectImageRefs().executor}`,
      '--set',
      `controller.image=${projectImageRefs().controller}`,
      '--set',
      `controller.namespaces={${teamA}}`,
      '--show-only',
      'templates/controller-rbac-bindings.yaml',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'orkestra-limited-')), 'bindings.yaml');
    writeFileSync(file, rendered.stdout);
    await kubectl('create', 'serviceaccount', 'orkestra-controller', '-n', limited as string);
    const applied = await kubectl('apply', '-f', file);
    expect(applied.code, applied.stderr).toBe(0);
    const subject = `system:serviceaccount:${limited}:orkestra-controller`;
    const group = 'applicationgroups.orkestra.azure.microsoft.com';
    expect(await canI(subject, 'watch', group, teamA)).toBe(true);
    expect(await canI(subject, 'create', 'workflows.argoproj.io', teamA)).toBe(true);
    expect(await canI(subject, 'watch', group, teamB)).toBe(false);
    expect(await canI(subject, 'create', 'workflows.argoproj.io', teamB)).toBe(false);
    expect(await canI(subject, 'list', group)).toBe(false);
  });
});
