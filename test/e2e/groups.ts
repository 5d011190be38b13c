// Given/When helpers for ApplicationGroups on the real control plane, as a user drives them: a group
// of fixture charts, `kubectl apply`, `kubectl wait --for=condition=Ready`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { stringify } from 'yaml';
import { ensureTools } from '../cluster/tools.ts';
import { condition, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { run } from './cli.ts';

export const AG = 'orkestra.azure.microsoft.com/v1alpha1';
export const HR = 'helm.toolkit.fluxcd.io/v2';

export type App = {
  name: string;
  dependencies?: string[];
  chart?: string;
  version?: string;
  release?: object;
};

/** A group in `namespace` of fixture charts (configmap-app 1.0.0 unless said otherwise). */
export function group(
  namespace: string,
  name: string,
  apps: App[],
  {
    remediation,
    labels,
  }: { remediation?: 'Rollback' | 'Uninstall' | 'None'; labels?: Record<string, string> } = {},
): Obj {
  return {
    apiVersion: AG,
    kind: 'ApplicationGroup',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: {
      ...(remediation ? { remediation: { strategy: remediation } } : {}),
      applications: apps.map((app) => ({
        name: app.name,
        dependencies: app.dependencies ?? [],
        spec: {
          chart: {
            url: inject('chartsUrl'),
            name: app.chart ?? 'configmap-app',
            version: app.version ?? '1.0.0',
          },
          release: { targetNamespace: namespace, ...app.release },
        },
      })),
    },
  } as Obj;
}

/** `kubectl apply -f FILE` with the real kubectl, as a user would (`--server-side` when asked). */
/** The group `chain`: a → b → c, c at chart version 2.0.0. */
export function abcChain(namespace: string, labels: Record<string, string>): Obj {
  return group(
    namespace,
    'chain',
    [{ name: 'a' }, { name: 'b', dependencies: ['a'] }, { name: 'c', dependencies: ['b'], version: '2.0.0' }],
    { labels },
  );
}

export async function kubectlApply(object: Obj, { serverSide = false } = {}): Promise<void> {
  const file = join(
    mkdtempSync(join(tmpdir(), 'orkestra-apply-')),
    `${object.metadata?.namespace}-${object.metadata?.name}.yaml`,
  );
  writeFileSync(file, stringify(object));
  const applied = await run(ensureTools().kubectl, [
    'apply',
    ...(serverSide ? ['--server-side'] : []),
    '-f',
    file,
  ]);
  expect(applied.code, applied.stderr).toBe(0);
}

/** `kubectl wait --for=condition=Ready ag/NAME`, as the README tells users. */
export async function kubectlWaitReady(namespace: string, name: string, timeout = '150s') {
  return run(ensureTools().kubectl, [
    'wait',
    '-n',
    namespace,
    '--for=condition=Ready',
    `ag/${name}`,
    `--timeout=${timeout}`,
  ]);
}

export const readyCondition = (g: Obj) => condition(g, 'Ready');

/** Waits until the group has a verdict (Ready True or False, not Reconciling) for its current generation. */
export function groupSettled(kube: Kube, namespace: string, name: string, timeoutMs = 150_000): Promise<Obj> {
  return waitForObject(
    kube,
    [AG, 'ApplicationGroup', namespace, name],
    'to settle',
    (g) =>
      g.status?.observedGeneration === g.metadata?.generation &&
      ['True', 'False'].includes(readyCondition(g)?.status as string) &&
      !condition(g, 'Reconciling'),
    timeoutMs,
  );
}

/**
 * The group `broken` (first → missing at chart version 9.9.9 → after) applied in `namespace`, its
 * failure as reported (remediation None; labels as given), once Ready=False.
 */
export async function applyMissingVersionGroup(
  kube: Kube,
  namespace: string,
  labels?: Record<string, string>,
): Promise<Obj> {
  // The step of `missing` may take 30 minutes (its release timeout): the failure must come from
  // source-controller giving up, not from waiting that out.
  await kubectlApply(
    group(
      namespace,
      'broken',
      [
        { name: 'first' },
        { name: 'missing', dependencies: ['first'], version: '9.9.9', release: { timeout: '30m' } },
        { name: 'after', dependencies: ['missing'] },
      ],
      { remediation: 'None', labels },
    ),
  );
  return waitForObject(
    kube,
    [AG, 'ApplicationGroup', namespace, 'broken'],
    'Ready=False',
    (g) => (readyCondition(g)?.status as string) === 'False',
  );
}

/** What the group of applyMissingVersionGroup says: `missing` failed, named; nothing after it ran. */
export async function expectMissingVersionReported(
  kube: Kube,
  namespace: string,
  failed: Obj,
): Promise<void> {
  expect(readyCondition(failed)).toMatchObject({ reason: 'Failed' });
  expect(readyCondition(failed)?.message).toMatch(
    /^application missing failed to install or upgrade: InvalidChartReference: HelmChart .*no 'configmap-app' chart with version matching '9\.9\.9' found \(Workflow broken-g1-forward\)$/,
  );
  expect(failed.status.applications.map((a: { name: string; phase: string }) => [a.name, a.phase])).toEqual([
    ['first', 'Succeeded'],
    ['missing', 'Failed'],
    ['after', 'Pending'],
  ]);
  // Nothing after it in the DAG was created.
  expect(await kube.get(HR, 'HelmRelease', namespace, 'after')).toBeUndefined();
}

/** The group once it says Stalled=True for its current generation. */
export function groupStalled(kube: Kube, namespace: string, name: string): Promise<Obj> {
  return waitForObject(kube, [AG, 'ApplicationGroup', namespace, name], 'Stalled=True', (g) => {
    const stalled = condition(g, 'Stalled');
    return stalled?.status === 'True' && stalled.observedGeneration === g.metadata?.generation;
  });
}

/** The group once it is Stalled, PolicyDenied, with `problem` among what the policy refuses. */
export async function expectPolicyDenied(
  kube: Kube,
  namespace: string,
  name: string,
  problem: string,
): Promise<Obj> {
  const refused = await groupStalled(kube, namespace, name);
  expect(condition(refused, 'Stalled')).toMatchObject({ reason: 'PolicyDenied' });
  expect(condition(refused, 'Stalled')?.message).toContain(problem);
  return refused;
}

/** A ReleasePolicy named after `namespace` that governs it, with `spec` beside. */
export async function createPolicy(
  kube: Kube,
  namespace: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await kube.objects.create({
    apiVersion: AG,
    kind: 'ReleasePolicy',
    metadata: { name: namespace },
    spec: { namespaces: [namespace], ...spec },
  } as Obj);
}
