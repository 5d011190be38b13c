// PURE: what the test kubelet does with one Argo step pod — run its `main` container's program
// here, or fail the pod with a message. Read from the pod exactly as Argo v4's workflow-controller
// writes it (workflow/controller/workflowpod.go):
//   - init container `init` (argoexec init) carries the template as JSON in ARGO_TEMPLATE;
//   - containers `wait` (argoexec wait) and `main`, whose command is
//     `/var/run/argo/argoexec emissary [flags] -- <the template's command or the image's entrypoint>`
//     and whose args are the template's args;
//   - label workflows.argoproj.io/workflow, annotation workflows.argoproj.io/node-id, and an
//     ownerReference to the Workflow.
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { LocalImage } from '../images.ts';

export const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';
export const NODE_ID_ANNOTATION = 'workflows.argoproj.io/node-id';
const EMISSARY = '/var/run/argo/argoexec';

export interface OutputParameter {
  name: string;
  value?: string;
  valueFrom?: { path?: string; default?: string; [other: string]: unknown };
  [other: string]: unknown;
}

export interface TemplateOutputs {
  parameters?: OutputParameter[];
  [other: string]: unknown;
}

/** The main container's filesystem as far as the test kubelet models it. */
export interface ContainerFilesystem {
  readOnlyRoot: boolean;
  /** emptyDir volumes and where they are mounted. */
  emptyDirs: Array<{ mountPath: string; volume: string }>;
}

export interface StepPlan {
  kind: 'run';
  workflow: { name: string; uid: string };
  nodeId: string;
  serviceAccount: string;
  /** Program and arguments, in paths of this machine. */
  command: string[];
  /** The args came from Argo's offload file (over 128 KiB): the emissary moves large ones to files. */
  argsFromFile: boolean;
  filesystem: ContainerFilesystem;
  /** The container's environment: the image's ENV, then the container's own. */
  env: Record<string, string>;
  /** The template's outputs, for the WorkflowTaskResult (values are filled in after the run). */
  outputs?: TemplateOutputs;
  graceSeconds: number;
}

export type PodPlan = StepPlan | { kind: 'reject'; message: string };

const reject = (message: string): PodPlan => ({ kind: 'reject', message });

/** The part of an emissary command after `--` (the program the image runs), or the command as is. */
export function emissaryProgram(command: string[] | undefined): string[] {
  if (!command?.length || command[0] !== EMISSARY || command[1] !== 'emissary') return command ?? [];
  const separator = command.indexOf('--');
  return separator < 0 ? [] : command.slice(separator + 1);
}

import { containerEnv, expandKubeletReferences, type SecretData } from './pod-env.ts';

export { containerEnv, expandKubeletReferences, referencedSecrets, type SecretData } from './pod-env.ts';

/**
 * Argo moves an ARGO_TEMPLATE or container args over 128 KiB into a ConfigMap named after the pod,
 * mounted from volume `argo-env-config` (workflow/controller/workflowpod.go); its name, if any.
 */
export function offloadConfigMapName(pod: V1Pod): string | undefined {
  return pod.spec?.volumes?.find((v) => v.name === ENV_CONFIG_VOLUME)?.configMap?.name;
}

const ENV_CONFIG_VOLUME = 'argo-env-config';
const OFFLOADED = 'offloaded';
const ARGS_FILE = 'ARGO_CONTAINER_ARGS_FILE';
/** Argo's MaxEnvVarLen: the emissary moves longer arguments into files. */
export const MAX_ARGUMENT_BYTES = 131_072;

/** The template the controller gave argoexec (init's ARGO_TEMPLATE), for its outputs. */
function templateOutputs(pod: V1Pod, offloaded: Record<string, string>): TemplateOutputs | undefined {
  const init = pod.spec?.initContainers?.find((c) => c.name === 'init');
  let json = init?.env?.find((e) => e.name === 'ARGO_TEMPLATE')?.value;
  if (json === OFFLOADED) json = offloaded.ARGO_TEMPLATE;
  if (!json) return undefined;
  return (JSON.parse(json) as { outputs?: TemplateOutputs }).outputs;
}

/** The main container's volumes: emptyDirs are modelled, the token and Argo's offload are handled. */
function filesystemOf(pod: V1Pod, main: V1Container): ContainerFilesystem | { problem: string } {
  const emptyDirs: ContainerFilesystem['emptyDirs'] = [];
  for (const mount of main.volumeMounts ?? []) {
    const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
    if (volume?.emptyDir) emptyDirs.push({ mountPath: mount.mountPath, volume: mount.name });
    else if (volume?.projected?.sources?.some((source) => source.serviceAccountToken)) continue;
    else if (mount.name !== ENV_CONFIG_VOLUME) {
      return {
        problem: `volume ${mount.name}: the test kubelet mounts only emptyDir volumes and the ServiceAccount token`,
      };
    }
  }
  return { readOnlyRoot: main.securityContext?.readOnlyRootFilesystem === true, emptyDirs };
}

/**
 * Where a path of the container lives below the pod's folder: an emptyDir in volumes/<name>/, a
 * writable root filesystem in rootfs/; undefined on a read-only root filesystem (nothing can be
 * written there, so nothing written is there).
 */
export function hostPathOf(
  filesystem: ContainerFilesystem,
  podFolder: string,
  path: string,
): string | undefined {
  const mount = filesystem.emptyDirs
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (mount) return join(podFolder, 'volumes', mount.volume, path.slice(mount.mountPath.length));
  return filesystem.readOnlyRoot ? undefined : join(podFolder, 'rootfs', path);
}

/**
 * `offloaded` is the data of Argo's offload ConfigMap (offloadConfigMapName), when the pod has one.
 */
