import { describe, expect, it } from 'vitest';
import type { Outcome } from '../context.ts';
import { outcomeReply, parseExecuteRequest, runningReply, unchangedReply } from './protocol.ts';

const workflow = { metadata: { name: 'shop-g1-forward', namespace: 'shop', uid: 'u-1' } };
const template = (plugin: unknown) => ({ name: 'apply', plugin });

describe('parseExecuteRequest', () => {
  it.each<[string, unknown, object]>([
    [
      'another plugin’s template → not ours',
      { workflow, template: template({ hello: {} }) },
      { mine: false },
    ],
    [
      'a container template → not ours',
      { workflow, template: { name: 'x', container: {} } },
      { mine: false },
    ],
    ['no template at all → not ours', { workflow }, { mine: false }],
    [
      'ours without a Workflow uid → invalid',
      { workflow: { metadata: { name: 'w' } }, template: template({ orkestra: { args: [] } }) },
      { mine: true, invalid: expect.stringContaining('names no Workflow') },
    ],
    [
      'ours with args that are not strings → invalid',
      { workflow, template: template({ orkestra: { args: ['apply', 3] } }) },
      { mine: true, invalid: 'plugin.orkestra.args must be a list of strings' },
    ],
    [
      'ours → the task: its Workflow and the command line',
      { workflow, template: template({ orkestra: { args: ['delete', '--name', 'a'] } }) },
      {
        mine: true,
        task: {
          workflow: { name: 'shop-g1-forward', namespace: 'shop', uid: 'u-1' },
          args: ['delete', '--name', 'a'],
          key: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      },
    ],
  ])('%s', (_sentence, body, expected) => {
    expect(parseExecuteRequest(body)).toEqual(expected);
  });

  it('the same step of the same Workflow has one key; another Workflow or other args another', () => {
    const key = (uid: string, args: string[]) => {
      const asked = parseExecuteRequest({
        workflow: { metadata: { ...workflow.metadata, uid } },
        template: template({ orkestra: { args } }),
      });
      return asked.mine && 'task' in asked ? asked.task.key : undefined;
    };
    expect(key('u-1', ['probe', '--name', 'a'])).toBe(key('u-1', ['probe', '--name', 'a']));
    expect(key('u-2', ['probe', '--name', 'a'])).not.toBe(key('u-1', ['probe', '--name', 'a']));
    expect(key('u-1', ['probe', '--name', 'b'])).not.toBe(key('u-1', ['probe', '--name', 'a']));
  });
});

describe('replies', () => {
  const outcome = (phase: Outcome['phase']): Outcome => ({
    action: 'apply',
    phase,
    reason: phase === 'Succeeded' ? 'InstallSucceeded' : 'ClusterUnreachable',
    message: 'said',
  });

  it('a succeeded step: Succeeded, its message, the outcome as the result output', () => {
    expect(outcomeReply(outcome('Succeeded'))).toEqual({
      node: {
        phase: 'Succeeded',
        message: 'said',
        outputs: { parameters: [{ name: 'result', value: JSON.stringify(outcome('Succeeded')) }] },
      },
    });
  });

  it('any other outcome: Failed, with the phase first in the message (what the retry rule reads)', () => {
    expect(outcomeReply(outcome('Unreachable')).node).toMatchObject({
      phase: 'Failed',
      message: 'Unreachable: said',
    });
  });

  it('still at work: Running and when to ask again (without it the agent would never ask)', () => {
    expect(runningReply('busy', '100ms')).toEqual({
      node: { phase: 'Running', message: 'busy' },
      requeue: '100ms',
    });
  });

  it('still at work, as already told: a node without a phase (the agent passes nothing on) and when to ask again', () => {
    expect(unchangedReply('1s')).toEqual({ node: {}, requeue: '1s' });
  });
});
