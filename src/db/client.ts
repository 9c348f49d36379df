import { sql } from 'drizzle-orm';
import { isPostgresUrl } from './postgres-client.js';
import { openPostgresDb } from './postgres-engine.js';
import { openSqliteDb } from './sqlite-engine.js';
import type { Db } from './store-engine.js';

export type { Db, Tx, RunResult, TransactionOptions } from './store-engine.js';
export { DEFAULT_BUSY_TIMEOUT_MS, SERVER_BUSY_TIMEOUT_MS, setBusyTimeout, sqliteConnection } from './sqlite-engine.js';
export { postgresPool } from './postgres-engine.js';

/**
 * Opens the store named by `DATABASE_URL` and brings its schema up to date: PostgreSQL for a
 * `postgres://` or `postgresql://` URL, otherwise the SQLite file at that path (created if needed).
 */
export async function createDb(url: string): Promise<Db> {
  return isPostgresUrl(url) ? openPostgresDb({ url }) : openSqliteDb(url);
}

export async function closeDb(db: Db): Promise<void> {
  await db.close();
}

/** True when the database answers a trivial query (the health check). */
export async function isDbReachable(db: Db): Promise<boolean> {
  try {
    return (await db.get(sql`SELECT 1 AS ok`)) !== undefined;
  } catch {
    return false;
  }
}