export function planPod(
  pod: V1Pod,
  images: ReadonlyMap<string, LocalImage>,
  offloaded: Record<string, string> = {},
  secrets: SecretData = new Map(),
): PodPlan {
  const workflowName = pod.metadata?.labels?.[WORKFLOW_LABEL];
  const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === 'Workflow' && o.name === workflowName);
  const nodeId = pod.metadata?.annotations?.[NODE_ID_ANNOTATION];
  if (!workflowName || !owner || !nodeId) {
    return reject(
      `not an Argo step pod: needs label ${WORKFLOW_LABEL}, annotation ${NODE_ID_ANNOTATION} and a Workflow owner`,
    );
  }
  const containers = pod.spec?.containers ?? [];
  const others = containers.filter((c) => c.name !== 'main' && c.name !== 'wait').map((c) => c.name);
  if (others.length) {
    return reject(
      `containers ${others.join(', ')}: the test kubelet runs only Argo's wait and main containers`,
    );
  }
  const main = containers.find((c) => c.name === 'main');
  if (!main) return reject('no container named main');
  const image = images.get(main.image ?? '');
  if (!image) {
    return reject(
      `container main: image ${main.image} cannot run here; the test kubelet runs only ${[...images.keys()].join(', ')}`,
    );
  }
  const own = containerEnv(pod, main, secrets);
  if ('problem' in own) return reject(`container main: ${own.problem}`);
  // The kubelet expands the pod spec's command and args (not what Argo offloaded to a ConfigMap).
  const expand = (list: string[]) => list.map((arg) => expandKubeletReferences(arg, own.env));
  const program = expand(emissaryProgram(main.command));
  const entrypoint = (program.length ? program : image.entrypoint).map(image.hostPath);
  if (!entrypoint.length)
    return reject(`container main: image ${image.ref} has no entrypoint and no command`);
  const filesystem = filesystemOf(pod, main);
  if ('problem' in filesystem) return reject(`container main: ${filesystem.problem}`);
  const argsFromFile = own.env[ARGS_FILE] !== undefined;
  const argsJson = argsFromFile ? offloaded[ARGS_FILE] : undefined;
  if (argsFromFile && argsJson === undefined)
    return reject(`container main: no ${ARGS_FILE} in Argo's offload ConfigMap`);
  const args = argsJson === undefined ? expand(main.args ?? []) : (JSON.parse(argsJson) as string[]);
  const imageEnv = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, image.hostPath(v)]));
  return {
    kind: 'run',
    workflow: { name: workflowName, uid: owner.uid },
    nodeId,
    serviceAccount: pod.spec?.serviceAccountName ?? 'default',
    command: [...entrypoint, ...args],
    argsFromFile,
    filesystem,
    env: { ...imageEnv, ...own.env },
    outputs: templateOutputs(pod, offloaded),
    graceSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
  };
}

/**
 * What the emissary does with offloaded args (cmd/argoexec/commands/emissary.go): each argument
 * after the program over 128 KiB is written to /tmp/argo_arg_<i>.txt and passed as `@<that path>`.
 * `write` stores a file at a container path and returns the path the program must be given (here:
 * where it lies on this machine), or undefined if it cannot be written.
 */
export function offloadLargeArguments(
  command: string[],
  write: (containerPath: string, content: string) => string | undefined,
): { command: string[] } | { problem: string } {
  const [program, ...args] = command;
  const moved: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (Buffer.byteLength(arg) <= MAX_ARGUMENT_BYTES) {
      moved.push(arg);
      continue;
    }
    const containerPath = `/tmp/argo_arg_${i}.txt`;
    const written = write(containerPath, arg);
    if (written === undefined) return { problem: `failed to write large arg ${i} to file ${containerPath}` };
    moved.push(`@${written}`);
  }
  return { command: [program as string, ...moved] };
}

/**
 * The outputs as argoexec's wait container reports them: the template's outputs with each
 * parameter's value read from its path, else its default (one trailing newline trimmed).
 * `readFile` maps a container path to its content, or undefined when there is no such file.
 */
export function collectOutputs(
  outputs: TemplateOutputs | undefined,
  readFile: (containerPath: string) => string | undefined,
): { outputs?: TemplateOutputs } | { problem: string } {
  if (!outputs) return {};
  const parameters: OutputParameter[] = [];
  for (const parameter of outputs.parameters ?? []) {
    const path = parameter.valueFrom?.path;
    if (!path) {
      parameters.push(parameter);
      continue;
    }
    const value = (readFile(path) ?? parameter.valueFrom?.default)?.replace(/\n$/, '');
    if (value === undefined) {
      return {
        problem: `failed to get parameter ${parameter.name}: open ${path}: no such file or directory`,
      };
    }
    parameters.push({ ...parameter, value });
  }
  return { outputs: { ...outputs, ...(outputs.parameters ? { parameters } : {}) } };
}

export const REPORT_OUTPUTS_COMPLETED = 'workflows.argoproj.io/report-outputs-completed';

/**
 * The WorkflowTaskResult argoexec's wait container creates when it starts (workflow/executor/
 * taskresult.go): named after the node ID, labelled with the workflow and
 * report-outputs-completed "false", owned (not controlled) by the Workflow. Its outputs are
 * merge-patched in at the end, then the label is set to "true".
 */
export function initialTaskResult(namespace: string, step: StepPlan) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTaskResult',
    metadata: {
      name: step.nodeId,
      namespace,
      labels: { [WORKFLOW_LABEL]: step.workflow.name, [REPORT_OUTPUTS_COMPLETED]: 'false' },
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          name: step.workflow.name,
          uid: step.workflow.uid,
        },
      ],
    },
  };
}
