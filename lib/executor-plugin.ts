// PURE: the executor plugin's objects — the one owner of what the plugin's sidecar is. The
// controller renders the plugin ConfigMap it writes into every group's namespace from its own flags
// (the chart's values), never from a ConfigMap someone could edit, and scripts/generate.ts renders
// workflow-templates/orkestra-executor-plugin.yaml (for hand-written Workflows) from the same
// functions, so the two cannot drift (test/generated.test.ts, lib/executor-plugin.test.ts).
import {
  ARGO_PLUGIN_LABEL,
  EXECUTOR_PLUGIN,
  EXECUTOR_SERVICE_ACCOUNT,
  FLUX_SHARD_ENV,
} from './wire-names.ts';
import { toYaml } from './yaml.ts';

/** The port the plugin listens on inside the agent pod (Argo calls it on localhost). */
export const EXECUTOR_PLUGIN_PORT = 4355;

/** The two token Secrets Argo mounts: the agent's (the Workflow's ServiceAccount) and the plugin's. */
export const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_ANNOTATION = 'kubernetes.io/service-account.name';
export const PLUGIN_SERVICE_ACCOUNTS = [EXECUTOR_SERVICE_ACCOUNT, EXECUTOR_PLUGIN] as const;
export const tokenSecretName = (serviceAccount: string) => `${serviceAccount}.service-account-token`;

/** Container resources: `requests` and `limits`, each resource name → a quantity. */
export interface PluginResources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** What the controller's flags (the chart's values) choose of the sidecar; the rest is fixed here. */
export interface PluginSidecarSettings {
  image: string;
  resources: PluginResources;
  /** The Flux shard the sidecar's releases go to (FLUX_SHARD_ENV; unset: FLUX_SHARD, "": none). */
  fluxShard?: string;
}

export const DEFAULT_PLUGIN_RESOURCES: PluginResources = {
  requests: { cpu: '50m', memory: '96Mi' },
  limits: { memory: '512Mi' },
};

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/;
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

/** Resources from a flag's JSON (`{"requests":{"cpu":"50m"},"limits":{…}}`), or what is wrong with it. */
export function parsePluginResources(text: string): PluginResources | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      problem: `"${text}" is not JSON such as {"requests":{"cpu":"50m"},"limits":{"memory":"512Mi"}}`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { problem: 'not an object of requests and limits' };
  const resources: PluginResources = {};
  for (const [key, list] of Object.entries(value)) {
    if (key !== 'requests' && key !== 'limits')
      return { problem: `${key}: only requests and limits are allowed` };
    if (list === null || typeof list !== 'object' || Array.isArray(list))
      return { problem: `${key}: not an object of quantities` };
    const quantities: Record<string, string> = {};
    for (const [name, quantity] of Object.entries(list)) {
      const text = typeof quantity === 'number' ? String(quantity) : quantity;
      if (!RESOURCE_NAME.test(name)) return { problem: `${key}.${name}: not a resource name` };
      if (typeof text !== 'string' || !QUANTITY.test(text))
        return {
          problem: `${key}.${name}: ${JSON.stringify(quantity)} is not a quantity such as 50m or 96Mi`,
        };
      quantities[name] = text;
    }
    resources[key] = quantities;
  }
  return resources;
}

