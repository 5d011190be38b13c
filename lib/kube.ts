import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

/**
 * Kube config from --kubeconfig, else KUBECONFIG, else the in-cluster service account. Throws,
 * naming where it looked, when there is none or the file cannot be read.
 */
export function loadKubeConfig(path?: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  const file = path || env.KUBECONFIG;
  if (file) {
    config.loadFromFile(file);
    if (!config.getCurrentCluster()) throw new Error(`${file} has no current context with a cluster`);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
  } else {
    throw new Error('no cluster to talk to: give --kubeconfig, set KUBECONFIG, or run in a pod');
  }
  return config;
}

/** The namespace of the current context (in cluster: the pod's namespace). */
export function defaultNamespace(config: KubeConfig): string {
  return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
}

/** What the API server said, from a client-node error's body (a Status object, usually as text). */
export function serverMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : JSON.stringify(parsed ?? '');
}

/** The HTTP status an API call failed with (the client's error `code`), if any. */
export const statusOf = (error: unknown): unknown => (error as { code?: unknown })?.code;

const objectClients = new WeakMap<KubeConfig, KubernetesObjectApi>();

/**
 * The generic object client of `config`, one per config: it looks each group-version's resources up
 * once and keeps them, where a new client per call asks the API server again before every request.
 */
export function objectApi(config: KubeConfig): KubernetesObjectApi {
  let client = objectClients.get(config);
  if (!client) {
    client = KubernetesObjectApi.makeApiClient(config);
    objectClients.set(config, client);
  }
  return client;
}
