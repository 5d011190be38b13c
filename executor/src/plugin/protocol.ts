// PURE: Argo's executor-plugin protocol as the orkestra plugin speaks it. The agent POSTs
// /api/v1/template.execute with the Workflow's metadata and the (substituted) template; a template
// of ours is `plugin: {orkestra: {args: [...]}}`, the args of the orkestra-executor command line the
// container flavour runs. The reply is the node's phase, message and `result` output (the outcome
// the container flavour writes to its result file), or Running with when to ask again.
import { createHash } from 'node:crypto';
import type { Outcome } from '../context.ts';

/** The key under `plugin:` in our templates, and the plugin's name (ConfigMap orkestra-executor-plugin). */
export const PLUGIN_NAME = 'orkestra';
export const EXECUTE_PATH = '/api/v1/template.execute';

export interface Task {
  workflow: { name: string; namespace: string; uid: string };
  args: string[];
  /** The same for every call about one step of one Workflow (the agent may ask many times). */
  key: string;
}

export type ExecuteRequest = { mine: false } | { mine: true; task: Task } | { mine: true; invalid: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a template.execute body asks of us: not ours (another plugin's), one task, or nonsense. */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
  const template = isRecord(body) && isRecord(body.template) ? body.template : undefined;
  const plugin = template && isRecord(template.plugin) ? template.plugin : undefined;
  if (!plugin || !(PLUGIN_NAME in plugin)) return { mine: false };
  const ours = plugin[PLUGIN_NAME];
  const metadata = isRecord(body) && isRecord(body.workflow) ? body.workflow.metadata : undefined;
  if (!isRecord(metadata) || typeof metadata.uid !== 'string' || typeof metadata.namespace !== 'string') {
    return { mine: true, invalid: 'the request names no Workflow (workflow.metadata.uid and namespace)' };
  }
  if (!isRecord(ours) || !Array.isArray(ours.args) || !ours.args.every((a) => typeof a === 'string')) {
    return { mine: true, invalid: `plugin.${PLUGIN_NAME}.args must be a list of strings` };
  }
  const workflow = { name: String(metadata.name ?? ''), namespace: metadata.namespace, uid: metadata.uid };
  const key = createHash('sha256')
    .update(JSON.stringify([workflow.uid, ours.args]))
    .digest('hex');
  return { mine: true, task: { workflow, args: ours.args as string[], key } };
}

export interface NodeReply {
  node?: {
    /** None: nothing new, and Argo's agent reports nothing (see unchangedReply). */
    phase?: 'Running' | 'Succeeded' | 'Failed';
    message?: string;
    outputs?: { parameters: Array<{ name: string; value: string }> };
  };
  /** A Go duration: when the agent asks again (a Running node is never asked again without it). */
  requeue?: string;
}

/** Still at work: ask again after `requeue`. */
export const runningReply = (message: string, requeue: string): NodeReply => ({
  node: { phase: 'Running', message },
  requeue,
});

/**
 * Still at work, as already reported: ask again after `requeue`. A node without a phase is not
 * passed on by Argo's agent, where every `Running` it is told goes into its next task-set patch:
 * re-telling `Running` to hundreds of steps in flight would patch a task set of hundreds of
 * templates every ARGO_AGENT_PATCH_RATE, each patch costing the API server a validation of it all.
 */
export const unchangedReply = (requeue: string): NodeReply => ({ node: {}, requeue });

/**
 * The outcome as the node's result: Succeeded, or Failed with `<phase>: <message>` (so a
 * retryStrategy can tell an unreachable cluster from a failed release), and the outcome itself as
 * the `result` output, as the container flavour reports it.
 */
export function outcomeReply(outcome: Outcome): NodeReply {
  const succeeded = outcome.phase === 'Succeeded';
  return {
    node: {
      phase: succeeded ? 'Succeeded' : 'Failed',
      message: succeeded ? outcome.message : `${outcome.phase}: ${outcome.message}`,
      outputs: { parameters: [{ name: 'result', value: JSON.stringify(outcome) }] },
    },
  };
}
