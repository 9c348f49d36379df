import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // Every test file gets its own SQLite file and nock state; isolating files keeps them independent.
    pool: 'forks',
  },
});
