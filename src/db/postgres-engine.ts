import { sql, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { dialectSql } from './dialect-sql.js';
import { openPostgresPool } from './postgres-client.js';
import { currentTransaction, transactionContext, type Db, type OpenTransaction, type QueryBuilders } from './store-engine.js';

/*
 * PostgreSQL behind the store's asynchronous handle. Statements outside a transaction take any
 * connection of the pool; a transaction checks one connection out for its whole life, and every
 * statement made in its asynchronous context (tracked with AsyncLocalStorage, as on SQLite) runs on
 * that connection. The query builders are drizzle's PostgreSQL builders run over the tables of
 * schema.ts: the twins have the same table and column names, and the pool reads values as SQLite
 * answers them (postgres-client.ts), so the schema's column mappings read both engines alike.
 */

/** Rows fetched per round trip by `eachRow`'s cursor. */
const CURSOR_BATCH = 5_000;

interface Connection {
  client: pg.PoolClient;
  builders: NodePgDatabase;
}

const pools = new WeakMap<Db, pg.Pool>();

/** The node-postgres pool under a PostgreSQL handle (advisory locks); undefined on SQLite. */
export function postgresPool(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

export async function openPostgresDb(params: { url: string; maxConnections?: number }): Promise<Db> {
  const pool = await openPostgresPool(params);
  const pooled = drizzle(pool);
  const pgDialect = new PgDialect();
  let owner: Db;

  const open = () => currentTransaction<Connection>(owner);
  // drizzle's PostgreSQL builders accept any drizzle table; typed here as the SQLite builders they mirror.
  const builders = (): QueryBuilders => (open()?.connection.builders ?? pooled) as unknown as QueryBuilders;

  async function query(query: SQL, rowMode?: 'array'): Promise<pg.QueryResult> {
    const { sql: text, params: values } = pgDialect.sqlToQuery(query);
    const config = { text, values, ...(rowMode ? { rowMode } : {}) };
    const transaction = open();
    return transaction ? transaction.connection.client.query(config) : pool.query(config);
  }

  async function readInBatches(client: pg.PoolClient, query: SQL, onRow: (row: unknown[]) => void): Promise<void> {
    const { sql: text, params: values } = pgDialect.sqlToQuery(query);
    await client.query({ text: `DECLARE store_rows NO SCROLL CURSOR FOR ${text}`, values });
    try {
      for (;;) {
        const { rows } = await client.query({ text: `FETCH ${CURSOR_BATCH} FROM store_rows`, rowMode: 'array' });
        for (const row of rows) onRow(row as unknown[]);
        if (rows.length < CURSOR_BATCH) break;
      }
    } finally {
      await client.query('CLOSE store_rows');
    }
  }

  owner = {
    engine: 'postgres',
    dialect: dialectSql('postgres'),
    select: ((...args: never[]) => (builders().select as (...a: never[]) => unknown)(...args)) as QueryBuilders['select'],
    selectDistinct: ((...args: never[]) => (builders().selectDistinct as (...a: never[]) => unknown)(...args)) as QueryBuilders['selectDistinct'],
    insert: ((table: never) => builders().insert(table)) as QueryBuilders['insert'],
    update: ((table: never) => builders().update(table)) as QueryBuilders['update'],
    delete: ((table: never) => builders().delete(table)) as QueryBuilders['delete'],
    $with: ((alias: string) => builders().$with(alias)) as QueryBuilders['$with'],
    with: ((...queries: never[]) => (builders().with as (...a: never[]) => unknown)(...queries)) as QueryBuilders['with'],
    async all<T>(sqlQuery: SQL) {
      return (await query(sqlQuery)).rows as T[];
    },
    async get<T>(sqlQuery: SQL) {
      return (await query(sqlQuery)).rows[0] as T | undefined;
    },
    async values<T extends unknown[]>(sqlQuery: SQL) {
      return (await query(sqlQuery, 'array')).rows as T[];
    },
    async eachRow(sqlQuery: SQL, onRow: (row: unknown[]) => void) {
      // Most reads are small: their rows come in one statement (one round trip, where a cursor
      // takes four or five); a read with more rows than a cursor's batch is read again through one.
      const { rows } = await query(sql`SELECT * FROM (${sqlQuery}) AS rows_at_once LIMIT ${CURSOR_BATCH + 1}`, 'array');
      if (rows.length <= CURSOR_BATCH) {
        for (const row of rows) onRow(row as unknown[]);
        return;
      }
      const transaction = open();
      if (transaction) {
        await readInBatches(transaction.connection.client, sqlQuery, onRow);
        return;
      }
      // A cursor lives in a transaction.
      await owner.transaction(async () => readInBatches(open()!.connection.client, sqlQuery, onRow));
    },
    async run(sqlQuery: SQL) {
      return { changes: (await query(sqlQuery)).rowCount ?? 0 };
    },
    async transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
      const current = open();
      if (current) {
        const savepoint = `sp${++current.depth}`;
        const { client } = current.connection;
        await client.query(`SAVEPOINT ${savepoint}`);
        try {
          const result = await work(owner);
          await client.query(`RELEASE SAVEPOINT ${savepoint}`);
          return result;
        } catch (error) {
          await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
          throw error;
        } finally {
          current.depth--;
        }
      }
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const context: OpenTransaction<Connection> = { owner, connection: { client, builders: drizzle(client) }, depth: 0, open: true };
        try {
          const result = await transactionContext.run(context, () => work(owner));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError as Error;
          }
          throw error;
        } finally {
          context.open = false;
        }
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
  pools.set(owner, pool);
  return owner;
}
