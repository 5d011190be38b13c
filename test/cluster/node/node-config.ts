// The configuration files of the test cluster's one real node: containerd's, the CNI network's,
// kubelet's and kube-proxy's. Pure: folders and ports in, file contents out. The I/O is node.ts.

/**
 * Where the node is reached: a fixed private address on a dummy interface of its own (steadier than
 * eth0's, and unreachable from outside the machine). Pods cannot reach the host's 127.0.0.1, so
 * the API server listens here. 198.18.0.0/15 is reserved for benchmarking networks (RFC 2544): no
 * real network of this machine uses it.
 */
export const NODE_IP = '198.18.0.1';
/**
 * Where the fixture chart repository and OCI registry listen, as a real chart host would: not the
 * node's or the API server's address, which Orkestra's default chart-source policy refuses. On the
 * same interface as NODE_IP and in the same RFC 2544 range, so pods reach it the same way.
 */
export const CHART_HOST_IP = '198.18.0.2';
/** The addresses prepareHost() puts on NODE_INTERFACE (each /32); cleanHost() deletes them with it. */
export const INTERFACE_ADDRESSES: readonly string[] = [NODE_IP, CHART_HOST_IP];
export const NODE_INTERFACE = 'orkestra0';
export const NODE_NAME = 'orkestra-node';
export const POD_CIDR = '10.244.0.0/24';
export const SERVICE_CIDR = '10.96.0.0/16';
/** The bridge pods are attached to (the CNI bridge plugin's default name). */
export const POD_BRIDGE = 'cni0';
/** Every pod cgroup of the node lives under this one, in each cgroup v1 hierarchy. */
export const CGROUP_ROOT = '/orkestra-node';
/** Debian's containernetworking-plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';

export interface NodePaths {
  /** The node's own folder; every state folder below is inside it. */
  dir: string;
  containerdSocket: string;
  /** The pod sandbox's image (its one process holds the pod's namespaces). */
  pauseImage: string;
}

export function nodePaths(dir: string, pauseImage: string): NodePaths {
  return { dir, containerdSocket: `${dir}/containerd/containerd.sock`, pauseImage };
}

/** containerd 1.6 (Debian's) with its CRI plugin: runc, overlayfs, the node's CNI folders. */
export function containerdConfig({ dir, containerdSocket, pauseImage }: NodePaths): string {
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"

[grpc]
  address = "${containerdSocket}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  # root here lacks CAP_SYS_RESOURCE: runc cannot set the negative oom_score_adj kubelet asks for
  # (every container fails with "can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # kubelet's cgroupDriver is cgroupfs (no systemd here).
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${dir}/cni/net.d"
`;
}

/** A bridge network with NAT for pods, addresses from host-local IPAM kept in the node's folder. */
export function cniConflist({ dir }: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'orkestra',
      plugins: [
        {
          type: 'bridge',
          bridge: POD_BRIDGE,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: POD_CIDR }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: `${dir}/cni/ipam`,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export interface KubeletPorts {
  port: number;
  healthzPort: number;
}

/** KubeletConfiguration for a test node on a shared machine. */
export function kubeletConfig({ dir, containerdSocket }: NodePaths, ports: KubeletPorts): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://${containerdSocket}
address: ${NODE_IP}
port: ${ports.port}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${ports.healthzPort}
# The API server reaches the kubelet (logs, exec) with no client certificate: this test node trusts
# what arrives on its private address. A real node: webhook authentication and authorization.
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
# No systemd here; this machine has cgroup v1 controllers, which kubelet refuses unless told.
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupRoot: ${CGROUP_ROOT}
failSwapOn: false
# A shared machine: no eviction for its disk or memory use, no reserved share to enforce.
evictionHard: {memory.available: "1Mi", nodefs.available: "0%", imagefs.available: "0%", nodefs.inodesFree: "0%"}
enforceNodeAllocatable: []
# Every image is built here and cannot be pulled again: never garbage-collect one.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
resolvConf: /etc/resolv.conf
podLogsDir: ${dir}/pod-logs
staticPodPath: ""
syncFrequency: 10s
fileCheckFrequency: 1m
nodeStatusReportFrequency: 10s
`;
}

export interface KubeProxyPorts {
  healthzPort: number;
  metricsPort: number;
}

/** kube-proxy in nftables mode: Service IPs (10.96.0.1 for in-cluster config) to endpoints. */
export function kubeProxyConfig(kubeconfig: string, ports: KubeProxyPorts): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection: {kubeconfig: ${kubeconfig}}
hostnameOverride: ${NODE_NAME}
clusterCIDR: ${POD_CIDR}
healthzBindAddress: 127.0.0.1:${ports.healthzPort}
metricsBindAddress: 127.0.0.1:${ports.metricsPort}
# Leave the machine's conntrack limits alone (a shared machine; not always writable in a VM).
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`;
}
