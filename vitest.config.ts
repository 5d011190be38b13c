import { defineConfig } from 'vitest/config';

// ORKESTRA_TEST_REPORT=path also writes a JSON report (read by .ci/run for its closing line).
const report = process.env.ORKESTRA_TEST_REPORT;

/**
 * Files that disturb the whole control plane (a restarted API server, Orkestra's own Argo and Flux
 * taken away): run alone, after the rest.
 */
const ALONE = ['test/integration/apiserver-restart.test.ts', 'test/e2e/bring-your-own.test.ts'];
const INTEGRATION = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];
const CLUSTER_TIMEOUTS = { testTimeout: 180_000, hookTimeout: 180_000 };

export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    // One real control plane for the whole run, started before any file when an integration
    // project is selected (global-setup.ts), shared by both integration projects.
    globalSetup: ['test/integration/global-setup.ts'],
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
          include: INTEGRATION,
          exclude: ALONE,
          // Three files at once: each test owns its namespaces (and its own controllers, where it
          // starts any), and most of their time is spent waiting on the cluster. On 2 cores the
          // whole suite took 897 s so against 2283 s one file at a time (same files, one run each).
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          ...CLUSTER_TIMEOUTS,
        },
      },
      {
        test: {
          name: 'integration-alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          ...CLUSTER_TIMEOUTS,
        },
      },
    ],
  },
});
