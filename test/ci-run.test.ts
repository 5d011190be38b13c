// .ci/run's verdict: it passes only when the test command passed AND wrote a report of at least one
// test, none failed. The script runs copied into an empty folder, with an `npm` on PATH that does
// nothing but play `npm test`'s part (exit status, report) as each row says.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

interface Report {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  success: boolean;
}

const report = (passed: number, failed: number, success = failed === 0): Report => ({
  numTotalTests: passed + failed,
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: 0,
  success,
});

/** Runs a copy of .ci/run whose `npm test` exits `testStatus` after writing `written` (if any). */
function runCi(testStatus: number, written?: Report | string) {
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-ci-'));
  mkdirSync(join(dir, 'repo/.ci'), { recursive: true });
  copyFileSync(join(root, '.ci/run'), join(dir, 'repo/.ci/run'));
  mkdirSync(join(dir, 'bin'));
  const npm = join(dir, 'bin/npm');
  writeFileSync(
    npm,
    [
      '#!/usr/bin/env bash',
      '# Every npm command succeeds at once, but `npm test`, which plays the row.',
      'if [[ "$1" == test ]]; then',
      written
        ? `  printf '%s' '${typeof written === 'string' ? written : JSON.stringify(written)}' > "$ORKESTRA_TEST_REPORT"`
        : '  :',
      `  exit ${testStatus}`,
      'fi',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(npm, 0o755);
  const result = spawnSync('bash', [join(dir, 'repo/.ci/run')], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
  });
  const lines = result.stdout.trim().split('\n');
  return { status: result.status, summary: lines.find((l) => /^\d+ passed, \d+ failed/.test(l)), lines };
}

describe('.ci/run', () => {
  it.each<[string, number, Report | string | undefined, number, string]>([
    ['tests that all passed → CI passes', 0, report(3, 0), 0, '3 passed, 0 failed'],
    ['a test run that wrote no report → CI fails', 0, undefined, 1, '0 passed, 1 failed'],
    ['a report of zero tests → CI fails', 0, report(0, 0), 1, '0 passed, 0 failed'],
    [
      'a report in which every test was skipped → CI fails',
      0,
      { ...report(0, 0), numTotalTests: 5, numPendingTests: 5 },
      1,
      '0 passed, 0 failed, 5 skipped',
    ],
    [
      'a truncated report → CI fails, still with a closing line',
      0,
      '{"numTotalTests": 3, "numPass',
      1,
      '0 passed, 1 failed',
    ],
    ['a failed test although npm test exited 0 → CI fails', 0, report(2, 1), 1, '2 passed, 1 failed'],
    ['a failed suite (no test failed) → CI fails', 0, report(2, 0, false), 1, '2 passed, 0 failed'],
    ['npm test failing → CI fails', 1, report(2, 1), 1, '2 passed, 1 failed'],
  ])('%s', (_row, testStatus, written, expectedStatus, expectedSummary) => {
    const { status, summary, lines } = runCi(testStatus, written);
    expect([status, summary], lines.join('\n')).toEqual([expectedStatus, expectedSummary]);
  });
});
