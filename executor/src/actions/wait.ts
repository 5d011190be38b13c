import type { Workflow } from '../../../lib/api/argo.ts';
import { ExitCode, OrkestraError } from '../../../lib/errors.ts';
import { type WorkflowNode, workflowNodes } from '../../../lib/workflow-nodes.ts';
import type { ActionContext, Outcome } from '../context.ts';
import { untilWorkflow } from '../workflow-watch.ts';

export interface DependencyVerdict {
  phase: 'Succeeded' | 'Failed';
  reason: string;
  message: string;
}

const DONE = ['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted'];

// Every wait on a Workflow sees the same object from the shared watch: its nodes are decoded and
// indexed once, not once per wait (hundreds, over thousands of nodes).
const indexed = new WeakMap<Workflow, Map<string, WorkflowNode>>();

function nodesByName(workflow: Workflow): Map<string, WorkflowNode> {
  let index = indexed.get(workflow);
  if (!index) {
    index = new Map(Object.values(workflowNodes(workflow)).map((n) => [n.name, n]));
    indexed.set(workflow, index);
  }
  return index;
}

/**
 * PURE: what Workflow `workflow` says about node `node`, a dependency in another part of a split
 * DAG, run inside the DAG node `scope` (its part). Succeeded lets the dependent go; failed, skipped
 * or omitted, or never run because its part ended without it, fails the wait, so that the dependent
 * is omitted as Argo omits the dependents of a failed task. Undefined: not decided yet.
 */
export function dependencyVerdict(
  workflow: Workflow | undefined,
  node: string,
  scope: string,
): DependencyVerdict | undefined {
  if (!workflow) return { phase: 'Failed', reason: 'WorkflowNotFound', message: 'the Workflow is gone' };
  const nodes = nodesByName(workflow);
  const find = (name: string) => nodes.get(name);
  const dependency = find(node);
  switch (dependency?.phase) {
    case 'Succeeded':
      return { phase: 'Succeeded', reason: 'DependencySucceeded', message: `${node} succeeded` };
    case 'Failed':
    case 'Error':
      return { phase: 'Failed', reason: 'DependencyFailed', message: `${node} failed` };
    case 'Skipped':
    case 'Omitted':
      return {
        phase: 'Failed',
        reason: 'DependencyNotRun',
        message: `${node} was ${dependency.phase.toLowerCase()}`,
      };
  }
  const part = find(scope)?.phase;
  if (part && DONE.includes(part)) {
    return {
      phase: 'Failed',
      reason: 'DependencyNotRun',
      message: `${node} was not run: ${scope} ended (${part})`,
    };
  }
  const phase = workflow.status?.phase;
  if (phase && DONE.includes(phase)) {
    return {
      phase: 'Failed',
      reason: 'DependencyNotRun',
      message: `${node} was not run: the Workflow ended (${phase})`,
    };
  }
  return undefined;
}

class DependencyFailedError extends OrkestraError {
  constructor(verdict: DependencyVerdict) {
    super(verdict.reason, verdict.message, ExitCode.ReleaseFailed);
  }
}

/** Waits, by watch, until the Workflow's node `node` has succeeded (see dependencyVerdict). */
export async function waitForNode(
  context: ActionContext,
  target: { namespace: string; workflow: string; node: string; scope: string },
): Promise<Outcome> {
  const { namespace, workflow, node, scope } = target;
  const log = context.log.child({ workflow: `${namespace}/${workflow}`, node });
  const verdict = await untilWorkflow(
    context.kube,
    namespace,
    workflow,
    (object) => dependencyVerdict(object, node, scope),
    {
      deadline: context.deadline,
      signal: context.signal,
      log,
      describe: `node ${node} of Workflow ${namespace}/${workflow}`,
    },
  );
  const outcome: Outcome = { action: 'wait', ...verdict, name: workflow, namespace };
  if (verdict.phase !== 'Succeeded') throw Object.assign(new DependencyFailedError(verdict), { outcome });
  return outcome;
}
