import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // After each file: fails it if a child process or a helper-started server is left running.
    setupFiles: ['test/helpers/leak-check.ts'],
    // One process per worker: the leak check's "children of this process" are this file's.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two shared cores: more workers only add contention to the process-spawning tests.
    maxWorkers: 2,
    restoreMocks: true,
  },
});
