// The forms a parameter value (--helmrelease, --source) may take, decided without touching the
// filesystem or the cluster: readParameter in actions/apply.ts does the reading.
//
// In a pod (an Argo step, or any container), a value comes from whoever wrote the Workflow, so it may
// name nothing on the pod's filesystem but Argo's own offload files: otherwise a parameter such as
// `@/var/run/secrets/kubernetes.io/serviceaccount/token` would make the executor read the pod's
// token and quote it into the step's log and result. At a terminal, a file is what people expect.
import { basename, dirname, resolve } from 'node:path';
import { parseBundleReference } from '../../lib/release-bundle.ts';

export type ParameterForm =
  | { kind: 'stdin' }
  | { kind: 'file'; path: string }
  | { kind: 'configmap'; namespace: string; name: string; key: string }
  | { kind: 'inline'; text: string };

/**
 * Whether the executor runs as a pod's workload, where a parameter comes from whoever wrote the
 * Workflow: an Argo step (Argo sets ARGO_NODE_ID in every step container), or any pod whose
 * identity it uses (in-cluster config: KUBERNETES_SERVICE_HOST and no kubeconfig). A CI job that
 * runs in a pod but with a kubeconfig of its own is someone at a terminal.
 */
export function runsInPod(
  env: Readonly<Record<string, string | undefined>>,
  kubeconfigFlag?: string,
): boolean {
  if (env.ARGO_NODE_ID !== undefined) return true;
  return !kubeconfigFlag && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST !== undefined;
}

export interface Surroundings {
  /** Running in a pod: only Argo's offload files may be read. */
  inPod: boolean;
  /** Where Argo's emissary writes offloaded arguments: /tmp (the test kubelet: the pod's TMPDIR). */
  tmpdir: string;
  isFile: (path: string) => boolean;
}

/** What Argo v4's emissary passes for an argument over 128 KiB (cmd/argoexec/commands/emissary.go). */
const OFFLOAD_FILE = /^argo_arg_\d+\.txt$/;

/** Whether `path` is a file Argo's emissary wrote for an offloaded argument. */
function isOffloadFile(path: string, tmpdir: string): boolean {
  const normal = resolve('/', path);
  return (
    normal === path &&
    OFFLOAD_FILE.test(basename(normal)) &&
    [resolve('/tmp'), resolve(tmpdir)].includes(dirname(normal))
  );
}

/**
 * `-` is stdin; `configmap:NS/NAME/KEY` a release bundle; `@PATH` a file (in a pod only Argo's
 * offload files); at a terminal, a one-line value naming an existing file is that file; anything
 * else is the YAML or JSON itself. Neither YAML nor JSON can start with `@`.
 */
export function parameterForm(
  value: string,
  what: string,
  where: Surroundings,
): ParameterForm | { problem: string } {
  if (value === '-') return { kind: 'stdin' };
  const reference = parseBundleReference(value);
  if (reference) return { kind: 'configmap', ...reference };
  if (value.startsWith('@')) {
    const path = value.slice(1);
    if (!where.inPod || isOffloadFile(path, where.tmpdir)) return { kind: 'file', path };
    return {
      problem:
        `${what} names a file (@…), and in a pod the executor reads only Argo's offload files ` +
        '(/tmp/argo_arg_N.txt): give the YAML or JSON itself, or configmap:NAMESPACE/NAME/KEY',
    };
  }
  if (!where.inPod && !value.includes('\n') && where.isFile(value)) return { kind: 'file', path: value };
  return { kind: 'inline', text: value };
}
