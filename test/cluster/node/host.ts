// What the real node needs of the machine and leaves on it: system packages (installed when this is
// root on Debian), IP forwarding (left on), and — undone by `cleanHost` — the node's and the chart
// host's addresses on an interface of its own, and the mounts, network namespaces, pod bridge,
// nftables tables and cgroups that a kubelet and containerd create outside any folder given to
// them. One node per machine: a lock file names the process that owns it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../processes.ts';
import { CGROUP_ROOT, CNI_BIN_DIR, INTERFACE_ADDRESSES, NODE_INTERFACE, POD_BRIDGE } from './node-config.ts';

/** A command (or file) the node needs, and the Debian package that has it. */
const REQUIRED: ReadonlyArray<{ path: string; package: string }> = [
  { path: '/usr/bin/containerd', package: 'containerd' },
  { path: '/usr/sbin/runc', package: 'runc' },
  { path: `${CNI_BIN_DIR}/bridge`, package: 'containernetworking-plugins' },
  { path: '/usr/sbin/nft', package: 'nftables' },
  { path: '/usr/sbin/conntrack', package: 'conntrack' },
  { path: '/usr/bin/buildah', package: 'buildah' },
  { path: '/usr/sbin/debootstrap', package: 'debootstrap' },
  { path: '/bin/busybox', package: 'busybox-static' },
  { path: '/usr/sbin/ip', package: 'iproute2' },
];

export const HOST_PACKAGES = REQUIRED.map((r) => r.package);

const LOCK = '/run/orkestra-node.lock';

const run = (command: string, args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const attempt = (command: string, args: string[]) => {
  try {
    return run(command, args);
  } catch {
    return undefined;
  }
};

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Installs the node's system packages that are missing (root on Debian), else names them. */
export function ensureHostPackages(log: (line: string) => void): void {
  const missing = REQUIRED.filter((r) => !existsSync(r.path)).map((r) => r.package);
  if (missing.length === 0) return;
  const hint = `apt-get install ${HOST_PACKAGES.join(' ')}`;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `The test cluster runs a real node, which needs these system packages: ${missing.join(', ')}. ` +
        `Install them as root (on Debian: ${hint}) and run again.`,
    );
  }
  log(`Installing the node's system packages: ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    stdio: 'ignore',
    env,
  });
}

/** Refuses a second node on this machine; a lock left by a dead process is taken over. */
export function lockHost(): { stale: boolean } {
  if (!isRoot()) {
    throw new Error(
      'The test cluster runs a real node (kubelet, containerd, runc, kube-proxy), which must run as root.',
    );
  }
  let stale = false;
  if (existsSync(LOCK)) {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    if (pid && pid !== process.pid && alive(pid)) {
      throw new Error(
        `Another test cluster's node runs on this machine (process ${pid}, ${LOCK}); ` +
          'stop it first (npm run cluster:down, or end that test run).',
      );
    }
    stale = true;
  }
  writeFileSync(LOCK, `${process.pid}\n`);
  return { stale };
}

export function unlockHost(): void {
  if (existsSync(LOCK) && Number(readFileSync(LOCK, 'utf8').trim()) === process.pid) rmSync(LOCK);
}

/**
 * The node's address and the chart host's on the node's own dummy interface, and forwarding for pod
 * traffic.
 */
export function prepareHost(): void {
  // A dummy interface, or where the kernel has no dummy driver (this VM's has none, and no modules)
  // a bridge without ports: either holds a local address that nothing outside the machine reaches.
  if (
    attempt('ip', ['link', 'show', NODE_INTERFACE]) === undefined &&
    attempt('ip', ['link', 'add', NODE_INTERFACE, 'type', 'dummy']) === undefined
  )
    run('ip', ['link', 'add', NODE_INTERFACE, 'type', 'bridge']);
  const present = run('ip', ['-4', 'addr', 'show', 'dev', NODE_INTERFACE]);
  for (const ip of INTERFACE_ADDRESSES)
    if (!present.includes(`inet ${ip}/`)) run('ip', ['addr', 'add', `${ip}/32`, 'dev', NODE_INTERFACE]);
  run('ip', ['link', 'set', NODE_INTERFACE, 'up']);
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
  // kubelet requires its cgroupRoot to exist in every hierarchy (it creates kubepods below it).
  for (const parent of cgroupHierarchies()) {
    const root = join(parent, CGROUP_ROOT);
    if (existsSync(root)) continue;
    mkdirSync(root);
    // A new v1 cpuset has no CPUs or memory nodes until given its parent's.
    for (const file of ['cpuset.cpus', 'cpuset.mems'])
      if (existsSync(join(parent, file))) writeFileSync(join(root, file), readFileSync(join(parent, file)));
  }
}

/**
 * Whether a path is in the node's folder — or, after a crash whose folder is unknown, in any test
 * cluster's node folder (<tmp>/orkestra-cluster-XXXXXX/node; one node per machine, so any is ours).
 */
function inNodeFolder(path: string, nodeDir: string | undefined): boolean {
  if (nodeDir) return path === nodeDir || path.startsWith(`${nodeDir}/`);
  return /\/orkestra-cluster-[^/]+\/node(\/|$)/.test(path);
}

/** Mount points in the node's folder, deepest first (from /proc/self/mountinfo). */
function nodeMounts(nodeDir: string | undefined): string[] {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((point): point is string => !!point && inNodeFolder(point, nodeDir));
  return [...new Set(mountPoints)].sort((a, b) => b.length - a.length);
}

