import { defineConfig } from 'vitest/config';

// ORKESTRA_TEST_REPORT=path also writes a JSON report (read by .ci/run for its closing line).
const report = process.env.ORKESTRA_TEST_REPORT;

export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'lib/**/*.test.ts',
            'controller/**/*.test.ts',
            'executor/**/*.test.ts',
            'test/*.test.ts',
            'test/cluster/**/*.test.ts',
            'test/bench/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // One real control plane for the whole run, started before any file.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
