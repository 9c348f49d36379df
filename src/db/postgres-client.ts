import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './postgres-schema.js';

/*
 * The PostgreSQL side of the store (docs/postgres.md): opening a pool on `DATABASE_URL`, bringing
 * the schema up to date, and the advisory locks replicas share. The store's handle over the pool
 * is in postgres-engine.ts.
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
  // Rows read as on SQLite, which stores booleans as 1/0 and hands JSON over as its text: the
  // schema's boolean and JSON columns map those for the query builders on both engines, and raw
  // rows are the same on both. Global, like the number parsers, because drizzle's queries fall
  // back to the global parsers whatever the pool says.
  pg.types.setTypeParser(pg.types.builtins.BOOL, (text: string) => (text === 't' ? 1 : 0));
  pg.types.setTypeParser(pg.types.builtins.JSON, (text: string) => text);
  pg.types.setTypeParser(pg.types.builtins.JSONB, (text: string) => text);
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
export async function tryAdvisoryLock(db: { $client: pg.Pool }, key: number): Promise<AdvisoryLock | undefined> {
  const client = await db.$client.connect();
  let lost = false;
  // A checked-out client that loses its connection emits 'error'; unheard, it would end the process.
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  // The client goes back to the pool: the listener must not stay on it (nor pile up there).
  const giveBack = (error?: Error | boolean) => {
    client.off('error', onError);
    client.release(error);
  };
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) {
      giveBack();
      return undefined;
    }
  } catch (error) {
    giveBack(error as Error);
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
        giveBack(true);
        return;
      }
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
        giveBack();
      } catch (error) {
        giveBack(error as Error);
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
 * PostgreSQL refuses the character U+0000 in text (SQLite stores it), so a webhook, an export or a
 * request that carries one would fail on PostgreSQL alone, over and over as it is retried. Every
 * text parameter the store sends is sent without it: what is stored, and what is looked up, is
 * the text with NUL removed, on every statement of the pool (drizzle's builders and raw SQL alike).
 * JSON the store writes carries a NUL as the escape `\u0000`, which `jsonb` refuses too; the escape
 * is removed from JSON text the same way, where it cannot be part of an escaped backslash.
 */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.includes('\0') && !value.includes('\\u0000')) return value;
    return value.replaceAll('\0', '').replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1');
  }
  if (Array.isArray(value)) return value.map(withoutNul);
  return value;
}

/**
 * Statements the store sends again and again (processing's per-subject reads, the API's key and
 * rate-limit checks) are prepared once per connection under a name, so the server parses their
 * text once instead of on every call. They are still planned for their values on every run
 * (`plan_cache_mode = force_custom_plan`, set on the pool's connections): PostgreSQL's generic plan
 * of a prepared statement guesses the rows a range matches, and for the API's count of active
 * people it chose a plan seven times slower. A text is named when it is sent the second time, so
 * one-off texts are not kept on the server, and at most `NAMED_TEXTS` texts are ever named by a
 * process (each connection keeps the ones it has run until it closes).
 */
const NAMED_TEXTS = 500;
const textNames = new Map<string, string | null>();

function statementName(text: string): string | undefined {
  const name = textNames.get(text);
  if (name) return name;
  if (name === undefined) {
    // First sight: remembered unnamed (bounded: the map stops growing once full).
    if (textNames.size < NAMED_TEXTS * 4) textNames.set(text, null);
    return undefined;
  }
  let named = 0;
  for (const n of textNames.values()) if (n) named++;
  if (named >= NAMED_TEXTS) return undefined;
  const given = `ccm_${named + 1}`;
  textNames.set(text, given);
  return given;
}

class NulFreeClient extends pg.Client {
  /** False on a pool opened with `prepared_statements=off`: every statement goes unnamed. */
  nameStatements = true;
}
/** The client of a pool whose statements are never named (behind a pooler that cannot keep them). */
class UnnamedNulFreeClient extends NulFreeClient {
  override nameStatements = false;
}
const sendQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(NulFreeClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: NulFreeClient, ...args: unknown[]) {
  const [config, values] = args;
  // A submittable (a cursor) carries its own values and is passed as it is.
  if (config && typeof config === 'object' && !('submit' in config) && Array.isArray((config as pg.QueryConfig).values)) {
    const query = config as pg.QueryConfig;
    const name = query.name ?? (this.nameStatements ? statementName(query.text) : undefined);
    args[0] = { ...query, values: query.values!.map(withoutNul), ...(name ? { name } : {}) };
  }
  if (Array.isArray(values)) args[1] = values.map(withoutNul);
  return sendQuery.apply(this, args);
};

/** The URL without the store's own `prepared_statements` parameter, and whether it said `off`; a URL `URL` cannot read goes to the driver as given. */
function withoutStoreParameters(given: string): { connectionString: string; unnamed: boolean } {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return { connectionString: given, unnamed: false };
  }
  if (!url.searchParams.has('prepared_statements')) return { connectionString: given, unnamed: false };
  const unnamed = url.searchParams.get('prepared_statements') === 'off';
  url.searchParams.delete('prepared_statements');
  return { connectionString: url.toString(), unnamed };
}

/**
 * Opens a pool on the PostgreSQL database at `url`, checks its collation and applies the
 * migrations of drizzle/postgres (once, however many replicas start together).
 */
export async function openPostgresPool(params: { url: string; maxConnections?: number }): Promise<pg.Pool> {
  parseNumbersAsNumbers();
  // `prepared_statements=off` in the URL (the store's own parameter, not sent to the server): a
  // pooler in transaction mode that cannot keep a connection's prepared statements (PgBouncer
  // before 1.21, or without max_prepared_statements) runs another connection's next statement.
  const { connectionString, unnamed } = withoutStoreParameters(params.url);
  const pool = new pg.Pool({
    connectionString,
    max: params.maxConnections ?? 10,
    Client: unnamed ? UnnamedNulFreeClient : NulFreeClient,
    // A named statement is still planned for its values on each run (see `statementName`).
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // An idle client whose connection breaks emits 'error' on the pool; unheard, it would end the process.
  pool.on('error', () => {});
  try {
    await checkCollation(pool);
    await migrateUnderLock(pool);
    return pool;
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** A drizzle handle typed by the PostgreSQL twins (schema checks and tests of the twins). */
export async function createPostgresDb(params: { url: string; maxConnections?: number }): Promise<PostgresDb> {
  return drizzle(await openPostgresPool(params), { schema });
}

export async function closePostgresDb(db: PostgresDb): Promise<void> {
  await db.$client.end();
}
