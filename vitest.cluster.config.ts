import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the real control plane suite (test/cluster). One file at a time:
 * each starts its own etcd, kube-apiserver, controller-manager, scheduler and kwok, and the
 * machine has 2 cores.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    globalSetup: ['test/cluster/summary.setup.ts'],
  },
});