/** What is wrong with an image reference given as a flag (none: it may be used). */
export function pluginImageProblem(image: string): string | undefined {
  if (!image) return 'no image given';
  return /^[^\s"'{}$]+$/.test(image) ? undefined : `"${image}" is not an image reference`;
}

/**
 * The sidecar container. Fixed: the command (the image's node and bundle, `plugin --port`), the
 * port, the node's address, the postStart probe and the security context. Argo lists the plugins
 * before its agent, and the kubelet starts a pod's containers in order, each after the one before
 * has run its postStart hook: the hook returns once the plugin listens, or the agent's first call
 * may come before it does and Argo's client waits a second (its backoff) before calling again.
 * ORKESTRA_NODE_IP is its node's address, which the policy refuses as a chart source (the executor
 * cannot list Nodes). No runAsUser: the agent pod's user (Argo's 8737) reads the token Argo writes
 * for the plugin.
 */
export function renderPluginSidecar({ image, resources, fluxShard }: PluginSidecarSettings) {
  const port = String(EXECUTOR_PLUGIN_PORT);
  const probe = `const net = require('node:net'), end = Date.now() + 30000; (function probe() { net.connect(${port}, '127.0.0.1').once('connect', () => process.exit(0)).once('error', () => (Date.now() < end ? setTimeout(probe, 10) : process.exit(1))); })();`;
  return {
    name: EXECUTOR_PLUGIN,
    image,
    command: ['/usr/local/bin/node', '/app/orkestra-executor.js', 'plugin', '--port', port],
    ports: [{ containerPort: EXECUTOR_PLUGIN_PORT }],
    env: [
      { name: 'ORKESTRA_NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      ...(fluxShard !== undefined ? [{ name: FLUX_SHARD_ENV, value: fluxShard }] : []),
    ],
    lifecycle: { postStart: { exec: { command: ['/usr/local/bin/node', '-e', probe] } } },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources,
  };
}

interface Meta {
  namespace?: string;
  labels: Record<string, string>;
}

const metadata = (name: string, { namespace, labels }: Meta) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels,
});

/** The plugin's ConfigMap as Argo reads it (`sidecar.container` is the container as YAML). */
export function renderExecutorPluginConfigMap(settings: PluginSidecarSettings, meta: Meta) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(EXECUTOR_PLUGIN, { ...meta, labels: { ...meta.labels, ...ARGO_PLUGIN_LABEL } }),
    data: {
      'sidecar.automountServiceAccountToken': 'true',
      'sidecar.container': toYaml(renderPluginSidecar(settings)),
    },
  };
}

/** A ServiceAccount token Secret (the API server's token controller fills it in). */
export function renderTokenSecret(serviceAccount: string, meta: Meta) {
  const base = metadata(tokenSecretName(serviceAccount), meta);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: TOKEN_SECRET_TYPE,
    metadata: { ...base, annotations: { [SERVICE_ACCOUNT_ANNOTATION]: serviceAccount } },
  };
}

/** The plugin's own identity: Argo mounts its token Secret into the sidecar. */
export function renderPluginServiceAccount(meta: Meta) {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(EXECUTOR_PLUGIN, meta) };
}

/** The plugin's ServiceAccount gets the executor's rights: `role` (a Role, or the ClusterRole bound here). */
export function renderPluginRoleBinding(role: { kind: 'Role' | 'ClusterRole'; name: string }, meta: Meta) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(EXECUTOR_PLUGIN, meta),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...role },
    subjects: [
      {
        kind: 'ServiceAccount',
        name: EXECUTOR_PLUGIN,
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
      },
    ],
  };
}

/** Labels of the objects in workflow-templates/orkestra-executor-plugin.yaml (not the controller's managed-by). */
const MANIFEST_LABELS = {
  'app.kubernetes.io/name': 'orkestra',
  'app.kubernetes.io/component': 'executor-plugin',
};

/**
 * workflow-templates/orkestra-executor-plugin.yaml: what a namespace that runs hand-written plugin
 * Workflows applies, beside workflow-templates/rbac/executor.yaml (whose Role the plugin's
 * ServiceAccount is bound to). The same ConfigMap the controller writes, with the chart's default
 * resources; no namespace, no managed-by label (the controller neither uses nor removes these).
 */
export function renderExecutorPluginManifest(image: string) {
  const meta = { labels: MANIFEST_LABELS };
  return [
    renderExecutorPluginConfigMap({ image, resources: DEFAULT_PLUGIN_RESOURCES }, meta),
    renderTokenSecret(EXECUTOR_SERVICE_ACCOUNT, meta),
    renderPluginServiceAccount(meta),
    renderTokenSecret(EXECUTOR_PLUGIN, meta),
    renderPluginRoleBinding({ kind: 'Role', name: EXECUTOR_SERVICE_ACCOUNT }, meta),
  ];
}
