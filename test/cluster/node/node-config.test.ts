// The node's configuration files as their programs will read them: valid YAML/JSON, every path in
// the node's own folder, and the settings this machine needs present.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CGROUP_ROOT,
  CHART_HOST_IP,
  cniConflist,
  containerdConfig,
  INTERFACE_ADDRESSES,
  kubeletConfig,
  kubeProxyConfig,
  NODE_IP,
  nodePaths,
  POD_CIDR,
} from './node-config.ts';

const paths = nodePaths('/tmp/cluster-x/node', 'docker.io/orkestra-test/pause:busybox');

/** Whether an IPv4 address is in 198.18.0.0/15 (RFC 2544, benchmarking: no real network uses it). */
const inBenchmarkRange = (ip: string) => {
  const [a, b] = ip.split('.').map(Number);
  return a === 198 && (b === 18 || b === 19);
};

describe('addresses', () => {
  it('the chart host is not the node (the default chart-source policy refuses the node and API server)', () => {
    expect(CHART_HOST_IP).not.toBe(NODE_IP);
  });

  it('both are IPv4 addresses in 198.18.0.0/15 (so neither loopback nor link-local)', () => {
    for (const ip of [NODE_IP, CHART_HOST_IP]) {
      expect(ip).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      expect(inBenchmarkRange(ip)).toBe(true);
    }
  });

  it('the node interface carries both, the node first, each once', () => {
    expect(INTERFACE_ADDRESSES).toEqual([NODE_IP, CHART_HOST_IP]);
  });
});

describe('node configuration', () => {
  it('kubelet: the containerd socket, the node address, cgroupfs under its own root, no image GC', () => {
    const config = parse(kubeletConfig(paths, { port: 40001, healthzPort: 40002 }));
    expect(config).toMatchObject({
      kind: 'KubeletConfiguration',
      containerRuntimeEndpoint: 'unix:///tmp/cluster-x/node/containerd/containerd.sock',
      address: NODE_IP,
      port: 40001,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 40002,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: CGROUP_ROOT,
      failCgroupV1: false,
      failSwapOn: false,
      imageGCHighThresholdPercent: 100,
      enforceNodeAllocatable: [],
      podLogsDir: '/tmp/cluster-x/node/pod-logs',
    });
  });

  it('containerd: its state in the node folder, the local pause image, restricted oom_score_adj', () => {
    const text = containerdConfig(paths);
    expect(text).toContain('root = "/tmp/cluster-x/node/containerd/root"');
    expect(text).toContain('state = "/tmp/cluster-x/node/containerd/state"');
    expect(text).toContain('address = "/tmp/cluster-x/node/containerd/containerd.sock"');
    expect(text).toContain('sandbox_image = "docker.io/orkestra-test/pause:busybox"');
    expect(text).toContain('restrict_oom_score_adj = true');
    expect(text).toContain('SystemdCgroup = false');
    expect(text).toContain('conf_dir = "/tmp/cluster-x/node/cni/net.d"');
  });

  it('CNI: a NATed bridge for the pod range, addresses kept in the node folder', () => {
    const conflist = JSON.parse(cniConflist(paths));
    expect(conflist.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap']);
    expect(conflist.plugins[0]).toMatchObject({
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], dataDir: '/tmp/cluster-x/node/cni/ipam' },
    });
  });

  it('kube-proxy: nftables, health and metrics on loopback, conntrack limits left alone', () => {
    const config = parse(kubeProxyConfig('/k/kube-proxy.kubeconfig', { healthzPort: 1, metricsPort: 2 }));
    expect(config).toMatchObject({
      mode: 'nftables',
      clientConnection: { kubeconfig: '/k/kube-proxy.kubeconfig' },
      healthzBindAddress: '127.0.0.1:1',
      metricsBindAddress: '127.0.0.1:2',
      conntrack: { maxPerCore: 0 },
    });
  });
});
