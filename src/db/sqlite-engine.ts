import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database, { type Statement } from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { drizzle as syncDrizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import { dialectSql } from './dialect-sql.js';
import * as schema from './schema.js';
import { currentTransaction, transactionContext, type Db, type OpenTransaction, type TransactionOptions } from './store-engine.js';

/*
 * SQLite behind the store's asynchronous handle. better-sqlite3 is synchronous and has one
 * connection, and its transactions cannot span an `await` on their own: while a transaction's work
 * awaits, another request's statement would run inside it. So a transaction holds a gate for its
 * whole life; a statement from any other asynchronous context waits at the gate and runs after the
 * commit, and statements made in the transaction's own context (tracked with AsyncLocalStorage) run
 * inside it. With no transaction open, a statement runs at once, as it did when the store was
 * synchronous.
 */

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

/** Compiled statements kept per connection: the store's queries are a few hundred distinct texts. */
const STATEMENT_CACHE_SIZE = 1_000;

/** One holder at a time, first come first served. */
class Gate {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  get free(): boolean {
    return !this.held && this.waiting.length === 0;
  }

  enter(): Promise<void> {
    if (this.free) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

const connections = new WeakMap<Db, Database.Database>();

/** The better-sqlite3 connection under a SQLite handle (pragmas, backups, the tests' checks); undefined on PostgreSQL. */
export function sqliteConnection(db: Db): Database.Database | undefined {
  return connections.get(db);
}

/** Changes how long this connection's writes block waiting for another connection's write lock (SQLite only). */
export function setBusyTimeout(db: Db, ms: number): void {
  sqliteConnection(db)?.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}

/**
 * Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
 * WAL lets the command line read and write while the server runs (readers never wait for a
 * writer); the busy timeout makes writers wait for each other instead of failing at once with
 * SQLITE_BUSY.
 */
export function openSqliteDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const connection = new Database(path);
  connection.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  migrate(syncDrizzle(connection), { migrationsFolder });

  const statements = new Map<string, Statement>();
  const prepare = (text: string): Statement => {
    let statement = statements.get(text);
    if (statement) {
      // Most recently used last, so the first entry is the one to evict.
      statements.delete(text);
    } else {
      statement = connection.prepare(text);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    statements.set(text, statement);
    return statement;
  };

  const gate = new Gate();
  const sqlDialect = new SQLiteAsyncDialect();
  let owner: Db;

  /** Runs a synchronous step on the connection: at once inside this handle's open transaction or when nothing holds the gate; after it otherwise. */
  async function step<T>(work: () => T): Promise<T> {
    if (currentTransaction(owner) || gate.free) return work();
    await gate.enter();
    try {
      return work();
    } finally {
      gate.leave();
    }
  }

  const builders = drizzle(
    (text, params, method) =>
      step(() => {
        const statement = prepare(text);
        if (method === 'run') {
          const { changes } = statement.run(...params);
          return { rows: [], changes };
        }
        statement.raw(true);
        if (method === 'get') return { rows: statement.get(...params) as unknown[] };
        return { rows: statement.all(...params) };
      }),
    { schema },
  );

  const compile = (query: SQL) => sqlDialect.sqlToQuery(query);

  async function transaction<T>(work: (tx: Db) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const open = currentTransaction<Database.Database>(owner);
    if (open) {
      const savepoint = `sp${++open.depth}`;
      connection.exec(`SAVEPOINT ${savepoint}`);
      try {
        const result = await work(owner);
        connection.exec(`RELEASE ${savepoint}`);
        return result;
      } catch (error) {
        connection.exec(`ROLLBACK TO ${savepoint}`);
        connection.exec(`RELEASE ${savepoint}`);
        throw error;
      } finally {
        open.depth--;
      }
    }
    await gate.enter();
    try {
      connection.exec(options.behavior === 'immediate' ? 'BEGIN IMMEDIATE' : 'BEGIN');
      const context: OpenTransaction<Database.Database> = { owner, connection, depth: 0, open: true };
      try {
        const result = await transactionContext.run(context, () => work(owner));
        connection.exec('COMMIT');
        return result;
      } catch (error) {
        if (connection.inTransaction) connection.exec('ROLLBACK');
        throw error;
      } finally {
        // Work this transaction started and did not await now runs outside it, behind the gate.
        context.open = false;
      }
    } finally {
      gate.leave();
    }
  }

  owner = {
    engine: 'sqlite',
    dialect: dialectSql('sqlite'),
    select: builders.select.bind(builders),
    selectDistinct: builders.selectDistinct.bind(builders),
    insert: builders.insert.bind(builders),
    update: builders.update.bind(builders),
    delete: builders.delete.bind(builders),
    $with: builders.$with.bind(builders),
    with: builders.with.bind(builders),
    all<T>(query: SQL) {
      const { sql: text, params } = compile(query);
      return step(() => prepare(text).raw(false).all(...params) as T[]);
    },
    get<T>(query: SQL) {
      const { sql: text, params } = compile(query);
      return step(() => prepare(text).raw(false).get(...params) as T | undefined);
    },
    values<T extends unknown[]>(query: SQL) {
      const { sql: text, params } = compile(query);
      return step(() => prepare(text).raw(true).all(...params) as T[]);
    },
    eachRow(query: SQL, onRow: (row: unknown[]) => void) {
      const { sql: text, params } = compile(query);
      return step(() => {
        for (const row of prepare(text).raw(true).iterate(...params)) onRow(row as unknown[]);
      });
    },
    run(query: SQL) {
      const { sql: text, params } = compile(query);
      return step(() => ({ changes: prepare(text).run(...params).changes }));
    },
    transaction,
    async close() {
      await gate.enter();
      try {
        if (connection.open) connection.close();
      } finally {
        gate.leave();
      }
    },
  };
  connections.set(owner, connection);
  return owner;
}
