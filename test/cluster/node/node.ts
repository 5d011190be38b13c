// The test cluster's one real node: containerd (with runc and the CNI bridge), the images loaded
// into it, kubelet registered as `orkestra-node`, and kube-proxy so that Service IPs work (in-cluster
// configuration reaches the API server at 10.96.0.1). Started after the control plane's API server;
// the configuration itself is node-config.ts, the machine's part host.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeconfigYaml } from '../bootstrap.ts';
import { httpRequest } from '../http.ts';
import type { Launcher } from '../launcher.ts';
import { freePort } from '../ports.ts';
import { type BuiltImage, importImages, PAUSE_IMAGE } from './images.ts';
import {
  cniConflist,
  containerdConfig,
  kubeletConfig,
  kubeProxyConfig,
  NODE_IP,
  NODE_NAME,
  nodePaths,
} from './node-config.ts';

/** Starts a named process and resolves once `ready` holds (launcher.ts). */
export type Launch = Launcher['launch'];

export interface NodeOptions {
  /** The node's folder (created). */
  dir: string;
  server: string;
  caData: string;
  adminToken: string;
  /** Tokens the API server accepts for system:node:orkestra-node and system:kube-proxy. */
  kubeletToken: string;
  kubeProxyToken: string;
  images: BuiltImage[];
  launch: Launch;
  log: (line: string) => void;
}

export interface NodeTokens {
  kubelet: string;
  kubeProxy: string;
}

/** token-auth-file lines for the node's components, as a kubeadm cluster's certificates would name them. */
export function nodeTokenLines(tokens: NodeTokens): string {
  return (
    `${tokens.kubelet},system:node:${NODE_NAME},system:node:${NODE_NAME},"system:nodes"\n` +
    `${tokens.kubeProxy},system:kube-proxy,system:kube-proxy\n`
  );
}

async function nodeReady(server: string, token: string): Promise<boolean> {
  const response = await httpRequest(`${server}/api/v1/nodes/${NODE_NAME}`, { token });
  if (response.status !== 200) return false;
  const node = JSON.parse(response.body) as {
    status?: { conditions?: Array<{ type: string; status: string }> };
    spec?: { taints?: Array<{ key: string }> };
  };
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  // The node-lifecycle controller removes the not-ready taint kubelet registers with.
  const tainted = node.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/not-ready'));
  return !!ready && !tainted;
}

export async function startNode(options: NodeOptions): Promise<void> {
  const { dir, server, caData, launch, log } = options;
  const paths = nodePaths(dir, PAUSE_IMAGE);
  for (const sub of ['containerd', 'cni/net.d', 'cni/ipam', 'kubelet', 'pod-logs'])
    mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'containerd.toml'), containerdConfig(paths));
  writeFileSync(join(dir, 'cni/net.d/10-orkestra.conflist'), cniConflist(paths));

  await launch(
    'containerd',
    ['--config', join(dir, 'containerd.toml')],
    async () => existsSync(paths.containerdSocket),
    undefined,
    '/usr/bin/containerd',
  );
  const imported = performance.now();
  await importImages(paths.containerdSocket, options.images);
  log(`${options.images.length} images imported in ${((performance.now() - imported) / 1000).toFixed(1)} s`);

  const kubeletKubeconfig = join(dir, 'kubelet.kubeconfig');
  writeFileSync(
    kubeletKubeconfig,
    kubeconfigYaml(server, caData, options.kubeletToken, { user: `system:node:${NODE_NAME}` }),
  );
  const [port, healthzPort] = await Promise.all([freePort(), freePort()]);
  writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(paths, { port, healthzPort }));
  await launch(
    'kubelet',
    [
      `--config=${join(dir, 'kubelet.yaml')}`,
      `--kubeconfig=${kubeletKubeconfig}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--cert-dir=${join(dir, 'kubelet/pki')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      '--v=1',
    ],
    () => nodeReady(server, options.adminToken),
  );

  const proxyKubeconfig = join(dir, 'kube-proxy.kubeconfig');
  writeFileSync(
    proxyKubeconfig,
    kubeconfigYaml(server, caData, options.kubeProxyToken, { user: 'system:kube-proxy' }),
  );
  const [proxyHealth, proxyMetrics] = await Promise.all([freePort(), freePort()]);
  writeFileSync(
    join(dir, 'kube-proxy.yaml'),
    kubeProxyConfig(proxyKubeconfig, { healthzPort: proxyHealth, metricsPort: proxyMetrics }),
  );
  await launch(
    'kube-proxy',
    [`--config=${join(dir, 'kube-proxy.yaml')}`, '--v=1'],
    async () => (await httpRequest(`http://127.0.0.1:${proxyHealth}/healthz`)).status === 200,
  );
}
