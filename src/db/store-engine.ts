import { AsyncLocalStorage } from 'node:async_hooks';
import type { SQL } from 'drizzle-orm';
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import type { DialectSql, SqlDialect } from './dialect-sql.js';
import type * as schema from './schema.js';

/*
 * The store's one handle, the same on both engines (docs/postgres.md). Queries are written once:
 * drizzle's query builders typed by `schema.ts` (the SQLite tables; PostgreSQL runs them through
 * its own dialect, its twins having the same names and row types), and raw `sql` templates with
 * the fragments the two engines write differently in `db.dialect`. Every statement is awaited.
 *
 * Values read back are the same on both engines: integers and sums are numbers, booleans 1/0 in
 * raw rows (true/false through the builders' boolean columns), JSON columns text in raw rows
 * (parsed through the builders' JSON columns), blobs Buffers.
 */

/** The query builders the store uses: awaited, never `.all()`/`.get()`/`.run()` (PostgreSQL's builders have no such methods). */
export type QueryBuilders = Pick<SqliteRemoteDatabase<typeof schema>, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$with' | 'with'>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

export interface TransactionOptions {
  /**
   * SQLite: `immediate` takes the write lock at BEGIN, so a read-then-write transaction never fails
   * half way on another connection's write. PostgreSQL has no equivalent and needs none for the
   * store's transactions (its row locks and `ON CONFLICT` do that work); it is ignored there.
   */
  behavior?: 'deferred' | 'immediate';
}

export interface Db extends QueryBuilders {
  readonly engine: SqlDialect;
  /** The SQL fragments each engine writes its own way. */
  readonly dialect: DialectSql;
  /** Rows of a raw query as objects keyed by the select list's aliases (quote camelCase aliases: `AS "userKey"`). */
  all<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** The first row of a raw query, or undefined. */
  get<T = Record<string, unknown>>(query: SQL): Promise<T | undefined>;
  /** Rows of a raw query as arrays of values, in select-list order (cheaper than objects for large reads). */
  values<T extends unknown[] = unknown[]>(query: SQL): Promise<T[]>;
  /**
   * Calls `onRow` with each row (an array of values) of a large read without holding all of them:
   * SQLite steps its statement, PostgreSQL fetches from a cursor in batches. `onRow` is synchronous,
   * so nothing else runs on the connection meanwhile.
   */
  eachRow(query: SQL, onRow: (row: unknown[]) => void): Promise<void>;
  /** Runs a statement that returns no rows. */
  run(query: SQL): Promise<RunResult>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Every
   * statement made in its asynchronous context (through this handle or `tx`) is part of it; other
   * work's statements wait for it on SQLite (one connection) and run beside it on PostgreSQL. Nested
   * calls are savepoints.
   */
  transaction<T>(work: (tx: Db) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Ends the connection(s); the handle answers nothing afterwards. */
  close(): Promise<void>;
}

/** Drizzle's transaction handle: the same handle (statements in a transaction's context join it). */
export type Tx = Db;

/** The transaction a statement belongs to: set for the asynchronous context of `transaction(work)`. */
export interface OpenTransaction<Connection> {
  readonly owner: object;
  readonly connection: Connection;
  depth: number;
  open: boolean;
}

export const transactionContext = new AsyncLocalStorage<OpenTransaction<unknown>>();

/** The transaction of `owner` that the current asynchronous context runs in, if it is still open. */
export function currentTransaction<Connection>(owner: object): OpenTransaction<Connection> | undefined {
  const open = transactionContext.getStore();
  return open && open.owner === owner && open.open ? (open as OpenTransaction<Connection>) : undefined;
}
