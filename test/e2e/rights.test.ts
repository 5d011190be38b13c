// docs/security.md's table of every ServiceAccount's rights, asked of the real API server row by row
// (`kubectl auth can-i --as=system:serviceaccount:NAMESPACE:NAME`): what each may do where the table
// says, and the refusals it lists. The rows are test/support/service-account-rights.ts, which also
// writes the table, so the two cannot drift. Beside it, what RBAC cannot say: the admission policy
// that limits the controller's ConfigMap and Workflow writes to Orkestra's own objects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT } from '../cluster/components.ts';
import { projectImageRefs } from '../cluster/node/images.ts';
import { RELEASE } from '../cluster/orkestra-install.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { type Right, type Scope, SERVICE_ACCOUNT_RIGHTS } from '../support/service-account-rights.ts';
import { run } from './cli.ts';
import { group, kubectlApply } from './groups.ts';

let kube: Kube;
const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

/** The namespace each scope of the table is asked in, for an account living in `home`. */
type Places = { home: string; groupNamespace: string };

function namespaceOf(scope: Scope, { home, groupNamespace }: Places): string | undefined {
  switch (scope) {
    case 'its namespace':
      return home;
    case 'group namespaces':
      return groupNamespace;
    case 'release namespace':
      return TEMPLATES_NAMESPACE;
    case 'default':
    case 'kube-system':
      return scope;
    case 'cluster':
      return undefined;
  }
}

/** One `kubectl auth can-i` per verb, resource and name of the row: "VERB RESOURCE[/NAME] in SCOPE: yes|no". */
async function answers(subject: string, right: Right, places: Places): Promise<string[]> {
  const namespace = namespaceOf(right.scope, places);
  const asks = right.verbs.flatMap((verb) =>
    right.resources.flatMap((resource) =>
      (right.names ?? [undefined]).map((name) => ({ verb, resource, name })),
    ),
  );
  return Promise.all(
    asks.map(async ({ verb, resource, name }) => {
      const [type, subresource] = resource.split('/');
      const result = await kubectl(
        'auth',
        'can-i',
        verb,
        name ? `${type}/${name}` : (type as string),
        ...(subresource ? [`--subresource=${subresource}`] : []),
        `--as=${subject}`,
        ...(namespace ? ['-n', namespace] : ['--all-namespaces']),
      );
      if (![0, 1].includes(result.code as number)) throw new Error(`kubectl auth can-i: ${result.stderr}`);
      return `${verb} ${resource}${name ? `/${name}` : ''} in ${right.scope}: ${result.stdout.trim()}`;
    }),
  );
}

/** Every row of the account's table, asked as it lives in `home`: the answers, and the ones the table expects. */
async function check(name: string, home: string, groupNamespace: string) {
  const account = SERVICE_ACCOUNT_RIGHTS.find((a) => a.name === name);
  if (!account) throw new Error(`no ServiceAccount ${name} in the table`);
  const subject = `system:serviceaccount:${home}:${name}`;
  const places = { home, groupNamespace };
  const asked = async (rights: Right[], answer: 'yes' | 'no') => {
    const got = (await Promise.all(rights.map((right) => answers(subject, right, places)))).flat();
    return { got, expected: got.map((line) => line.replace(/: \w+$/, `: ${answer}`)) };
  };
  const allowed = await asked(account.allowed, 'yes');
  const denied = await asked(account.denied, 'no');
  expect([...allowed.got, ...denied.got]).toEqual([...allowed.expected, ...denied.expected]);
}

