import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { createHttpApp } from '../../src/http/app.js';
import { createTestDb, testEngine } from './test-db.js';
import { createTestPostgresDatabase, testPostgresUrl } from './test-postgres.js';
import { silentLog, TEST_FINGERPRINT_KEY } from './test-probot.js';

/** The HTTP app on a fresh database of the suite's engine (no GitHub credentials), with an org ingest token for `acme`. */
export async function createTestApp(options: { maxBodyBytes?: number; now?: () => Date; apiRateLimitPerMinute?: number } = {}) {
  const t = await createTestDb();
  const app = createHttpApp({
    db: t.db,
    log: silentLog,
    fingerprintKey: TEST_FINGERPRINT_KEY,
    ingestMaxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    now: options.now,
    apiRateLimitPerMinute: options.apiRateLimitPerMinute,
  });
  const { token } = await createIngestToken(t.db, { org: 'acme' });
  return { ...t, app, token };
}

/**
 * The `DATABASE_URL` of a test server (`startAppServer`) on the suite's engine: on PostgreSQL a
 * fresh migrated database (dropped by `drop`); on SQLite nothing to add (`testServerConfig` names a
 * file in the test's folder).
 */
export async function testServerDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (testEngine() !== 'postgres') return { env: {}, drop: async () => undefined };
  const clusterUrl = testPostgresUrl();
  if (!clusterUrl) throw new Error('TEST_ENGINE=postgres needs TEST_POSTGRES_URL (scripts/postgres-cluster.sh start)');
  const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
}
