import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { expect, inject } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Workflow } from '../../lib/api/argo.ts';
import { ARGO_INSTANCE_ID, ARGO_INSTANCE_LABEL } from '../../lib/wire-names.ts';
import { workflowNodes } from '../../lib/workflow-nodes.ts';
import { namespacedTemplateObjects } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import { condition, type Kube, type Obj, waitForObject } from '../integration/kube.ts';
import { argo, run } from './cli.ts';

export const WORKFLOW = 'argoproj.io/v1alpha1';

export interface WorkflowNode {
  id: string;
  name: string;
  displayName: string;
  type: string;
  phase: string;
  message?: string;
  templateName?: string;
  startedAt?: string;
  finishedAt?: string;
  children?: string[];
  outputs?: { exitCode?: string; parameters?: Array<{ name: string; value?: string }> };
}

/** A namespace prepared as the chart prepares one: executor ServiceAccount + RBAC, WorkflowTemplate. */
export async function templatesNamespace(kube: Kube, prefix: string): Promise<string> {
  const namespace = await kube.createNamespace(prefix);
  for (const object of namespacedTemplateObjects(namespace)) await kube.apply(object as Obj);
  return namespace;
}

/** The HelmRepository serving the fixture charts, as the `source` parameter. */
export function fixtureSource(namespace: string): string {
  return stringify({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name: 'fixtures', namespace },
    spec: { url: inject('chartsUrl'), interval: '10m' },
  });
}

type Parameters = Record<string, string>;

/** A DAG task calling one of the orkestra-helmrelease templates. */
export function templateTask(
  name: string,
  template: 'apply' | 'probe' | 'rollback' | 'delete' | 'stage',
  parameters: Parameters,
  { dependencies, clusterScope }: { dependencies?: string[]; clusterScope?: boolean } = {},
) {
  return {
    name,
    ...(dependencies?.length ? { dependencies } : {}),
    templateRef: { name: 'orkestra-helmrelease', template, ...(clusterScope ? { clusterScope: true } : {}) },
    arguments: { parameters: Object.entries(parameters).map(([n, value]) => ({ name: n, value })) },
  };
}

/** A Workflow whose entrypoint is a DAG of `tasks`. */
export function dagWorkflow(namespace: string, generateName: string, tasks: object[]): Obj {
  return {
    apiVersion: WORKFLOW,
    kind: 'Workflow',
    // For the chart's workflow-controller, which processes only Workflows labelled for its instance.
    metadata: { generateName, namespace, labels: { [ARGO_INSTANCE_LABEL]: ARGO_INSTANCE_ID } },
    spec: { entrypoint: 'main', templates: [{ name: 'main', dag: { tasks } }] },
  } as Obj;
}

export async function submit(kube: Kube, workflow: Obj): Promise<string> {
  const created = await kube.objects.create(workflow);
  return created.metadata?.name as string;
}

const FINISHED = ['Succeeded', 'Failed', 'Error'];

/** Submits the Workflow and returns it once it has finished. */
export async function runWorkflow(kube: Kube, workflow: Obj): Promise<Obj> {
  const name = await submit(kube, workflow);
  return workflowFinished(kube, workflow.metadata?.namespace as string, name);
}

/** Follows the watch events of a collection (API path), in the API server's order, until stopped. */
export async function watchEvents(
  path: string,
  query: Record<string, string>,
  onEvent: (type: string, object: Obj) => void,
): Promise<{ stop: () => void }> {
  const config = new KubeConfig();
  config.loadFromFile(inject('kubeconfig'));
  const request = await new Watch(config).watch(path, query, onEvent, () => {});
  return { stop: () => request.abort() };
}

/** Waits until the Workflow has finished (any final phase) and returns it. */
export function workflowFinished(
  kube: Kube,
  namespace: string,
  name: string,
  timeoutMs = 150_000,
): Promise<Obj> {
  return waitForObject(
    kube,
    [WORKFLOW, 'Workflow', namespace, name],
    'to finish',
    (wf) => FINISHED.includes(wf.status?.phase),
    timeoutMs,
  );
}

export function nodes(workflow: Obj): WorkflowNode[] {
  return Object.values(workflowNodes(workflow as Workflow)) as WorkflowNode[];
}

/** A node that ran a step: a pod (pod flavour) or a call to the executor plugin (plugin flavour). */
export function isStep(node: WorkflowNode): boolean {
  return node.type === 'Pod' || node.type === 'Plugin';
}