describe('every ServiceAccount’s rights, as docs/security.md lists them', () => {
  /** A namespace whose group the controller reconciled: its executor and release accounts are the controller's doing. */
  let groupNamespace: string;
  let platformNamespace: string;
  let platformObjects: Obj[] = [];

  beforeAll(async () => {
    kube = connect(inject('kubeconfig'));
    groupNamespace = await kube.createNamespace('e2e-rights');
    await kubectlApply(group(groupNamespace, 'rights', [{ name: 'app' }]));
    for (const account of ['orkestra-executor', 'orkestra-release'])
      await waitForObject(
        kube,
        ['rbac.authorization.k8s.io/v1', 'RoleBinding', groupNamespace, account],
        'made by the controller',
        () => true,
      );
  });

  afterAll(async () => {
    for (const object of platformObjects.filter((o) => o.kind === 'ClusterRoleBinding'))
      await kube.remove(
        'rbac.authorization.k8s.io/v1',
        'ClusterRoleBinding',
        undefined,
        object.metadata?.name as string,
      );
  });

  it('orkestra-controller, in the namespaces of the groups it reconciles and its own', async () => {
    await check('orkestra-controller', TEMPLATES_NAMESPACE, groupNamespace);
  });

  it('orkestra-executor and orkestra-release, as the controller made them in a group’s namespace', async () => {
    await check('orkestra-executor', groupNamespace, groupNamespace);
    await check('orkestra-release', groupNamespace, groupNamespace);
  });

  it('orkestra-executor and orkestra-release, as the chart made them in its namespace', async () => {
    for (const name of ['orkestra-executor', 'orkestra-release'])
      await check(name, TEMPLATES_NAMESPACE, groupNamespace);
  });

  it('orkestra-platform, as the chart renders it for a namespace in policy.platform.namespaces', async () => {
    platformNamespace = await kube.createNamespace('e2e-rights-platform');
    const rendered = await run(ensureTools().helm, [
      'template',
      RELEASE,
      join(REPO_ROOT, 'chart/orkestra'),
      '-n',
      TEMPLATES_NAMESPACE,
      '--set',
      `executor.image=${projectImageRefs().executor}`,
      '--set',
      `controller.image=${projectImageRefs().controller}`,
      '--set',
      `policy.platform.namespaces={${platformNamespace}}`,
      '--show-only',
      'templates/platform-policy.yaml',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    // Its ServiceAccount and binding; not the ReleasePolicy, which would change what the namespace's groups may do.
    platformObjects = parseAllDocuments(rendered.stdout)
      .map((d) => d.toJS() as Obj)
      .filter((o) => o && ['ServiceAccount', 'ClusterRoleBinding'].includes(o.kind as string));
    expect(platformObjects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ClusterRoleBinding']);
    const file = join(mkdtempSync(join(tmpdir(), 'orkestra-rights-')), 'platform.yaml');
    writeFileSync(file, platformObjects.map((o) => stringify(o)).join('---\n'));
    const applied = await kubectl('apply', '-f', file);
    expect(applied.code, applied.stderr).toBe(0);
    await check('orkestra-platform', platformNamespace, groupNamespace);
  });
});

describe('the controller’s ConfigMap and Workflow writes, beyond RBAC (admission policy orkestra-controller-writes)', () => {
  const controller = `system:serviceaccount:${TEMPLATES_NAMESPACE}:orkestra-controller`;
  let namespace: string;

  beforeAll(async () => {
    kube ??= connect(inject('kubeconfig'));
    namespace = await kube.createNamespace('e2e-rights-writes');
  });

  /** `kubectl create --dry-run=server` of `object` as the controller: admission runs, nothing is stored. */
  async function createAsController(object: Obj) {
    const file = join(mkdtempSync(join(tmpdir(), 'orkestra-writes-')), 'object.yaml');
    writeFileSync(file, stringify(object));
    return kubectl('create', '--dry-run=server', `--as=${controller}`, '-f', file);
  }
  const managed = { 'app.kubernetes.io/managed-by': 'orkestra' };
  const configMap = (name: string, labels?: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    data: { k: 'v' },
  });

  it('creates only ConfigMaps and Workflows labelled managed-by=orkestra', async () => {
    const labelled = await createAsController(configMap('ours', managed));
    expect(labelled.code, labelled.stderr).toBe(0);
    const unlabelled = await createAsController(configMap('theirs'));
    expect(unlabelled.code).not.toBe(0);
    expect(unlabelled.stderr).toContain('orkestra-controller-writes');
    expect(unlabelled.stderr).toContain('writes only objects labelled app.kubernetes.io/managed-by=orkestra');
    const workflow = await createAsController({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'theirs', namespace },
      spec: { entrypoint: 'main', templates: [{ name: 'main', suspend: {} }] },
    });
    expect(workflow.code).not.toBe(0);
    expect(workflow.stderr).toContain('orkestra-controller-writes');
  });

  it('cannot take over someone else’s ConfigMap by labelling it', async () => {
    await kube.apply(configMap('coredns-like'));
    const patched = await kubectl(
      'label',
      '--dry-run=server',
      `--as=${controller}`,
      '-n',
      namespace,
      'configmap/coredns-like',
      'app.kubernetes.io/managed-by=orkestra',
    );
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain(
      'changes only objects already labelled app.kubernetes.io/managed-by=orkestra',
    );
    // An administrator is not the controller: the policy leaves everyone else alone.
    const byAdmin = await kubectl(
      'label',
      '--dry-run=server',
      '-n',
      namespace,
      'configmap/coredns-like',
      'app.kubernetes.io/managed-by=orkestra',
    );
    expect(byAdmin.code, byAdmin.stderr).toBe(0);
  });
});
