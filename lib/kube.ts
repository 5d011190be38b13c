import { KubeConfig } from '@kubernetes/client-node';

/** Kube config from --kubeconfig, else KUBECONFIG, else the in-cluster service account. */
export function loadKubeConfig(path?: string): KubeConfig {
  const config = new KubeConfig();
  const file = path ?? process.env.KUBECONFIG;
  if (file) config.loadFromFile(file);
  else config.loadFromCluster();
  return config;
}

/** The namespace of the current context (in cluster: the pod's namespace). */
export function defaultNamespace(config: KubeConfig): string {
  return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
}
