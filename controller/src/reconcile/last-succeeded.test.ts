import { describe, expect, it } from 'vitest';
import { application, groupOf } from '../../../test/support/groups.ts';
import { lastSucceededOf, lastSucceededRecord } from './last-succeeded.ts';

const group = groupOf([application('web')], { name: 'shop', namespace: 'apps', uid: 'uid-1', generation: 4 });

describe('the last successful spec', () => {
  it('is read back as written: generation and spec, owned by the group', () => {
    const record = lastSucceededRecord(group);
    expect(record.metadata).toMatchObject({ name: 'shop-last-succeeded', namespace: 'apps' });
    expect(record.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ApplicationGroup', uid: 'uid-1' });
    expect(lastSucceededOf(group, record)).toEqual({ generation: 4, spec: group.spec });
  });

  it.each([
    [
      'owned by another object of the name (an earlier group)',
      { metadata: { ownerReferences: [{ uid: 'uid-0' }] }, data: lastSucceededRecord(group).data },
    ],
    ['not owned at all', { metadata: {}, data: lastSucceededRecord(group).data }],
    [
      'unreadable',
      { metadata: { ownerReferences: [{ uid: 'uid-1' }] }, data: { generation: '4', spec: '{not json' } },
    ],
    [
      'without a generation',
      { metadata: { ownerReferences: [{ uid: 'uid-1' }] }, data: { spec: '{"applications":[]}' } },
    ],
  ])('is not used when %s', (_name, record) => {
    expect(lastSucceededOf(group, record as never)).toBeUndefined();
  });
});
