// PURE: the lines `npm run demo` prints as a group rolls out — one per application whose state
// changed since the last status, with the time since the demo applied the group and, once an
// application is Ready or failed, how long it took since it started.
import type { ApplicationStatus } from '../../lib/api/application-group.ts';

export type Word = 'waiting' | 'running' | 'Ready' | 'failed' | 'deleted';

export function wordOf(phase: ApplicationStatus['phase']): Word {
  switch (phase) {
    case 'Progressing':
      return 'running';
    case 'Succeeded':
      return 'Ready';
    case 'Failed':
      return 'failed';
    case 'Deleted':
      return 'deleted';
    default:
      return 'waiting';
  }
}

/** What was last printed per application: its word, and when it started running (seconds). */
export type Seen = ReadonlyMap<string, { word: Word; startedAt?: number }>;

const pad = (text: string, width: number) => text.padEnd(width);

export function progressLines(
  seen: Seen,
  applications: readonly ApplicationStatus[],
  seconds: number,
  width = Math.max(0, ...applications.map((a) => a.name.length)),
): { lines: string[]; seen: Seen } {
  const next = new Map(seen);
  const lines: string[] = [];
  const at = `${seconds.toFixed(1).padStart(6)}s`;
  for (const app of applications) {
    const word = wordOf(app.phase);
    const before = seen.get(app.name);
    if (before?.word === word) continue;
    // Known only when it was seen running: a step quicker than a status update goes unmeasured.
    const startedAt = word === 'running' ? seconds : before?.startedAt;
    next.set(app.name, { word, startedAt });
    const took =
      startedAt !== undefined && (word === 'Ready' || word === 'failed')
        ? ` in ${(seconds - startedAt).toFixed(1)}s`
        : '';
    const detail =
      word === 'Ready' && app.version
        ? `  chart ${app.version}${took}`
        : word === 'failed'
          ? `${took}: ${app.message ?? ''}`
          : '';
    lines.push(`${at}  ${pad(app.name, width)}  ${word}${detail}`);
  }
  return { lines, seen: next };
}
