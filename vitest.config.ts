import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // No request leaves the machine, and each test uses every nock mock it sets up (test/helpers/nock-setup.ts).
    setupFiles: ['test/helpers/nock-setup.ts'],
    // Every test file gets its own SQLite file and nock state; isolating files keeps them independent.
    pool: 'forks',
  },
});
