import { describe, expect, it } from 'vitest';
import type { DagNode } from '../../../lib/api/application-group.ts';
import { chunkDag } from './chunks.ts';

const chain = (size: number): DagNode[] =>
  Array.from({ length: size }, (_, i) => ({ name: `a${i}`, dependencies: i > 0 ? [`a${i - 1}`] : [] }));

describe('chunkDag', () => {
  it('a DAG that fits is one chunk with no waits', () => {
    expect(chunkDag(chain(200))).toEqual([{ members: chain(200).map((n) => n.name), waits: [] }]);
  });

  it('a chain of 5 in chunks of 3: each chunk waits on the last node of the one before', () => {
    expect(chunkDag(chain(5), 3)).toEqual([
      { members: ['a0', 'a1', 'a2'], waits: [] },
      { members: ['a3', 'a4'], waits: ['a2'] },
    ]);
  });

  it('a wait counts as a task: a chunk of 3 holds one wait and two members', () => {
    expect(chunkDag(chain(7), 3).map((c) => [c.members.length, c.waits.length])).toEqual([
      [3, 0],
      [2, 1],
      [2, 1],
    ]);
  });

  it('members depending on the same outside node share one wait', () => {
    const nodes: DagNode[] = [
      { name: 'root' },
      { name: 'x', dependencies: ['root'] },
      { name: 'b', dependencies: ['x'] },
      { name: 'c', dependencies: ['x'] },
    ];
    expect(chunkDag(nodes, 2)).toEqual([
      { members: ['root', 'x'], waits: [] },
      { members: ['b'], waits: ['x'] },
      { members: ['c'], waits: ['x'] },
    ]);
    expect(chunkDag([...nodes, { name: 'd', dependencies: ['x'] }], 3)).toEqual([
      { members: ['root', 'x', 'b'], waits: [] },
      { members: ['c', 'd'], waits: ['x'] },
    ]);
  });

  it('1,000 applications in ten layers: every chunk within 200 tasks, every dependency kept exactly', () => {
    const width = 100;
    const nodes: DagNode[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `app-${i}`,
      dependencies: i >= width ? [`app-${i - width}`] : [],
    }));
    const chunks = chunkDag(nodes);
    expect(chunks.every((c) => c.members.length + c.waits.length <= 200)).toBe(true);
    expect(chunks.flatMap((c) => c.members).sort()).toEqual(nodes.map((n) => n.name).sort());
    // Each dependency is either in the same chunk or waited on in it, and never a later chunk's.
    const chunkOf = new Map(chunks.flatMap((c, i) => c.members.map((m) => [m, i] as const)));
    for (const [i, chunk] of chunks.entries()) {
      for (const member of chunk.members) {
        for (const dep of nodes.find((n) => n.name === member)?.dependencies ?? []) {
          expect(
            chunkOf.get(dep) === i || (chunk.waits.includes(dep) && (chunkOf.get(dep) as number) < i),
          ).toBe(true);
        }
      }
    }
  });

  it('an application with as many dependencies as the schema allows (199), all in earlier chunks, fits one chunk', () => {
    const nodes: DagNode[] = [
      ...chain(399),
      { name: 'last', dependencies: Array.from({ length: 199 }, (_, i) => `a${i * 2}`) },
    ];
    const chunks = chunkDag(nodes);
    for (const c of chunks) expect(c.members.length + c.waits.length).toBeLessThanOrEqual(200);
    expect(chunks.at(-1)?.members).toContain('last');
  });

  it('independent chains are never cut: 100 chains of 10 fill chunks of 20 whole chains, with no wait', () => {
    const nodes: DagNode[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `app-${i}`,
      dependencies: i >= 100 ? [`app-${i - 100}`] : [],
    }));
    const chunks = chunkDag(nodes);
    expect(chunks.map((c) => [c.members.length, c.waits.length])).toEqual(Array(5).fill([200, 0]));
  });

  it('a root everything depends on is waited on once per later chunk', () => {
    const nodes: DagNode[] = [
      { name: 'root' },
      ...Array.from({ length: 999 }, (_, i) => ({ name: `app-${i}`, dependencies: ['root'] })),
    ];
    expect(chunkDag(nodes).map((c) => c.waits)).toEqual([
      [],
      ['root'],
      ['root'],
      ['root'],
      ['root'],
      ['root'],
    ]);
  });
});
