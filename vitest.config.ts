import { defineConfig } from 'vitest/config';

/*
 * The suite runs on each engine the store supports: SQLite always, PostgreSQL when a cluster is
 * given (`TEST_POSTGRES_URL`, started by .ci/run or scripts/postgres-cluster.sh) and always on CI,
 * where a missing cluster fails instead of testing less. Tests that never open the store (the pure
 * core, static checks) and tests that already run on both engines themselves run once.
 */
const ENGINE_INDEPENDENT = [
  'test/architecture.test.ts',
  'test/floating-promises.test.ts',
  'test/config.test.ts',
  'test/secret-token.test.ts',
  'test/utc-days.test.ts',
  'test/attribution/**',
  'test/attribution-eval/truth.test.ts',
  'test/outcomes/outcome-comparison.test.ts',
  'test/outcomes/pull-request-outcome.test.ts',
  'test/outcomes/revert-links.test.ts',
  'test/durability/line-lives.test.ts',
  'test/durability/durability-comparison.test.ts',
  'test/telemetry/hook-call.test.ts',
  'test/github/webhook-payloads.test.ts',
  'test/db/pg-table-twin.test.ts',
  'test/db/postgres-schema.test.ts',
  'test/db/postgres-client.test.ts',
  'test/db/store-engine.test.ts',
  'test/db/dialect-sql.test.ts',
  'test/db/table-sql.test.ts',
];

const withPostgres = Boolean(process.env.TEST_POSTGRES_URL) || process.env.CI === 'true';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    // No request leaves the machine, and each test uses every nock mock it sets up (test/helpers/nock-setup.ts).
    setupFiles: ['test/helpers/nock-setup.ts'],
    // Every test file gets its own database and nock state; isolating files keeps them independent.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], env: { TEST_ENGINE: 'sqlite' } } },
      ...(withPostgres
        ? [{ extends: true as const, test: { name: 'postgres', include: ['test/**/*.test.ts'], exclude: ENGINE_INDEPENDENT, env: { TEST_ENGINE: 'postgres' } } }]
        : []),
    ],
  },
});
