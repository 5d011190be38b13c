import type { DagNode } from '../../../lib/api/application-group.ts';

/**
 * Every dependency cycle among `nodes`, each as the list of names along it with the first name
 * repeated at the end (`[a, b, c, a]`). One cycle is reported per strongly connected component,
 * starting from its node that comes first in `nodes`. Unknown dependencies are ignored here.
 */
export function findCycles(nodes: readonly DagNode[]): string[][] {
  const order = new Map(nodes.map((node, i) => [node.name, i]));
  const edges = new Map(
    nodes.map((node) => [node.name, (node.dependencies ?? []).filter((d) => order.has(d))]),
  );
  const cycles: string[][] = [];
  for (const component of stronglyConnectedComponents(
    nodes.map((n) => n.name),
    edges,
  )) {
    const only = component[0];
    if (component.length === 1 && only !== undefined && !edges.get(only)?.includes(only)) continue;
    const members = new Set(component);
    const start = component.reduce((a, b) => ((order.get(a) ?? 0) <= (order.get(b) ?? 0) ? a : b));
    cycles.push(cycleThrough(start, members, edges));
  }
  return cycles.sort((a, b) => (order.get(a[0] ?? '') ?? 0) - (order.get(b[0] ?? '') ?? 0));
}

/** A shortest cycle from `start` back to itself inside `members` (breadth-first). */
function cycleThrough(start: string, members: Set<string>, edges: Map<string, string[]>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const next of edges.get(current) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(parent.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!parent.has(next)) {
        parent.set(next, current);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** Tarjan's algorithm, iterative so deep graphs cannot overflow the stack. */
function stronglyConnectedComponents(names: readonly string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of names) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const successors = edges.get(frame.node) ?? [];
      if (frame.next < successors.length) {
        const next = successors[frame.next++] as string;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, next: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(next) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/**
 * Names in an order where every node comes after its dependencies; among nodes that are ready at
 * the same time, the one listed first in `nodes` goes first. Assumes no cycles.
 */
export function topologicalOrder(nodes: readonly DagNode[]): string[] {
  const position = new Map(nodes.map((node, i) => [node.name, i]));
  const remaining = new Map(
    nodes.map((node) => [node.name, new Set((node.dependencies ?? []).filter((d) => position.has(d)))]),
  );
  const dependents = new Map<string, string[]>(nodes.map((node) => [node.name, []]));
  for (const node of nodes) {
    for (const dep of remaining.get(node.name) ?? []) dependents.get(dep)?.push(node.name);
  }
  const ready = nodes.filter((n) => remaining.get(n.name)?.size === 0).map((n) => n.name);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const next = ready.shift() as string;
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const deps = remaining.get(dependent);
      deps?.delete(next);
      if (deps?.size === 0) ready.push(dependent);
    }
  }
  return order;
}

/**
 * Names in an order where every node comes after its dependencies, each sink (in the order of
 * `nodes`) right after those of its ancestors not placed yet: a depth-first walk of dependencies.
 * What depends on each other stays close, so cutting the order into pieces cuts few dependencies
 * (independent chains are never cut between pieces when they fit). Assumes no cycles.
 */
export function depthFirstOrder(nodes: readonly DagNode[]): string[] {
  const deps = new Map(nodes.map((n) => [n.name, n.dependencies ?? []]));
  const placed = new Set<string>();
  const order: string[] = [];
  const roots = [...sinks(nodes), ...nodes.map((n) => n.name)];
  for (const root of roots) {
    // Iterative post-order: a node is placed once every dependency is.
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      if (placed.has(top.name)) {
        stack.pop();
        continue;
      }
      const list = deps.get(top.name) ?? [];
      const dep = list[top.next++];
      if (dep === undefined) {
        placed.add(top.name);
        order.push(top.name);
        stack.pop();
      } else if (deps.has(dep) && !placed.has(dep)) {
        stack.push({ name: dep, next: 0 });
      }
    }
  }
  return order;
}

/** Nodes nothing else in `nodes` depends on. */
export function sinks(nodes: readonly DagNode[]): string[] {
  const dependedOn = new Set(nodes.flatMap((n) => n.dependencies ?? []));
  return nodes.filter((n) => !dependedOn.has(n.name)).map((n) => n.name);
}
