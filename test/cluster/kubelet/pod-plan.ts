// PURE: what the test kubelet does with one Argo step pod — run its `main` container's program
// here, or fail the pod with a message. Read from the pod exactly as Argo v4's workflow-controller
// writes it (workflow/controller/workflowpod.go):
//   - init container `init` (argoexec init) carries the template as JSON in ARGO_TEMPLATE;
//   - containers `wait` (argoexec wait) and `main`, whose command is
//     `/var/run/argo/argoexec emissary [flags] -- <the template's command or the image's entrypoint>`
//     and whose args are the template's args;
//   - label workflows.argoproj.io/workflow, annotation workflows.argoproj.io/node-id, and an
//     ownerReference to the Workflow.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { LocalImage } from '../images.ts';

export const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';
export const NODE_ID_ANNOTATION = 'workflows.argoproj.io/node-id';
export const ON_EXIT_LABEL = 'workflows.argoproj.io/on-exit';
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

export interface StepPlan {
  kind: 'run';
  workflow: { name: string; uid: string };
  nodeId: string;
  serviceAccount: string;
  /** Program and arguments, in paths of this machine. */
  command: string[];
  /** The container's environment: the image's ENV, then the container's own. */
  env: Record<string, string>;
  /** The template's outputs, for the WorkflowTaskResult (values are filled in after the run). */
  outputs?: TemplateOutputs;
  graceSeconds: number;
  onExit: boolean;
}

export type PodPlan = StepPlan | { kind: 'reject'; message: string };

const reject = (message: string): PodPlan => ({ kind: 'reject', message });

/** The part of an emissary command after `--` (the program the image runs), or the command as is. */
export function emissaryProgram(command: string[] | undefined): string[] {
  if (!command?.length || command[0] !== EMISSARY || command[1] !== 'emissary') return command ?? [];
  const separator = command.indexOf('--');
  return separator < 0 ? [] : command.slice(separator + 1);
}

/** A container's env as plain values; fieldRefs to the pod itself are resolved, others rejected. */
export function containerEnv(
  pod: V1Pod,
  container: V1Container,
): { env: Record<string, string> } | { problem: string } {
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'spec.nodeName': pod.spec?.nodeName,
  };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom === undefined) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const fieldPath = variable.valueFrom.fieldRef?.fieldPath;
    const value = fieldPath ? fields[fieldPath] : undefined;
    if (value === undefined) {
      return {
        problem: `env ${variable.name}: the test kubelet resolves only fieldRefs to ${Object.keys(fields).join(', ')}`,
      };
    }
    env[variable.name] = value;
  }
  return { env };
}

/** The template the controller gave argoexec (init's ARGO_TEMPLATE), for its outputs. */
function templateOutputs(pod: V1Pod): TemplateOutputs | undefined {
  const init = pod.spec?.initContainers?.find((c) => c.name === 'init');
  const json = init?.env?.find((e) => e.name === 'ARGO_TEMPLATE')?.value;
  if (!json) return undefined;
  return (JSON.parse(json) as { outputs?: TemplateOutputs }).outputs;
}

export function planPod(pod: V1Pod, images: ReadonlyMap<string, LocalImage>): PodPlan {
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
  const program = emissaryProgram(main.command);
  const entrypoint = (program.length ? program : image.entrypoint).map(image.hostPath);
  if (!entrypoint.length)
    return reject(`container main: image ${image.ref} has no entrypoint and no command`);
  const own = containerEnv(pod, main);
  if ('problem' in own) return reject(`container main: ${own.problem}`);
  const imageEnv = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, image.hostPath(v)]));
  return {
    kind: 'run',
    workflow: { name: workflowName, uid: owner.uid },
    nodeId,
    serviceAccount: pod.spec?.serviceAccountName ?? 'default',
    command: [...entrypoint, ...(main.args ?? [])],
    env: { ...imageEnv, ...own.env },
    outputs: templateOutputs(pod),
    graceSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
    onExit: pod.metadata?.labels?.[ON_EXIT_LABEL] === 'true',
  };
}

/**
 * The outputs as argoexec's wait container reports them: the template's outputs with each
 * parameter's value read from its path (one trailing newline trimmed), else its default.
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
    const content = readFile(path);
    const value = content?.replace(/\n$/, '') ?? parameter.valueFrom?.default;
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
