// PURE: a DAG too large for one Argo DAG template split into chunks of at most `limit` tasks.
// Argo v4's full CRDs (its default install) refuse a DAG of more than 200 tasks. Each chunk is a
// nested DAG template; a dependency on a node of another chunk becomes a wait task inside the
// dependent's chunk (one per dependency and chunk), so that no node waits on anything but its own
// dependencies. Chunks follow a depth-first topological order (what depends on each other stays
// together, so few dependencies cross chunks), so a chunk's waits point at earlier chunks only.
import type { DagNode } from '../../../lib/api/application-group.ts';
import { depthFirstOrder } from './graph.ts';

/** Argo's full CRDs: `maxItems: 200` on a DAG template's tasks (and on a Workflow's templates). */
export const ARGO_DAG_TASK_LIMIT = 200;

/** What is wrong with `value` as a DAG task limit (a part holds a task and its wait): undefined if nothing. */
export function dagTaskLimitProblem(value: unknown): string | undefined {
  const limit = Number(value);
  return Number.isInteger(limit) && limit >= 2 && limit <= ARGO_DAG_TASK_LIMIT
    ? undefined
    : `--dag-task-limit must be a whole number from 2 to ${ARGO_DAG_TASK_LIMIT} (got ${String(value)})`;
}

export interface Chunk {
  /** The nodes this chunk runs, in topological order. */
  members: string[];
  /** Nodes of earlier chunks that members depend on: each becomes one wait task in this chunk. */
  waits: string[];
}

/**
 * The chunks of `nodes` (acyclic), each holding at most `limit` tasks (members plus waits); a
 * single chunk when everything fits.
 */
export function chunkDag(nodes: readonly DagNode[], limit = ARGO_DAG_TASK_LIMIT): Chunk[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const chunks: Chunk[] = [];
  let current: Chunk = { members: [], waits: [] };
  let inCurrent = new Set<string>();
  let waited = new Set<string>();
  for (const name of depthFirstOrder(nodes)) {
    const outside = (byName.get(name)?.dependencies ?? []).filter(
      (d) => byName.has(d) && !inCurrent.has(d) && !waited.has(d),
    );
    if (
      current.members.length > 0 &&
      current.members.length + current.waits.length + 1 + outside.length > limit
    ) {
      chunks.push(current);
      current = { members: [], waits: [] };
      inCurrent = new Set();
      waited = new Set();
    }
    // In a fresh chunk every dependency is outside it.
    for (const dep of (byName.get(name)?.dependencies ?? []).filter((d) => byName.has(d))) {
      if (!inCurrent.has(dep) && !waited.has(dep)) {
        current.waits.push(dep);
        waited.add(dep);
      }
    }
    current.members.push(name);
    inCurrent.add(name);
  }
  if (current.members.length > 0) chunks.push(current);
  return chunks;
}
