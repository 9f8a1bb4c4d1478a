import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // synth-heavy suites share one process pool; 2 cores on CI.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
