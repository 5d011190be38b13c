import { describe, expect, it } from 'vitest';
import { DEFAULT_PLUGIN_RESOURCES, renderExecutorPluginConfigMap } from '../../../lib/executor-plugin.ts';
import {
  executorPluginObjects,
  lastGroupOfNamespace,
  NAMESPACE_OBJECTS,
  namespaceObjectsToRemove,
  type ObservedSecret,
  strayDataKeys,
  tokenSecretProblems,
} from './executor-access.ts';
import { chain } from './reconcile-fixtures.ts';

const MANAGED = { 'app.kubernetes.io/managed-by': 'orkestra' };
const SIDECAR = { image: 'registry.example/executor:1', resources: DEFAULT_PLUGIN_RESOURCES };

describe('executorPluginObjects', () => {
  const { apply, create } = executorPluginObjects('team', SIDECAR, 'orkestra-executor');

  it('applies the ConfigMap rendered from the flags, the plugin ServiceAccount and its RoleBinding, labelled as Orkestra’s', () => {
    expect(apply.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'ConfigMap/team/orkestra-executor-plugin',
      'ServiceAccount/team/orkestra-executor-plugin',
      'RoleBinding/team/orkestra-executor-plugin',
    ]);
    for (const object of [...apply, ...create]) expect(object.metadata?.labels).toMatchObject(MANAGED);
    expect((apply[0] as { data?: unknown }).data).toEqual(
      renderExecutorPluginConfigMap(SIDECAR, { labels: {} }).data,
    );
    expect(apply[2]).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'orkestra-executor' },
      subjects: [{ kind: 'ServiceAccount', name: 'orkestra-executor-plugin', namespace: 'team' }],
    });
  });

  it('creates the two token Secrets Argo mounts', () => {
    expect(create).toEqual([
      expect.objectContaining({
        type: 'kubernetes.io/service-account-token',
        metadata: expect.objectContaining({
          name: 'orkestra-executor.service-account-token',
          annotations: { 'kubernetes.io/service-account.name': 'orkestra-executor' },
        }),
      }),
      expect.objectContaining({
        type: 'kubernetes.io/service-account-token',
        metadata: expect.objectContaining({
          name: 'orkestra-executor-plugin.service-account-token',
          annotations: { 'kubernetes.io/service-account.name': 'orkestra-executor-plugin' },
        }),
      }),
    ]);
  });
});

describe('tokenSecretProblems', () => {
  const token = (serviceAccount: string, change: Partial<ObservedSecret> = {}): ObservedSecret => ({
    isToken: true,
    metadata: {
      labels: MANAGED,
      annotations: { 'kubernetes.io/service-account.name': serviceAccount },
    },
    ...change,
  });
  const found = (plugin: ObservedSecret | undefined) =>
    new Map([
      ['orkestra-executor.service-account-token', token('orkestra-executor')],
      ...(plugin ? [['orkestra-executor-plugin.service-account-token', plugin] as const] : []),
    ]);
  const named =
    'Secret team/orkestra-executor-plugin.service-account-token is not the token of ServiceAccount orkestra-executor-plugin that Orkestra creates';

  it.each([
    ['both Orkestra’s tokens → nothing wrong', token('orkestra-executor-plugin'), undefined],
    ['one not there (the caller creates it) → nothing wrong here', undefined, undefined],
    [
      'an Opaque Secret under the name → refused',
      token('orkestra-executor-plugin', { isToken: false }),
      `${named} (its type is not kubernetes.io/service-account-token): not used; delete it and the controller creates its own`,
    ],
    [
      'a token of another ServiceAccount (orkestra-release, admin) under the name → refused',
      token('orkestra-release'),
      `${named} (its annotation kubernetes.io/service-account.name is "orkestra-release", not "orkestra-executor-plugin"): not used; delete it and the controller creates its own`,
    ],
    [
      'the right token, created by someone else (no managed-by label) → refused',
      token('orkestra-executor-plugin', {
        metadata: { annotations: { 'kubernetes.io/service-account.name': 'orkestra-executor-plugin' } },
      }),
      `${named} (it lacks the label app.kubernetes.io/managed-by=orkestra): not used; delete it and the controller creates its own`,
    ],
    [
      'nothing right → every reason named',
      { isToken: false, metadata: {} },
      `${named} (its type is not kubernetes.io/service-account-token, its annotation kubernetes.io/service-account.name is null, not "orkestra-executor-plugin", it lacks the label app.kubernetes.io/managed-by=orkestra): not used; delete it and the controller creates its own`,
    ],
  ])('%s', (_, plugin, problem) => {
    expect(tokenSecretProblems('team', found(plugin))).toEqual(problem ? [problem] : []);
  });
});

describe('strayDataKeys', () => {
  it.each([
    ['the same keys → none', { a: '1', b: '2' }, []],
    ['an edited value (forced apply sets it back) → none', { a: 'x', b: 'y' }, []],
    [
      'a key someone added → it',
      { a: '1', b: '2', 'sidecar.automountWorkflowServiceAccountToken': 'true' },
      ['sidecar.automountWorkflowServiceAccountToken'],
    ],
    ['no data → none', undefined, []],
  ])('%s', (_, live, stray) => {
    expect(strayDataKeys(live, { a: '1', b: '2' })).toEqual(stray);
  });
});

describe('lastGroupOfNamespace', () => {
  const other = (finalizers: string[]) => ({ metadata: { ...chain().metadata, uid: 'other', finalizers } });
  it.each([
    ['alone', [], true],
    ['listed itself', [chain({ deleting: true })], true],
    ['beside a group without the finalizer', [other([])], true],
    ['beside a group with another controller’s finalizer only', [other(['example.com/other'])], true],
    ['beside a group holding the finalizer', [other(['orkestra.azure.microsoft.com/finalizer'])], false],
  ])('%s → %s', (_, groups, last) => {
    expect(lastGroupOfNamespace(chain({ deleting: true }), groups)).toBe(last);
  });
});

describe('namespaceObjectsToRemove', () => {
  it('the staging credentials, the plugin’s ConfigMap, ServiceAccount, RoleBinding and both token Secrets, when Orkestra labelled them', () => {
    expect(NAMESPACE_OBJECTS.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Secret/orkestra-staging',
      'ConfigMap/orkestra-executor-plugin',
      'ServiceAccount/orkestra-executor-plugin',
      'RoleBinding/orkestra-executor-plugin',
      'Secret/orkestra-executor.service-account-token',
      'Secret/orkestra-executor-plugin.service-account-token',
    ]);
  });

  it('only those carrying Orkestra’s managed-by label; absent ones are skipped', () => {
    const ours = { name: 'a', metadata: { labels: MANAGED } };
    const hand = { name: 'b', metadata: { labels: { 'app.kubernetes.io/name': 'orkestra' } } };
    const otherManager = { name: 'c', metadata: { labels: { 'app.kubernetes.io/managed-by': 'Helm' } } };
    expect(namespaceObjectsToRemove([ours, hand, undefined, otherManager])).toEqual([ours]);
  });
});
