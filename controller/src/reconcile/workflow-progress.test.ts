// Read from Workflows recorded from the real workflow-controller (test/fixtures/argo/workflows/).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import { workflowNodes } from '../../../lib/workflow-nodes.ts';
import { chainGroup, recordedWorkflow, shapesGroup } from '../../../test/support/recorded-workflows.ts';
import { renderForwardWorkflow } from '../expand/forward-workflow.ts';
import { partsOf } from '../expand/split-dags.ts';
import { workflowProgress } from './workflow-progress.ts';

const recorded = (name: string) => recordedWorkflow(name.replace(/\.yaml$/, ''));
const chain = chainGroup();
const shapes = shapesGroup();

describe('workflowNodes', () => {
  it('reads the nodes Argo compressed (gzip, base64) into status.compressedNodes as it reads status.nodes', () => {
    const plain = recorded('forward-succeeded.yaml');
    const { nodes, ...rest } = plain.status ?? {};
    const compressed = {
      ...plain,
      status: { ...rest, compressedNodes: gzipSync(JSON.stringify(nodes)).toString('base64') },
    };
    expect(Object.keys(workflowNodes(compressed)).length).toBeGreaterThan(2);
    expect(workflowNodes(compressed)).toEqual(nodes);
    expect(workflowProgress(chain, compressed, 'apply')).toEqual(workflowProgress(chain, plain, 'apply'));
  });

  it('a Workflow Argo has not started: no nodes', () => {
    expect(workflowNodes({ ...recorded('forward-succeeded.yaml'), status: {} })).toEqual({});
  });
});

/** The recorded Workflow (spec left out) as rendered with DAGs split into parts of `limit` tasks: each task's nodes one level down. */
function splitRecorded(group: ApplicationGroup, workflow: Workflow, limit: number): Workflow {
  const name = workflow.metadata.name as string;
  const { spec } = renderForwardWorkflow(group, { dagTaskLimit: limit }).workflow;
  const parts = partsOf({ ...workflow, spec }, spec.entrypoint);
  const moved = (node: string) => {
    const task = node.slice(name.length + 1).split('.')[0] as string;
    const part = parts.get(task);
    return part && node.startsWith(`${name}.${task}`)
      ? `${name}.${part}.${node.slice(name.length + 1)}`
      : node;
  };
  const nodes = Object.fromEntries(
    Object.entries(workflowNodes(workflow)).map(([id, node]) => [id, { ...node, name: moved(node.name) }]),
  );
  return { ...workflow, spec, status: { ...workflow.status, nodes } };
}

describe('workflowProgress', () => {
  it('a Workflow whose DAG was split into parts reads as the same Workflow unsplit', () => {
    for (const [group, file] of [
      [chain, 'forward-running.yaml'],
      [chain, 'forward-succeeded.yaml'],
      [shapes, 'forward-failed.yaml'],
    ] as const) {
      const plain = recorded(file);
      const split = splitRecorded(group, plain, 1);
      expect(partsOf(split, split.spec.entrypoint).size).toBeGreaterThan(1);
      expect(workflowProgress(group, split, 'apply')).toEqual(workflowProgress(group, plain, 'apply'));
    }
  });

  it('a running Workflow: first installed at 1.0.0, second in progress, no failure', () => {
    const progress = workflowProgress(chain, recorded('forward-running.yaml'), 'apply');
    expect(progress).toEqual({
      applications: [
        {
          name: 'first',
          phase: 'Succeeded',
          version: '1.0.0',
          message: expect.stringContaining('Helm install succeeded'),
        },
        { name: 'second', phase: 'Progressing' },
      ],
    });
  });

  it('a succeeded Workflow: every application Succeeded with the version it installed', () => {
    const { applications, failure } = workflowProgress(chain, recorded('forward-succeeded.yaml'), 'apply');
    expect(applications.map((a) => [a.name, a.phase, a.version])).toEqual([
      ['first', 'Succeeded', '1.0.0'],
      ['second', 'Succeeded', '2.0.0'],
    ]);
    expect(failure).toBeUndefined();
  });

  it('a failed Workflow: names the first failure in dependency order with the executor’s reason', () => {
    const { applications, failure } = workflowProgress(shapes, recorded('forward-failed.yaml'), 'apply');
    const byName = Object.fromEntries(applications.map((a) => [a.name, a]));
    expect(byName.first?.phase).toBe('Succeeded');
    expect(byName.second).toMatchObject({ phase: 'Succeeded', version: '2.0.0' });
    expect(byName.broken?.phase).toBe('Failed');
    expect(byName.broken?.message).toMatch(/^RetriesExceeded: /);
    expect(byName['after-broken']).toMatchObject({ phase: 'Pending' });
    expect(failure).toEqual({ application: 'broken', message: byName.broken?.message });
  });

  it('an application whose subcharts could not be staged: Failed, its subcharts never started', () => {
    const { applications } = workflowProgress(shapes, recorded('forward-failed.yaml'), 'apply');
    const bookinfo = applications.find((a) => a.name === 'bookinfo');
    expect(bookinfo).toMatchObject({
      phase: 'Failed',
      message: 'staging its subcharts failed: main: Error (exit code 2)',
      subcharts: { details: { phase: 'Pending' }, ratings: { phase: 'Pending' } },
    });
  });

  it('a reverse Workflow that succeeded: every application Deleted, with the executor’s message', () => {
    const { applications } = workflowProgress(chain, recorded('reverse-succeeded.yaml'), 'delete');
    expect(applications).toEqual([
      { name: 'first', phase: 'Deleted', message: 'HelmRelease orkestra/first uninstalled and deleted' },
      { name: 'second', phase: 'Deleted', message: 'HelmRelease orkestra/second uninstalled and deleted' },
    ]);
  });

  it('a Workflow Argo has not started: every application Pending', () => {
    const fresh = { ...recorded('forward-running.yaml'), status: {} };
    expect(workflowProgress(chain, fresh, 'apply').applications.map((a) => a.phase)).toEqual([
      'Pending',
      'Pending',
    ]);
  });

  it('an application named like the DAG after a removal (install) is read as an application', () => {
    // The chain's recorded Workflow, its first application renamed `install`: no removal DAG here.
    const workflow = recorded('forward-succeeded.yaml');
    const name = workflow.metadata.name as string;
    for (const node of Object.values(workflow.status?.nodes ?? {}) as Array<{
      name: string;
      displayName?: string;
    }>) {
      node.name = node.name.replace(`${name}.first`, `${name}.install`);
      if (node.displayName === 'first') node.displayName = 'install';
    }
    const group = {
      ...chain,
      spec: {
        applications: chain.spec.applications.map((a) =>
          a.name === 'first' ? { ...a, name: 'install' } : { ...a, dependencies: ['install'] },
        ),
      },
    };
    expect(
      workflowProgress(group, workflow, 'apply').applications.map((a) => [a.name, a.phase, a.version]),
    ).toEqual([
      ['install', 'Succeeded', '1.0.0'],
      ['second', 'Succeeded', '2.0.0'],
    ]);
  });
});