/** The step nodes (attempts) of a DAG task, in order: displayName `task(0)`, `task(1)`… */
export function attempts(workflow: Obj, task: string): WorkflowNode[] {
  return nodes(workflow)
    .filter((n) => isStep(n) && n.displayName.startsWith(`${task}(`))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** The task's own node (the Retry node the retryStrategy wraps its attempts in). */
export function taskNode(workflow: Obj, task: string): WorkflowNode | undefined {
  return nodes(workflow).find((n) => n.displayName === task && !isStep(n));
}

/** The executor's result file of a node, as Argo reported it in the `result` output parameter. */
export function result(node: WorkflowNode | undefined): Record<string, unknown> {
  const value = node?.outputs?.parameters?.find((p) => p.name === 'result')?.value;
  return value === undefined ? {} : JSON.parse(value);
}

/** A compact view of the nodes for assertion messages. */
export function describeWorkflow(workflow: Obj): string {
  return JSON.stringify(
    {
      phase: workflow.status?.phase,
      message: workflow.status?.message,
      nodes: nodes(workflow).map((n) => `${n.displayName} ${n.type} ${n.phase} ${n.message ?? ''}`),
    },
    null,
    1,
  );
}

/** The pod a node ran in (Argo's v2 pod name is the node's, found through the node-id annotation). */
export async function podOf(kube: Kube, namespace: string, node: WorkflowNode): Promise<Obj> {
  const list = await kube.objects.list('v1', 'Pod', namespace);
  const pod = list.items.find((p) => p.metadata?.annotations?.['workflows.argoproj.io/node-id'] === node.id);
  if (!pod) throw new Error(`no pod for node ${node.displayName} (${node.id})`);
  return pod as Obj;
}

/** What the main container wrote to stdout and stderr: `kubectl logs` (the node keeps it per pod). */
export async function containerLog(pod: Obj): Promise<string> {
  const logs = await run(ensureTools().kubectl, [
    'logs',
    '-n',
    pod.metadata?.namespace as string,
    pod.metadata?.name as string,
    '-c',
    'main',
  ]);
  if (logs.code !== 0)
    throw new Error(`kubectl logs ${pod.metadata?.name} exited ${logs.code}: ${logs.stderr}`);
  return logs.stdout;
}

/**
 * A kubeconfig with a token of the pod's ServiceAccount, bound to the pod (TokenRequest, as the
 * kubelet asks for the token it mounts): what the step may do, checked from outside.
 */
export async function podKubeconfig(pod: Obj): Promise<string> {
  const namespace = pod.metadata?.namespace as string;
  const created = await run(ensureTools().kubectl, [
    'create',
    'token',
    '-n',
    namespace,
    pod.spec?.serviceAccountName as string,
    '--bound-object-kind=Pod',
    `--bound-object-name=${pod.metadata?.name}`,
  ]);
  if (created.code !== 0) throw new Error(`kubectl create token exited ${created.code}: ${created.stderr}`);
  const admin = parse(readFileSync(inject('kubeconfig'), 'utf8'));
  const file = join(mkdtempSync(join(tmpdir(), 'orkestra-pod-')), 'kubeconfig');
  admin.users = [{ name: 'pod', user: { token: created.stdout.trim() } }];
  admin.contexts = [{ name: 'pod', context: { cluster: admin.clusters[0].name, user: 'pod', namespace } }];
  admin['current-context'] = 'pod';
  writeFileSync(file, stringify(admin));
  return file;
}

/**
 * `argo submit --from workflowtemplate/orkestra-helmrelease --entrypoint apply -p …  --wait` with the
 * real CLI, as the README shows; the finished Workflow.
 */
export async function argoSubmitApply(
  kube: Kube,
  namespace: string,
  parameters: { helmrelease: string; source: string },
): Promise<Obj> {
  const submitted = await argo([
    'submit',
    '-n',
    namespace,
    '--from',
    'workflowtemplate/orkestra-helmrelease',
    '--entrypoint',
    'apply',
    '-p',
    `helmrelease=${parameters.helmrelease}`,
    '-p',
    `source=${parameters.source}`,
    '--wait',
    '-o',
    'name',
  ]);
  if (submitted.code !== 0) throw new Error(`argo submit exited ${submitted.code}: ${submitted.stderr}`);
  return workflowFinished(kube, namespace, submitted.stdout.trim().split('\n')[0] as string);
}

/** Records HelmRelease watch events in a namespace, in the API server's order. */
export async function recordHelmReleaseEvents(namespace: string) {
  const events: Array<{ type: string; name: string; ready: boolean }> = [];
  const watch = await watchEvents(
    `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${namespace}/helmreleases`,
    {},
    (type, object) => {
      const ready = condition(object, 'Ready');
      events.push({
        type,
        name: object.metadata?.name as string,
        ready: ready?.status === 'True' && object.status?.observedGeneration === object.metadata?.generation,
      });
    },
  );
  return { events, stop: watch.stop };
}

/**
 * Whether, in the recorded events, `later` was created only after `earlier` was Ready (watch order:
 * the API server's own order of changes, not clocks). Undefined when all is well, else why not.
 */
export function createdAfterReady(
  events: ReadonlyArray<{ type: string; name: string; ready: boolean }>,
  earlier: string,
  later: string,
): string | undefined {
  const added = events.findIndex((e) => e.type === 'ADDED' && e.name === later);
  const readyAt = events.findIndex((e) => e.name === earlier && e.ready);
  if (added < 0) return `${later} was never created`;
  if (readyAt < 0) return `${earlier} was never Ready`;
  return readyAt < added ? undefined : `${later} was created before ${earlier} was Ready`;
}

/** Asserts, for each pair [earlier, later], that `later` was created only after `earlier` was Ready. */
export function expectCreatedAfterReady(
  events: ReadonlyArray<{ type: string; name: string; ready: boolean }>,
  pairs: ReadonlyArray<readonly [earlier: string, later: string]>,
): void {
  for (const [earlier, later] of pairs) {
    expect(createdAfterReady(events, earlier, later), JSON.stringify(events)).toBeUndefined();
  }
}
