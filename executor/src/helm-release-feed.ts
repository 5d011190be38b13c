import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { HelmRelease } from '../../lib/api/flux.ts';
import type { ObjectFeed } from './watch-until.ts';

const GROUP = 'helm.toolkit.fluxcd.io';
const VERSION = 'v2';
const PLURAL = 'helmreleases';

/** Reads and watches one HelmRelease by name (a field-selected list and watch, so absence is visible too). */
export function helmReleaseFeed(kube: KubeConfig, namespace: string, name: string): ObjectFeed<HelmRelease> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const fieldSelector = `metadata.name=${name}`;
  return {
    describe: `HelmRelease ${namespace}/${name}`,
    read: async () => {
      const list = await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        fieldSelector,
      });
      return {
        object: list.items?.[0] as HelmRelease | undefined,
        resourceVersion: list.metadata?.resourceVersion as string,
      };
    },
    watch: async (resourceVersion, onEvent, onEnd) => {
      const controller = await new Watch(kube).watch(
        `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
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
