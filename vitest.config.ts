import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'controller/**/*.test.ts', 'executor/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
