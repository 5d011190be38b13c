import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Values } from '../../../lib/api/meta.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import {
  EMPTY_RECORD,
  forwardStarting,
  forwardSucceeded,
  RECORD_KEY,
  type RolloutRecord,
  recordConfigMap,
  recordOf,
  remediated,
  withoutValues,
} from './rollout-record.ts';

const at = (generation: number, apps: string[], values: Values = { secret: 'hunter2' }) =>
  groupOf(
    apps.map((name) => application(name, [], { release: { values } })),
    { name: 'shop', namespace: 'apps', uid: 'uid-1', generation },
  );
const names = (record: RolloutRecord) => record.installed.map((s) => s.applications.map((a) => a.name));

describe('the rollout record', () => {
  it('generation 1 starts: pending with its spec, which may be installed (without values)', () => {
    const record = forwardStarting(EMPTY_RECORD, at(1, ['a', 'b']), 0);
    expect(record.pending).toEqual({ generation: 1, attempt: 0, spec: at(1, ['a', 'b']).spec });
    expect(names(record)).toEqual([['a', 'b']]);
    expect(JSON.stringify(record.installed)).not.toContain('hunter2');
  });

  it('it succeeded: its spec is the last successful one and all that is installed; nothing pending', () => {
    const record = forwardSucceeded(forwardStarting(EMPTY_RECORD, at(1, ['a', 'b']), 0));
    expect(record).toEqual({
      succeeded: { generation: 1, spec: at(1, ['a', 'b']).spec },
      installed: [withoutValues(at(1, ['a', 'b']).spec)],
    });
  });

  it('generations 2 and 3 start before either succeeds: all three specs may be installed', () => {
    let record = forwardSucceeded(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0));
    record = forwardStarting(record, at(2, ['a', 'x']), 0);
    record = forwardStarting(record, at(3, ['a', 'y']), 0);
    expect(names(record)).toEqual([['a'], ['a', 'x'], ['a', 'y']]);
    expect(record.pending?.generation).toBe(3);
    expect(record.succeeded?.generation).toBe(1);
  });

  it('a spec started again (a retry) is not kept twice: it moves last', () => {
    let record = forwardStarting(EMPTY_RECORD, at(1, ['a']), 0);
    record = forwardStarting(record, at(2, ['b']), 0);
    record = forwardStarting(record, at(1, ['a']), 1);
    expect(names(record)).toEqual([['b'], ['a']]);
    expect(record.pending).toMatchObject({ generation: 1, attempt: 1 });
  });

  it('rolled back: only the last successful spec is installed; uninstalled: nothing is', () => {
    const failed = forwardStarting(
      forwardSucceeded(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0)),
      at(2, ['a', 'x']),
      0,
    );
    expect(remediated(failed, 'rollback')).toEqual({
      succeeded: failed.succeeded,
      installed: [withoutValues(at(1, ['a']).spec)],
    });
    expect(remediated(failed, 'uninstall')).toEqual({ succeeded: failed.succeeded, installed: [] });
  });

  it('is read back as written from a ConfigMap the group owns', () => {
    const record = forwardStarting(
      forwardSucceeded(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0)),
      at(2, ['b']),
      0,
    );
    const configMap = recordConfigMap(at(2, ['b']), record);
    if ('tooLarge' in configMap) throw new Error('too large');
    expect(configMap.metadata).toMatchObject({ name: 'shop-rollout-record', namespace: 'apps' });
    expect(configMap.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ApplicationGroup', uid: 'uid-1' });
    // Values are not readable at a glance in the ConfigMap (gzipped), and come back whole.
    expect(JSON.stringify(configMap)).not.toContain('hunter2');
    expect(recordOf(at(2, ['b']), configMap)).toEqual(record);
  });

  it('gzipped, a record of large but ordinary values fits; one that cannot shrink enough is refused with its size', () => {
    const group = (blob: string) => at(1, ['a', 'b'], { blob });
    expect(
      recordConfigMap(
        group('x'.repeat(1_200_000)),
        forwardStarting(EMPTY_RECORD, group('x'.repeat(1_200_000)), 0),
      ),
    ).not.toHaveProperty('tooLarge');
    const random = randomBytes(600_000).toString('base64');
    expect(recordConfigMap(group(random), forwardStarting(EMPTY_RECORD, group(random), 0))).toMatchObject({
      tooLarge: expect.any(Number),
    });
  });

  const valid = recordConfigMap(at(1, ['a']), forwardStarting(EMPTY_RECORD, at(1, ['a']), 0)) as {
    binaryData: Record<string, string>;
  };
  it.each([
    [
      'owned by another object of the name (an earlier group)',
      { metadata: { ownerReferences: [{ uid: 'uid-0' }] }, binaryData: valid.binaryData },
    ],
    ['not owned at all', { metadata: {}, binaryData: valid.binaryData }],
    ['not gzip', { metadata: { ownerReferences: [{ uid: 'uid-1' }] }, binaryData: { [RECORD_KEY]: 'e30=' } }],
    ['without its key', { metadata: { ownerReferences: [{ uid: 'uid-1' }] }, binaryData: {} }],
  ])('is not used when %s', (_name, configMap) => {
    expect(recordOf(at(1, ['a']), configMap as never)).toBeUndefined();
  });
});
