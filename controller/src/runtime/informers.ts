// Informers (client-node's list-then-watch caches) over one kind, in every namespace or in a list of
// them. client-node lists again by itself on 410 Gone; on any other error its watch stops, so it is
// started again after a backoff (1 s doubling to 30 s, reset once a list has succeeded). A cache
// counts as complete only once a list succeeded: client-node's start() resolves after a failed
// list too, with nothing in the cache.
import {
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ListWatch,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';

export interface CustomKind {
  group: string;
  version: string;
  plural: string;
}

export interface WatchedKind<T extends KubernetesObject> {
  /** Cached objects of a namespace. */
  list: (namespace: string) => T[];
  /** Every cached object. */
  all: () => T[];
  /** Resolves once every informer has listed (the cache is complete). */
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface WatchOptions<T extends KubernetesObject> {
  /** Every namespace when undefined. */
  namespaces?: readonly string[];
  labelSelector?: string;
  /** Called for every add, update and delete (reconcile gets the key, never the event). */
  onChange: (object: T) => void;
  log: (message: string, fields: Record<string, unknown>) => void;
}

const MIN_RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;

export function watchCustomKind<T extends KubernetesObject>(
  kube: KubeConfig,
  kind: CustomKind,
  options: WatchOptions<T>,
): WatchedKind<T> {
  const api = kube.makeApiClient(CustomObjectsApi);
  const scopes = options.namespaces ?? [undefined];
  let stopped = false;
  const informers = scopes.map((namespace) => {
    const path = `/apis/${kind.group}/${kind.version}${namespace ? `/namespaces/${namespace}` : ''}/${kind.plural}`;
    const list = () =>
      (namespace
        ? api.listNamespacedCustomObject({ ...kind, namespace, labelSelector: options.labelSelector })
        : api.listClusterCustomObject({ ...kind, labelSelector: options.labelSelector })) as Promise<
        KubernetesListObject<T>
      >;
    const informer = makeInformer(kube, path, list, options.labelSelector) as Informer<T> &
      ObjectCache<T> &
      Pick<ListWatch<T>, 'latestResourceVersion'>;
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, options.onChange);
    let delay = MIN_RESTART_MS;
    /** While start() tries to list, it does the retrying itself. */
    const state = { starting: false };
    // Its events come only once a list succeeded (the watch starts after it): a healthy informer.
    for (const verb of ['add', 'update', 'delete'] as const)
      informer.on(verb, () => {
        delay = MIN_RESTART_MS;
      });
    informer.on('error', (error) => {
      if (stopped || state.starting) return;
      options.log(`Watch of ${path} failed; starting it again`, { inMs: delay, error: String(error) });
      const timer = setTimeout(() => {
        if (!stopped) informer.start().catch(() => {});
      }, delay);
      timer.unref();
      delay = Math.min(delay * 2, MAX_RESTART_MS);
    });
    return { namespace, informer, state };
  });

  return {
    list: (namespace) =>
      informers.flatMap(({ namespace: scope, informer }) =>
        scope === undefined || scope === namespace ? informer.list(namespace) : [],
      ),
    all: () => informers.flatMap(({ informer }) => informer.list()),
    start: async () => {
      await Promise.all(
        informers.map(async ({ informer, namespace, state }) => {
          state.starting = true;
          for (let wait = MIN_RESTART_MS; ; wait = Math.min(wait * 2, MAX_RESTART_MS)) {
            if (stopped) return;
            await informer.start();
            if (informer.latestResourceVersion() !== '') {
              state.starting = false;
              return;
            }
            options.log('Could not list yet; trying again', { namespace: namespace ?? 'all', inMs: wait });
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }),
      );
    },
    stop: async () => {
      stopped = true;
      await Promise.all(informers.map(({ informer }) => informer.stop()));
    },
  };
}
