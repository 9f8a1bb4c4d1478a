import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real control plane suite runs on its own (npm run test:cluster, vitest.cluster.config.ts).
    exclude: ['test/cluster/**', '**/node_modules/**'],
    // synth-heavy suites share one process pool; 2 cores on CI.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
