import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { HelmRelease } from '../../lib/api/flux.ts';
import type { ChartSourceObject, ChartSourceRef } from '../../lib/helm-release/chart-source.ts';
import { SOURCE_GROUP } from '../../lib/helm-release/chart-source.ts';
import type { ObjectFeed } from './watch-until.ts';

interface Kind {
  group: string;
  version: string;
  plural: string;
}

/** Reads and watches one custom object by name (a field-selected list and watch, so absence is visible too). */
export function customObjectFeed<T>(
  kube: KubeConfig,
  kind: Kind,
  namespace: string,
  name: string,
  describe: string,
): ObjectFeed<T> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const fieldSelector = `metadata.name=${name}`;
  return {
    describe,
    read: async () => {
      const list = await api.listNamespacedCustomObject({ ...kind, namespace, fieldSelector });
      return {
        object: list.items?.[0] as T | undefined,
        resourceVersion: list.metadata?.resourceVersion as string,
      };
    },
    watch: async (resourceVersion, onEvent, onEnd) => {
      const controller = await new Watch(kube).watch(
        `/apis/${kind.group}/${kind.version}/namespaces/${namespace}/${kind.plural}`,
        { fieldSelector, resourceVersion, allowWatchBookmarks: true },
        (type, object) => {
          if (type !== 'BOOKMARK') onEvent(type, object);
        },
        (error) => onEnd(error ?? new Error('watch closed')),
      );
      return { stop: () => controller.abort() };
    },
  };
}

export function helmReleaseFeed(kube: KubeConfig, namespace: string, name: string): ObjectFeed<HelmRelease> {
  return customObjectFeed(
    kube,
    { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' },
    namespace,
    name,
    `HelmRelease ${namespace}/${name}`,
  );
}

/** The HelmChart or OCIRepository a HelmRelease takes its chart from. */
export function chartSourceFeed(kube: KubeConfig, ref: ChartSourceRef): ObjectFeed<ChartSourceObject> {
  return customObjectFeed(
    kube,
    { group: SOURCE_GROUP, version: 'v1', plural: ref.plural },
    ref.namespace,
    ref.name,
    `${ref.kind} ${ref.namespace}/${ref.name}`,
  );
}
