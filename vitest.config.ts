import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two shared cores: more workers only add contention to the process-spawning tests.
    maxWorkers: 2,
    restoreMocks: true,
  },
});
