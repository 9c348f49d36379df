import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { createHttpApp } from '../../src/http/app.js';
import { createTestDb } from './test-db.js';
import { silentLog, TEST_FINGERPRINT_KEY } from './test-probot.js';

/** The HTTP app on a fresh SQLite file (no GitHub credentials), with an org ingest token for `acme`. */
export function createTestApp(options: { maxBodyBytes?: number; now?: () => Date; apiRateLimitPerMinute?: number } = {}) {
  const t = createTestDb();
  const app = createHttpApp({
    db: t.db,
    log: silentLog,
    fingerprintKey: TEST_FINGERPRINT_KEY,
    ingestMaxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    now: options.now,
    apiRateLimitPerMinute: options.apiRateLimitPerMinute,
  });
  const { token } = createIngestToken(t.db, { org: 'acme' });
  return { ...t, app, token };
}
