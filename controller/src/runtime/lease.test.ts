import { describe, expect, it } from 'vitest';
import { type LeaseState, type LeaseStep, leaseStep } from './lease.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const held = (holder: string, secondsAgo: number, transitions = 3): LeaseState => ({
  holder,
  renewedAt: NOW - secondsAgo * 1000,
  durationSeconds: 15,
  transitions,
});

describe('leaseStep', () => {
  it.each<[string, LeaseState | undefined, LeaseStep]>([
    ['no Lease yet → create it, holding it', undefined, { kind: 'create' }],
    ['held by me → renew it', held('me', 5), { kind: 'renew' }],
    ['held by me even past its duration → renew it (nobody took it)', held('me', 60), { kind: 'renew' }],
    [
      'held by another, renewed within its duration → wait until it expires',
      held('other', 5),
      { kind: 'wait', holder: 'other', expiresAt: NOW + 10_000 },
    ],
    [
      'held by another, not renewed for longer than its duration → take it',
      held('other', 16),
      { kind: 'take', transitions: 4 },
    ],
    [
      'released (no holder) → take it, a transition as with any new holder',
      { transitions: 4 },
      { kind: 'take', transitions: 5 },
    ],
  ])('%s', (_row, lease, step) => {
    expect(leaseStep(lease, 'me', NOW)).toEqual(step);
  });
});
