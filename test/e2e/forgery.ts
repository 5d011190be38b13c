// Forging records as a user whose only right in a namespace is ConfigMaps (issue 21, deliverable
// 5): that user, the forgery written as them, and what kube-system holds afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { ensureTools } from '../cluster/tools.ts';
import type { Kube, Obj } from '../integration/kube.ts';
import { run } from './cli.ts';

const kubectl = (...args: string[]) => run(ensureTools().kubectl, args);

/**
 * Given a user of the test's own whose only right in `namespace` is to read and write ConfigMaps:
 * who can forge a record, and nothing else.
 */
export async function configMapWriter(kube: Kube, namespace: string): Promise<string> {
  const user = `configmaps-${randomBytes(4).toString('hex')}`;
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'configmaps', namespace },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'update', 'patch'] }],
  } as Obj);
  await kube.objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'configmaps', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  } as Obj);
  for (const [verb, resource, allowed] of [
    ['update', 'configmaps', 'yes'],
    ['patch', 'helmreleases.helm.toolkit.fluxcd.io', 'no'],
    ['create', 'workflows.argoproj.io', 'no'],
    ['patch', 'applicationgroups.orkestra.azure.microsoft.com', 'no'],
  ] as const) {
    const answer = await kubectl('auth', 'can-i', verb, resource, `--as=${user}`, '-n', namespace);
    expect(answer.stdout.trim(), `${user} ${verb} ${resource}: ${answer.stderr}`).toBe(allowed);
  }
  return user;
}

/** `kubectl replace -f` of the ConfigMap as `user`: the forgery, as that user can make it. */
export async function replaceAs(user: string, configMap: Obj): Promise<void> {
  // Unconditionally (no resourceVersion): the same forgery may be written again later.
  const { managedFields: _, resourceVersion: __, ...metadata } = configMap.metadata ?? {};
  const file = join(mkdtempSync(join(tmpdir(), 'orkestra-forged-')), 'configmap.yaml');
  writeFileSync(file, stringify({ ...configMap, metadata }));
  const replaced = await kubectl('replace', `--as=${user}`, '-f', file);
  expect(replaced.code, replaced.stderr).toBe(0);
}

/** Names of ConfigMaps and Secrets (Helm's release storage) in kube-system that mention `name`. */
export async function inKubeSystem(kube: Kube, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const kind of ['ConfigMap', 'Secret']) {
    const list = await kube.objects.list('v1', kind, 'kube-system');
    for (const item of list.items)
      if (item.metadata?.name?.includes(name)) found.push(`${kind}/${item.metadata.name}`);
  }
  return found;
}
