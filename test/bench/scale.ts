// Scale: groups of many applications applied with kubectl and rolled out on the local cluster,
// timed from the apply to the forward Workflow existing and to the group Ready; the Workflow's size
// followed by watch over the rollout. And the controller's memory with many small groups.
import { readdirSync, readFileSync } from 'node:fs';
import type { Workflow } from '../../lib/api/argo.ts';
import { workflowNodes } from '../../lib/workflow-nodes.ts';
import type { Obj } from '../integration/kube.ts';
import { benchGroup, type Shape } from './rollouts.ts';
import {
  type BenchPlane,
  firstEvent,
  follow,
  groupsPath,
  readyAtGeneration,
  workflowsPath,
} from './timing.ts';

/** `size` applications in ten layers: each depends on the one at its place in the layer before. */
export function layeredShape(size: number, layers = 10): Shape {
  const width = Math.max(1, Math.ceil(size / layers));
  return {
    label: `${size} applications`,
    releases: Array.from({ length: size }, (_, i) => ({
      name: `app-${i}`,
      dependencies: i >= width ? [`app-${i - width}`] : [],
    })),
  };
}

export interface WorkflowSizes {
  /** The largest the whole object was, as JSON. */
  objectBytes: number;
  specBytes: number;
  /** The largest status.nodes was, as JSON, once decompressed. */
  nodesBytes: number;
  /** Whether Argo compressed status.nodes (status.compressedNodes) at some point. */
  compressed: boolean;
}

export interface ScaleRollout {
  workflowSeconds: number;
  readySeconds: number;
  sizes: WorkflowSizes;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

export async function rolloutAtScale(plane: BenchPlane, size: number): Promise<ScaleRollout> {
  const namespace = await plane.kube.createNamespace(`bench-scale-${size}`);
  const sizes: WorkflowSizes = { objectBytes: 0, specBytes: 0, nodesBytes: 0, compressed: false };
  const workflowWatch = await follow(plane.config, workflowsPath(namespace), (_type, workflow: Obj) => {
    if (workflow.metadata?.labels?.['orkestra.azure.microsoft.com/workflow-type'] !== 'forward') return;
    sizes.objectBytes = Math.max(sizes.objectBytes, bytes(workflow));
    sizes.specBytes = Math.max(sizes.specBytes, bytes(workflow.spec));
    sizes.nodesBytes = Math.max(sizes.nodesBytes, bytes(workflowNodes(workflow as Workflow)));
    sizes.compressed ||= Boolean(workflow.status?.compressedNodes);
  });
  const workflow = await firstEvent(plane.config, workflowsPath(namespace), (type) => type === 'ADDED');
  const ready = await firstEvent(plane.config, groupsPath(namespace), (_t, g) =>
    readyAtGeneration(g, 'True'),
  );
  try {
    const started = performance.now();
    plane.kubectlApply(benchGroup(namespace, plane.chartsUrl, layeredShape(size)));
    const [workflowAt, readyAt] = await Promise.all([workflow.at, ready.at]);
    return {
      workflowSeconds: (workflowAt - started) / 1000,
      readySeconds: (readyAt - started) / 1000,
      sizes,
    };
  } finally {
    workflowWatch.stop();
    workflow.stop();
    ready.stop();
  }
}

/** The resident memory (and its peak) of the process whose command line names `command`, in MiB. */
export function processMemory(command: string): { rssMiB: number; peakMiB: number } {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.split('\0').some((arg) => arg.endsWith(command))) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  }
  throw new Error(`no process running ${command}`);
}

/**
 * `count` groups of one application each, applied at once in one namespace; the controller's memory
 * before, and once every group is Ready.
 */
export async function controllerMemoryWithGroups(plane: BenchPlane, count: number) {
  const before = processMemory('orkestra-controller.js');
  const namespace = await plane.kube.createNamespace('bench-many');
  const ready = new Set<string>();
  let allReady: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const watch = await follow(plane.config, groupsPath(namespace), (_type, group: Obj) => {
    if (readyAtGeneration(group, 'True')) ready.add(group.metadata?.name as string);
    if (ready.size === count) allReady();
  });
  try {
    const groups = Array.from({ length: count }, (_, i) => {
      const group = benchGroup(namespace, plane.chartsUrl, { label: '', releases: [{ name: `app-${i}` }] });
      return { ...group, metadata: { name: `group-${i}`, namespace } };
    });
    const started = performance.now();
    plane.kubectlApply(...groups);
    await done;
    return {
      before,
      after: processMemory('orkestra-controller.js'),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    watch.stop();
  }
}
