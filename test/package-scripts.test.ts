// The suites run the bundles in dist/ (the executor, the test kubelet), so every npm script that
// runs them builds first: a stale dist/ would test yesterday's code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const { scripts } = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const runningTests = Object.entries(scripts).filter(([, command]) => /\bvitest\b/.test(command));

it.each(runningTests)('npm run %s builds dist/ before it runs the tests', (_name, command) => {
  const build = command.search(/\bnpm run (-s )?build(?![\w:-])/);
  expect(build, command).toBeGreaterThanOrEqual(0);
  expect(build, command).toBeLessThan(command.search(/\bvitest\b/));
});

it('covers the unit and integration scripts', () => {
  expect(runningTests.map(([name]) => name)).toEqual(
    expect.arrayContaining(['test', 'test:unit', 'test:integration']),
  );
});
