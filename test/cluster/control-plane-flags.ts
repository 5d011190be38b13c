// The command-line flags of each component the harness runs on the host:
// pure, folders and ports in. control-plane.ts starts the processes.
import { join } from 'node:path';
import { FLUX_SHARD_LABEL } from '../../lib/wire-names.ts';
import { SERVICE_CIDR } from './node/node-config.ts';

export function etcdFlags(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=default',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Argo's full CRDs are close to 3 MB each.
    '--max-request-bytes=16777216',
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export interface ApiServerLayout {
  etcdUrl: string;
  pki: string;
  /** Where it listens and what it advertises (the `kubernetes` Service's endpoint). */
  address: string;
  port: number;
  /** A real node registers: kubelets are authorized as nodes (Node authorizer, NodeRestriction). */
  node: boolean;
}

export function apiServerFlags({ etcdUrl, pki, address, port, node }: ApiServerLayout): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${pki}`,
    `--bind-address=${address}`,
    `--advertise-address=${address}`,
    `--secure-port=${port}`,
    `--token-auth-file=${join(pki, 'tokens.csv')}`,
    `--authorization-mode=${node ? 'Node,RBAC' : 'RBAC'}`,
    ...(node
      ? [
          '--enable-admission-plugins=NodeRestriction',
          // Else `kubectl logs` fails looking the node's name up in DNS.
          '--kubelet-preferred-address-types=InternalIP,Hostname',
        ]
      : []),
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    // Compact etcd often, so tests meet expired watches (410 Gone) as long-running clusters do.
    '--etcd-compaction-interval=5s',
    '--v=0',
  ];
}

/** The controllers every cluster here runs, and those a node's pods and Deployments need. */
const CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  // A ResourceQuota is enforced only once it has counted what is used.
  'resourcequota-controller',
  // The built-in admin, edit and view ClusterRoles are aggregated: without this controller they
  // hold no rule, and a release running as orkestra-release (bound to admin) may do nothing.
  'clusterrole-aggregation-controller',
];
const NODE_CONTROLLERS = [
  // kubelet registers its node tainted not-ready; only this controller removes the taint.
  'node-lifecycle-controller',
  'deployment-controller',
  'replicaset-controller',
  // Services' endpoints, which kube-proxy routes to.
  'endpointslice-controller',
  'endpoints-controller',
  'pod-garbage-collector-controller',
];

/**
 * What kube-controller-manager and kube-scheduler share: the admin kubeconfig for everything,
 * health endpoints on 127.0.0.1 readable without credentials, no leader election (one of each).
 */
function localComponentFlags(kubeconfig: string, certDir: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    '--leader-elect=false',
  ];
}

export function controllerManagerFlags(
  kubeconfig: string,
  pki: string,
  port: number,
  node: boolean,
): string[] {
  return [
    ...localComponentFlags(kubeconfig, join(pki, 'kcm'), port),
    `--controllers=${[...CONTROLLERS, ...(node ? NODE_CONTROLLERS : [])].join(',')}`,
    `--service-account-private-key-file=${join(pki, 'sa.key')}`,
    `--root-ca-file=${join(pki, 'apiserver.crt')}`,
    '--use-service-account-credentials=false',
  ];
}

export function schedulerFlags(kubeconfig: string, pki: string, port: number): string[] {
  return localComponentFlags(kubeconfig, join(pki, 'scheduler'), port);
}

export function sourceControllerFlags(
  storageDir: string,
  ports: { storage: number; health: number; metrics: number },
  shards = false,
): string[] {
  return [
    ...(shards ? [`--watch-label-selector=!${FLUX_SHARD_LABEL}`] : []),
    `--storage-path=${storageDir}`,
    `--storage-addr=127.0.0.1:${ports.storage}`,
    `--storage-adv-addr=127.0.0.1:${ports.storage}`,
    `--health-addr=127.0.0.1:${ports.health}`,
    `--metrics-addr=127.0.0.1:${ports.metrics}`,
    '--events-addr=',
    '--log-level=info',
  ];
}

/**
 * Flux's multi-tenancy lockdown, as docs/security.md asks of a cluster that runs Orkestra for
 * tenants: a HelmRelease references sources, values and dependencies only in its own namespace, and
 * one that names no ServiceAccount runs as its namespace's `default` (which has no rights), never
 * with helm-controller's own.
 */
export const FLUX_LOCKDOWN = ['--no-cross-namespace-refs=true', '--default-service-account=default'];

/**
 * The harness's helm-controller: locked down, dependencies checked every 5 s (Flux's default is
 * 30 s) and short retries. With `shards`, it (as the source-controller) leaves what is labelled for
 * a shard alone, as Flux's sharding guide asks of a cluster's main Flux.
 */
export function helmControllerFlags(ports: { health: number; metrics: number }, shards = false): string[] {
  return [
    `--health-addr=127.0.0.1:${ports.health}`,
    `--metrics-addr=127.0.0.1:${ports.metrics}`,
    '--events-addr=',
    ...FLUX_LOCKDOWN,
    '--requeue-dependency=5s',
    '--http-retry=1',
    '--max-retry-delay=10s',
    '--log-level=info',
    ...(shards ? [`--watch-label-selector=!${FLUX_SHARD_LABEL}`] : []),
  ];
}

/**
 * A helm-controller shard at Flux's defaults (no tuning flag: `--requeue-dependency` stays 30 s),
 * reconciling only the HelmReleases labelled `sharding.fluxcd.io/key=<key>`; its leader election
 * Lease is its own (helm-controller names it after the selector).
 */
export function helmControllerShardFlags(key: string, ports: { health: number; metrics: number }): string[] {
  return [
    `--health-addr=127.0.0.1:${ports.health}`,
    `--metrics-addr=127.0.0.1:${ports.metrics}`,
    '--events-addr=',
    ...FLUX_LOCKDOWN,
    `--watch-label-selector=${FLUX_SHARD_LABEL}=${key}`,
  ];
}

/**
 * A workflow-controller on the host with no instance ID, as a cluster's own Argo would run: it
 * processes only unlabelled Workflows. Executor plugins off, settings for steps of seconds.
 */
export function hostWorkflowControllerFlags(
  kubeconfig: string,
  namespace: string,
  executorImage: string,
): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--namespace=${namespace}`,
    '--configmap=workflow-controller-configmap',
    `--executor-image=${executorImage}`,
    '--loglevel=info',
  ];
}

export const HOST_WORKFLOW_CONTROLLER_ENV = {
  LEADER_ELECTION_DISABLE: 'true',
  INFORMER_WRITE_BACK: 'true',
  DEFAULT_REQUEUE_TIME: '100ms',
};
