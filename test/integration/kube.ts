// Small helpers over @kubernetes/client-node for tests: apply, read, wait on a condition.
import { randomBytes } from 'node:crypto';
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { FLUX_SHARD, FLUX_SHARD_LABEL, RELEASE_SERVICE_ACCOUNT } from '../../lib/wire-names.ts';
import { type ManifestObject, namespacedTemplateObjects } from '../cluster/templates.ts';
import { waitFor } from '../cluster/wait.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read status and spec as untyped JSON
export type Obj = KubernetesObject & { spec?: any; status?: any; data?: Record<string, string> };

export interface Kube {
  objects: KubernetesObjectApi;
  apply: <T extends Obj>(object: T) => Promise<T>;
  get: (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ) => Promise<Obj | undefined>;
  remove: (apiVersion: string, kind: string, namespace: string | undefined, name: string) => Promise<void>;
  createNamespace: (prefix: string) => Promise<string>;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

export function connect(kubeconfigPath: string): Kube {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const get: Kube['get'] = async (apiVersion, kind, namespace, name) => {
    try {
      return (await objects.read({ apiVersion, kind, metadata: { name, namespace } })) as Obj;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    objects,
    get,
    apply: async (object) =>
      (await objects.patch(
        object,
        undefined,
        undefined,
        'orkestra-test',
        true,
        PatchStrategy.ServerSideApply,
      )) as never,
    remove: async (apiVersion, kind, namespace, name) => {
      try {
        await objects.delete({ apiVersion, kind, metadata: { name, namespace } });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    createNamespace: async (prefix) => {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
  };
}

export function condition(
  object: Obj | undefined,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return object?.status?.conditions?.find((c: { type: string }) => c.type === type);
}

/** Waits until the object exists and `predicate` holds for it; returns it. */
export function waitForObject(
  kube: Kube,
  ref: [apiVersion: string, kind: string, namespace: string | undefined, name: string],
  what: string,
  predicate: (object: Obj) => boolean,
  timeoutMs = 120_000,
): Promise<Obj> {
  return waitFor(
    `${ref[1]} ${ref[2] ? `${ref[2]}/` : ''}${ref[3]} ${what}`,
    async () => {
      const object = await kube.get(...ref);
      return object && predicate(object) ? object : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** Waits until the object no longer exists. */
export function waitForGone(
  kube: Kube,
  ref: [apiVersion: string, kind: string, namespace: string | undefined, name: string],
  timeoutMs = 120_000,
): Promise<true> {
  return waitFor(`${ref[1]} ${ref[3]} to be gone`, async () => (await kube.get(...ref)) === undefined, {
    timeoutMs,
    intervalMs: 250,
  });
}

/**
 * A HelmRelease of a fixture chart from the HelmRepository `fixtures` in its namespace, run as the
 * namespace's orkestra-release (as Orkestra's are: helm-controller is locked down, and the executor
 * in a pod refuses any other): releaseNamespace prepares it.
 */
export function fixtureHelmRelease(
  namespace: string,
  name: string,
  chart: string,
  version: string,
  extra: Record<string, unknown> = {},
): Obj {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace, labels: FLUX_SHARD_LABELS },
    spec: {
      interval: '10m',
      serviceAccountName: RELEASE_SERVICE_ACCOUNT,
      chart: {
        // The HelmChart helm-controller makes for it, labelled for the same shard.
        metadata: { labels: FLUX_SHARD_LABELS },
        spec: { chart, version, sourceRef: { kind: 'HelmRepository', name: 'fixtures' } },
      },
      ...extra,
    },
  };
}

/**
 * The label that puts what a test writes to Flux itself in the chart's Flux shard (the executor
 * labels what it writes; the chart's controllers see nothing else).
 */
export const FLUX_SHARD_LABELS = { [FLUX_SHARD_LABEL]: FLUX_SHARD };

/** The HelmRepository `fixtures` serving the fixture charts at `url`, for the chart's Flux. */
export function fixtureRepository(namespace: string, url: string): Obj {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: 'fixtures', namespace, labels: FLUX_SHARD_LABELS },
    spec: { url, interval: '10m' },
  };
}

/**
 * A new namespace with the ServiceAccount releases run as (orkestra-release, namespace admin), as
 * workflow-templates/rbac/executor.yaml makes it: for HelmReleases a test applies itself.
 */
export async function releaseNamespace(kube: Kube, prefix: string): Promise<string> {
  const namespace = await kube.createNamespace(prefix);
  const [account, binding] = releaseAccountObjects(namespace);
  await kube.objects.create(account as Obj);
  await kube.objects.create(binding as Obj);
  return namespace;
}

/** workflow-templates/rbac/executor.yaml's orkestra-release ServiceAccount and RoleBinding, in `namespace`. */
function releaseAccountObjects(namespace: string): ManifestObject[] {
  return namespacedTemplateObjects(namespace).filter((o) => o.metadata.name === RELEASE_SERVICE_ACCOUNT);
}
