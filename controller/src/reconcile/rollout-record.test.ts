import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Values } from '../../../lib/api/meta.ts';
import { application, groupOf } from '../../../test/support/groups.ts';
import { releaseUnits } from '../expand/removal.ts';
import {
  EMPTY_RECORD,
  forwardStarting,
  forwardSucceeded,
  MAX_RECORD_JSON_BYTES,
  RECORD_KEY,
  type RolloutRecord,
  recordConfigMap,
  recordOf,
  remediated,
} from './rollout-record.ts';

const at = (generation: number, apps: string[], values: Values = { secret: 'hunter2' }) =>
  groupOf(
    apps.map((name) => application(name, [], { release: { values } })),
    { name: 'shop', namespace: 'apps', uid: 'uid-1', generation },
  );
const installed = (record: RolloutRecord) => Object.keys(record.installed).sort();
const succeed = (record: RolloutRecord) =>
  forwardSucceeded({
    generation: record.pending?.generation ?? 0,
    spec: record.pending?.spec ?? { applications: [] },
  });

describe('the rollout record', () => {
  it('generation 1 starts: pending with its spec, whose releases may be installed', () => {
    const record = forwardStarting(EMPTY_RECORD, at(1, ['a', 'b']), 0);
    expect(record.pending).toEqual({ generation: 1, attempt: 0, spec: at(1, ['a', 'b']).spec });
    expect(installed(record)).toEqual(['a', 'b']);
    expect(JSON.stringify(record.installed)).not.toContain('hunter2');
  });

  it('it succeeded: its spec is the last successful one and all that is installed; nothing pending', () => {
    const record = succeed(forwardStarting(EMPTY_RECORD, at(1, ['a', 'b']), 0));
    expect(record).toEqual({
      succeeded: { generation: 1, spec: at(1, ['a', 'b']).spec },
      installed: releaseUnits(at(1, ['a', 'b']).spec),
    });
  });

  it('generations 2 and 3 start before either succeeds: the releases of all three may be installed', () => {
    let record = succeed(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0));
    record = forwardStarting(record, at(2, ['a', 'x']), 0);
    record = forwardStarting(record, at(3, ['a', 'y']), 0);
    expect(installed(record)).toEqual(['a', 'x', 'y']);
    expect(record.pending?.generation).toBe(3);
    expect(record.succeeded?.generation).toBe(1);
  });

  it('grows with releases, not with rollouts: the same spec started a hundred times adds nothing', () => {
    let record = forwardStarting(EMPTY_RECORD, at(1, ['a', 'b']), 0);
    const size = JSON.stringify(record.installed).length;
    for (let attempt = 1; attempt <= 100; attempt++)
      record = forwardStarting(record, at(1, ['a', 'b']), attempt);
    expect(JSON.stringify(record.installed).length).toBe(size);
  });

  it('rolled back: only the last successful spec is installed; uninstalled: nothing is', () => {
    const failed = forwardStarting(
      succeed(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0)),
      at(2, ['a', 'x']),
      0,
    );
    expect(remediated(failed, 'rollback')).toEqual({
      succeeded: failed.succeeded,
      installed: releaseUnits(at(1, ['a']).spec),
    });
    expect(remediated(failed, 'uninstall')).toEqual({ succeeded: failed.succeeded, installed: {} });
  });

  it('is read back as written from a ConfigMap the group owns', () => {
    const record = forwardStarting(succeed(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0)), at(2, ['b']), 0);
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
    const large = 'x'.repeat(1_200_000);
    expect(recordConfigMap(group(large), forwardStarting(EMPTY_RECORD, group(large), 0))).not.toHaveProperty(
      'tooLarge',
    );
    const random = randomBytes(600_000).toString('base64');
    expect(recordConfigMap(group(random), forwardStarting(EMPTY_RECORD, group(random), 0))).toMatchObject({
      tooLarge: expect.any(Number),
    });
  });

  /** A record someone with ConfigMap rights wrote, owned by the group as the controller's own is. */
  const forged = (record: unknown) => ({
    metadata: { ownerReferences: [{ uid: 'uid-1' }] },
    binaryData: { [RECORD_KEY]: gzipSync(JSON.stringify(record)).toString('base64') },
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
    [
      'a gzip bomb: a few KiB that inflate past what any record holds (refused as it inflates)',
      {
        metadata: { ownerReferences: [{ uid: 'uid-1' }] },
        // A record that would be read whole but for the bound: valid JSON, padded with spaces.
        binaryData: {
          [RECORD_KEY]: gzipSync(
            `${JSON.stringify(forwardStarting(EMPTY_RECORD, at(1, ['a']), 0))}${' '.repeat(MAX_RECORD_JSON_BYTES)}`,
          ).toString('base64'),
        },
      },
    ],
    [
      'a spec the group could not hold (forged: a cycle)',
      forged({
        succeeded: {
          generation: 1,
          spec: { applications: [application('a', ['b']), application('b', ['a'])] },
        },
        installed: {},
      }),
    ],
    [
      'a spec the group could not hold (forged: an unknown field)',
      forged({
        pending: { generation: 1, attempt: 0, spec: { applications: [], kubeConfig: 'x' } },
        installed: {},
      }),
    ],
  ])('is not used when %s', (_name, configMap) => {
    expect(recordOf(at(1, ['a']), configMap as never)).toBeUndefined();
  });
});
