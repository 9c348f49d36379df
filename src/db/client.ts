import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Drizzle's transaction handle has the same query API as the database itself. */
export type Tx = Pick<Db, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | 'run' | 'all' | 'get'>;

const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** How long a write waits for another connection's write lock by default (the command line). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * How long the server's writes block waiting for the lock once it serves (`setBusyTimeout`): the
 * wait blocks the event loop (the driver is synchronous), so the server waits only milliseconds
 * here and longer on timers (`writeWhenFree`, in store-busy.ts), answering 503 when the lock
 * stays taken.
 */
export const SERVER_BUSY_TIMEOUT_MS = 10;

/**
 * Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
 * WAL lets the command line read and write while the server runs (readers never wait for a
 * writer); the busy timeout makes writers wait for each other instead of failing at once with
 * SQLITE_BUSY.
 */
export function createDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder });
  return db;
}

/** Changes how long this connection's writes block waiting for another connection's write lock. */
export function setBusyTimeout(db: Db, ms: number): void {
  db.$client.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/** True when the database answers a trivial query (the health check). */
export function isDbReachable(db: Db): boolean {
  try {
    return db.$client.prepare('SELECT 1 AS ok').get() !== undefined;
  } catch {
    return false;
  }
}
