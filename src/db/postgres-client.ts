import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './postgres-schema.js';

/*
 * The PostgreSQL side of the store, being built (docs/postgres.md): opening a pool on
 * `DATABASE_URL` and bringing the schema up to date. The store's queries still run on SQLite only;
 * nothing in the app opens this yet.
 */

export type PostgresDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export const POSTGRES_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle/postgres');

/** True for the URLs that select PostgreSQL (`postgres://`, `postgresql://`); anything else is a SQLite path. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * PostgreSQL answers `count(*)` as bigint and `sum()` of a bigint as numeric, which node-postgres
 * hands over as strings; SQLite answers numbers. Both become numbers here, and a value past 2^53
 * (which a number cannot hold exactly) throws instead of being rounded silently. Set on the driver's
 * global parsers because drizzle's queries fall back to them.
 */
function exactNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) && !(Number.isFinite(value) && /[.eE]/.test(text))) {
    throw new RangeError(`PostgreSQL answered ${text}, which a JavaScript number cannot hold exactly`);
  }
  return value;
}

function parseNumbersAsNumbers(): void {
  pg.types.setTypeParser(pg.types.builtins.INT8, exactNumber);
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, exactNumber);
}

/**
 * Text must sort as SQLite's BINARY collation does (byte order), or ORDER BY on logins and paths
 * answers in another order than on SQLite: the database's collation must be C.
 */
const BYTE_ORDER_COLLATIONS = new Set(['C', 'POSIX', 'C.UTF-8', 'C.utf8']);

async function checkCollation(pool: pg.Pool): Promise<void> {
  // datlocprovider (PostgreSQL 15+) is 'i' when ICU collates, whatever datcollate says.
  const { rows } = await pool.query<{ datname: string; datcollate: string; provider: string | null }>(
    `SELECT datname, datcollate, to_jsonb(d) ->> 'datlocprovider' AS provider FROM pg_database d WHERE datname = current_database()`,
  );
  const row = rows[0];
  if (row && (row.provider === 'i' || !BYTE_ORDER_COLLATIONS.has(row.datcollate))) {
    throw new Error(
      `database ${row.datname} sorts text by ${row.provider === 'i' ? 'an ICU collation' : row.datcollate}; create it with LC_COLLATE 'C' ` +
        `(CREATE DATABASE … TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C') so that lists sort as on SQLite`,
    );
  }
}

/**
 * Keys of the session-level advisory locks the app takes (`pg_advisory_lock`), in one place so
 * that no two uses share a key. Processing's one-run-at-a-time lock will join them.
 */
export const ADVISORY_LOCK_KEYS = {
  /** Held while migrations are applied. */
  migrations: 0x63636d01,
  /** Held for the whole of a processing run: one run at a time across every replica. */
  processing: 0x63636d02,
} as const;

/** A session-level advisory lock held on a connection of its own. */
export interface AdvisoryLock {
  /** True once the connection holding it failed: PostgreSQL released the lock with it. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/**
 * Takes the advisory lock `key` without waiting, on a connection taken from the pool for as long
 * as it is held (across any number of transactions on other connections); undefined when another
 * session holds it. Should this process die or its connection break, PostgreSQL releases the lock
 * with the session, so a dead holder never blocks the next one.
 */
export async function tryAdvisoryLock(db: PostgresDb, key: number): Promise<AdvisoryLock | undefined> {
  const client = await db.$client.connect();
  let lost = false;
  // A checked-out client that loses its connection emits 'error'; unheard, it would end the process.
  client.on('error', () => {
    lost = true;
  });
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) {
      client.release();
      return undefined;
    }
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  let released = false;
  return {
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      if (lost) {
        client.release(true);
        return;
      }
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
        client.release();
      } catch (error) {
        client.release(error as Error);
      }
    },
  };
}

/**
 * drizzle 0.45's migrator reads which migrations were applied before its transaction starts, so
 * two replicas starting together would both apply the first one and the second would fail on
 * "already exists": the migrations run under an advisory lock held on one connection, and a
 * replica that waited for it finds them applied.
 */
async function migrateUnderLock(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEYS.migrations]);
    try {
      await migrate(drizzle(client), { migrationsFolder: POSTGRES_MIGRATIONS_FOLDER });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEYS.migrations]);
    }
  } finally {
    client.release();
  }
}

/**
 * Opens a pool on the PostgreSQL database at `url`, checks its collation and applies the
 * migrations of drizzle/postgres (once, however many replicas start together).
 */
export async function createPostgresDb(params: { url: string; maxConnections?: number }): Promise<PostgresDb> {
  parseNumbersAsNumbers();
  const pool = new pg.Pool({ connectionString: params.url, max: params.maxConnections ?? 10 });
  try {
    await checkCollation(pool);
    await migrateUnderLock(pool);
    return drizzle(pool, { schema });
  } catch (error) {
    await pool.end();
    throw error;
  }
}

export async function closePostgresDb(db: PostgresDb): Promise<void> {
  await db.$client.end();
}
