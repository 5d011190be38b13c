// I/O: what the policy check needs from the world — the cluster's own addresses (Nodes, the
// `kubernetes` Service and its endpoints) and what chart hosts resolve to — each call thin, each
// answer kept for a short while (a group of 1,000 applications has one host or a few; every pass
// of every group asks).

import { lookup } from 'node:dns/promises';
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { statusOf } from '../kube.ts';
import type { ClusterAddresses } from './addresses.ts';

/** The addresses of every Node, and of the API server as Service and endpoints. */
export async function readClusterAddresses(kube: KubeConfig): Promise<ClusterAddresses> {
  const core = kube.makeApiClient(CoreV1Api);
  const discovery = kube.makeApiClient(DiscoveryV1Api);
  const nodes = await core.listNode();
  const apiServer: string[] = [];
  try {
    const service = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    apiServer.push(
      ...(service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : [])),
    );
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=kubernetes',
    });
    for (const slice of slices.items)
      for (const endpoint of slice.endpoints ?? []) apiServer.push(...(endpoint.addresses ?? []));
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  return {
    nodes: nodes.items.flatMap((n) =>
      (n.status?.addresses ?? []).filter((a) => a.type.endsWith('IP')).map((a) => a.address),
    ),
    apiServer: [...new Set(apiServer)],
  };
}

/** What `host` resolves to (every address), or [] when it does not resolve within `timeoutMs`. */
export async function resolveHost(host: string, timeoutMs = 2_000): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    return await Promise.race([
      lookup(host, { all: true, verbatim: true }).then((found) => found.map((a) => a.address)),
      timeout,
    ]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** `read` once per `ttlMs` per key; a failed read is not kept. */
export function cached<K, V>(read: (key: K) => Promise<V>, ttlMs: number, now = () => Date.now()) {
  const entries = new Map<K, { at: number; value: Promise<V> }>();
  return (key: K): Promise<V> => {
    const entry = entries.get(key);
    if (entry && now() - entry.at < ttlMs) return entry.value;
    const value = read(key);
    entries.set(key, { at: now(), value });
    value.catch(() => entries.delete(key));
    if (entries.size > 10_000) entries.delete(entries.keys().next().value as K);
    return value;
  };
}