/**
 * The roots of the machine's cgroup hierarchies: /sys/fs/cgroup itself when it is cgroup v2 (one
 * unified hierarchy), else each mounted v1 hierarchy under it (cpu, memory, … and name=systemd).
 */
function cgroupHierarchies(): string[] {
  const base = '/sys/fs/cgroup';
  if (existsSync(join(base, 'cgroup.controllers'))) return [base];
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(base, entry.name, 'cgroup.procs')))
    .map((entry) => join(base, entry.name));
}

/**
 * Chains kubelet and the CNI bridge plugin (its ipMasq, per pod) create in iptables, which pods
 * killed with the node never delete: the rules jumping to them, then the chains. Only these; the
 * machine's own rules are left alone.
 */
function cleanIptables(): void {
  const ours = /^(KUBE-FIREWALL|KUBE-KUBELET-CANARY|KUBE-IPTABLES-HINT|CNI-[\w-]+)$/;
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle']) {
      const rules = (attempt(tool, ['-w', '-t', table, '-S']) ?? '').split('\n');
      for (const rule of rules) {
        const jump = / -j (\S+)/.exec(rule)?.[1];
        const chain = /^-A (\S+) /.exec(rule)?.[1];
        // -S prints each rule shell-quoted (comments): delete it through a shell, verbatim.
        if (chain && jump && ours.test(jump) && !ours.test(chain))
          attempt('sh', ['-c', `${tool} -w -t ${table} -D ${rule.slice(3)}`]);
      }
      const chains = rules.flatMap((rule) => /^-N (\S+)$/.exec(rule)?.[1] ?? []).filter((c) => ours.test(c));
      for (const chain of chains) attempt(tool, ['-w', '-t', table, '-F', chain]);
      for (const chain of chains) attempt(tool, ['-w', '-t', table, '-X', chain]);
    }
  }
}

/** cgroup folders at or below CGROUP_ROOT in every hierarchy, deepest first. */
function nodeCgroups(): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }))
      if (entry.isDirectory()) walk(join(path, entry.name));
    found.push(path);
  };
  for (const hierarchy of cgroupHierarchies()) {
    const root = join(hierarchy, CGROUP_ROOT);
    if (existsSync(root)) walk(root);
  }
  return found;
}

/** Every process in the node's cgroups (containers and shims that outlived containerd). */
function processesInNodeCgroups(): number[] {
  const pids = new Set<number>();
  for (const cgroup of nodeCgroups()) {
    const procs = join(cgroup, 'cgroup.procs');
    if (!existsSync(procs)) continue;
    for (const pid of readFileSync(procs, 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
  }
  return [...pids];
}

/**
 * Undoes what a node leaves outside its folder, after its processes were stopped: containers still
 * running, shims, mounts in the node's folder, the pods' network namespaces, the pod bridge,
 * kube-proxy's nftables tables, kubelet's and CNI's iptables chains, container log links, the node's
 * cgroups and its interface with its addresses. Idempotent; also run (with `nodeDir` unknown) before
 * a node starts, for what a killed run left.
 */
export function cleanHost(nodeDir: string | undefined, kubeProxy: string | undefined): void {
  for (const pid of processesInNodeCgroups()) attempt('kill', ['-KILL', String(pid)]);
  // containerd-shim-runc-v2 processes of this node's containerd (their -address names its socket).
  for (const line of (attempt('pgrep', ['-af', 'containerd-shim-runc-v2']) ?? '').split('\n')) {
    const [pid] = line.split(' ');
    const address = / -address (\S+)/.exec(line)?.[1];
    if (pid && address && inNodeFolder(address, nodeDir)) attempt('kill', ['-KILL', pid]);
  }
  for (const point of nodeMounts(nodeDir)) attempt('umount', ['-l', point]);
  // Pod network namespaces (containerd's CRI names them cni-*, in a fixed folder) that no process
  // is in any more: those of the node's killed pods. Another runtime's live pods are left alone.
  for (const netns of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    if (!netns.startsWith('cni-') || (attempt('ip', ['netns', 'pids', netns]) ?? '').trim()) continue;
    attempt('umount', ['-l', join('/run/netns', netns)]);
    rmSync(join('/run/netns', netns), { force: true });
  }
  attempt('ip', ['link', 'delete', POD_BRIDGE]);
  if (kubeProxy) attempt(kubeProxy, ['--cleanup']);
  cleanIptables();
  // kubelet links each container's log into /var/log/containers, whatever its podLogsDir.
  const containerLogs = '/var/log/containers';
  for (const link of existsSync(containerLogs) ? readdirSync(containerLogs) : []) {
    const target = attempt('readlink', [join(containerLogs, link)])?.trim() ?? '';
    if (inNodeFolder(target, nodeDir)) rmSync(join(containerLogs, link), { force: true });
  }
  // The device-plugin socket lives at a path fixed in kubelet, not under its root folder.
  rmSync('/var/lib/kubelet/device-plugins/kubelet.sock', { force: true });
  for (const dir of ['/var/lib/kubelet/device-plugins', '/var/lib/kubelet']) attempt('rmdir', [dir]);
  for (const cgroup of nodeCgroups()) attempt('rmdir', [cgroup]);
  // With the interface go its addresses (INTERFACE_ADDRESSES: the node's and the chart host's).
  attempt('ip', ['link', 'delete', NODE_INTERFACE]);
}
