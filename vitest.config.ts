import { defineConfig } from 'vitest/config';

// ORKESTRA_TEST_REPORT=path also writes a JSON report (read by .ci/run for its closing line).
const report = process.env.ORKESTRA_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'controller/**/*.test.ts', 'executor/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
