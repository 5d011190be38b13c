import { describe, expect, it } from 'vitest';
import type { Workflow } from '../../../lib/api/argo.ts';
import { dependencyVerdict } from './wait.ts';

const node = 'wf.part-1.a';
const scope = 'wf.part-1';

const workflowWith = (phases: { node?: string; scope?: string; workflow?: string }): Workflow => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'wf' },
  spec: { entrypoint: 'main', templates: [] },
  status: {
    phase: phases.workflow ?? 'Running',
    nodes: {
      ...(phases.scope ? { s: { name: scope, type: 'DAG', phase: phases.scope } } : {}),
      ...(phases.node ? { n: { name: node, type: 'Retry', phase: phases.node } } : {}),
    },
  },
});

describe('dependencyVerdict', () => {
  const rows: Array<[string, Workflow | undefined, string | undefined, string?]> = [
    [
      'the dependency succeeded: the dependent may go',
      workflowWith({ node: 'Succeeded', scope: 'Running' }),
      'Succeeded',
      'DependencySucceeded',
    ],
    [
      'the dependency failed: the wait fails',
      workflowWith({ node: 'Failed', scope: 'Running' }),
      'Failed',
      'DependencyFailed',
    ],
    [
      'the dependency errored: the wait fails',
      workflowWith({ node: 'Error', scope: 'Failed' }),
      'Failed',
      'DependencyFailed',
    ],
    [
      'the dependency was omitted (its own dependency failed): the wait fails',
      workflowWith({ node: 'Omitted', scope: 'Failed' }),
      'Failed',
      'DependencyNotRun',
    ],
    ['the dependency is running: undecided', workflowWith({ node: 'Running', scope: 'Running' }), undefined],
    [
      'the dependency has no node yet and its part runs: undecided',
      workflowWith({ scope: 'Running' }),
      undefined,
    ],
    ['the part has not started: undecided', workflowWith({}), undefined],
    [
      'the part ended without running the dependency (fail fast): the wait fails',
      workflowWith({ scope: 'Failed' }),
      'Failed',
      'DependencyNotRun',
    ],
    [
      'the Workflow ended without it: the wait fails',
      workflowWith({ workflow: 'Failed' }),
      'Failed',
      'DependencyNotRun',
    ],
    ['the Workflow is gone: the wait fails', undefined, 'Failed', 'WorkflowNotFound'],
  ];
  it.each(rows)('%s', (_, workflow, phase, reason) => {
    const verdict = dependencyVerdict(workflow, node, scope);
    expect(verdict?.phase).toBe(phase);
    if (reason) expect(verdict?.reason).toBe(reason);
  });

  it('reads nodes Argo compressed into status.compressedNodes', async () => {
    const { gzipSync } = await import('node:zlib');
    const plain = workflowWith({ node: 'Succeeded' });
    const compressed = {
      ...plain,
      status: {
        phase: 'Running',
        compressedNodes: gzipSync(JSON.stringify(plain.status?.nodes)).toString('base64'),
      },
    };
    expect(dependencyVerdict(compressed, node, scope)?.phase).toBe('Succeeded');
  });
});
