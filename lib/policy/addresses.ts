// PURE: which addresses a chart may not be fetched from. A chart URL is the one request a tenant
// makes Flux (or the stage step) send wherever they like: to a cloud's metadata service, the node's
// kubelet or the API server it would go with the cluster's network position.
import { BlockList, isIP } from 'node:net';
import type { EffectivePolicy } from './policy.ts';

/** Refused whatever the cluster: loopback, link-local (cloud metadata services), unspecified. */
export const ALWAYS_REFUSED: readonly { cidr: string; what: string }[] = [
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '::1/128', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local (cloud metadata services)' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: '0.0.0.0/8', what: 'unspecified' },
  { cidr: '::/128', what: 'unspecified' },
];

/** The cluster's own addresses, refused as chart sources by default. */
export interface ClusterAddresses {
  /** Every address of every Node (InternalIP, ExternalIP). */
  nodes: readonly string[];
  /** The API server's: the `kubernetes` Service's cluster IP and its endpoints. */
  apiServer: readonly string[];
}

/** An IPv4-mapped IPv6 address (::ffff:169.254.169.254) is its IPv4 address. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address.toLowerCase();
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) continue;
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** A CIDR (or single address) a policy may list: checked by the CRD's pattern and again here. */
export function isCidr(value: string): boolean {
  const [address, bits, ...more] = value.split('/');
  if (more.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/**
 * Why `address` may not serve charts under `policy`, or undefined when it may. The policy's
 * allowed addresses win over every default refusal, its denied ones add to them.
 */
export function refusedAddress(
  address: string,
  cluster: ClusterAddresses,
  policy: Pick<EffectivePolicy, 'sources'>,
): string | undefined {
  const ip = normalizeAddress(address);
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(ip) === 0) return undefined;
  if (blockList(policy.sources.deniedAddresses).check(ip, family)) return `${ip} is refused by the policy`;
  if (blockList(policy.sources.allowedAddresses).check(ip, family)) return undefined;
  for (const { cidr, what } of ALWAYS_REFUSED) {
    if (blockList([cidr]).check(ip, family)) return `${ip} is ${what}`;
  }
  if (cluster.nodes.map(normalizeAddress).includes(ip)) return `${ip} is a node's address`;
  if (cluster.apiServer.map(normalizeAddress).includes(ip)) return `${ip} is the API server's address`;
  return undefined;
}

/** The host of a chart URL (http, https or oci), without IPv6 brackets; undefined if it has none. */
export function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host === '' ? undefined : host.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}
