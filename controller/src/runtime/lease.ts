// PURE: what one candidate does with the Lease it competes for, by the rules client-go's
// leaderelection follows: the holder renews; a Lease nobody renewed within its duration, or that
// nobody holds (released), may be taken, counting a transition as the holder changes; otherwise wait.

export interface LeaseState {
  holder?: string;
  /**
   * When this process saw the record last change (ms, its own clock), as client-go judges expiry:
   * the holder's renewTime is another machine's clock, and clock skew would make two leaders.
   */
  renewedAt?: number;
  durationSeconds?: number;
  transitions?: number;
}

export type LeaseStep =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'take'; transitions: number }
  | { kind: 'wait'; holder: string; expiresAt: number };

export function leaseStep(lease: LeaseState | undefined, me: string, now: number): LeaseStep {
  if (!lease) return { kind: 'create' };
  if (lease.holder === me) return { kind: 'renew' };
  const transitions = (lease.transitions ?? 0) + 1;
  if (!lease.holder) return { kind: 'take', transitions };
  const expiresAt = (lease.renewedAt ?? 0) + (lease.durationSeconds ?? 0) * 1000;
  return now >= expiresAt ? { kind: 'take', transitions } : { kind: 'wait', holder: lease.holder, expiresAt };
}
