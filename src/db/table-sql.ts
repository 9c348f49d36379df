import { getTableColumns, getTableName, sql, type SQL, type Table } from 'drizzle-orm';
import type { Db } from './store-engine.js';

/*
 * SQL for the hot paths that write raw `sql` templates instead of query builders (building a query
 * per row costs more than running it), written from the drizzle table so that a column's SQL name
 * and its field name have one source.
 */

/**
 * `user_key AS "userKey", model, …`: every column of `table` but `omit`, each named by its field, so
 * a row read with it has the fields of the table's `$inferSelect` (less `omit`). The alias is
 * quoted because PostgreSQL folds an unquoted one to lower case (`userkey`); SQLite reads both alike.
 */
export function selectColumns<T extends Table>(table: T, omit: readonly (keyof T['$inferSelect'] & string)[] = []): string {
  return Object.entries(getTableColumns(table))
    .filter(([field]) => !omit.includes(field))
    .map(([field, column]) => (column.name === field ? field : `${column.name} AS "${field}"`))
    .join(', ');
}

/** PostgreSQL's array type for a column of each SQLite column type (the twins' mapping, docs/postgres.md). */
const POSTGRES_ARRAY_TYPE: Record<string, string> = {
  SQLiteText: 'text[]',
  SQLiteInteger: 'bigint[]',
  SQLiteReal: 'double precision[]',
  SQLiteBoolean: 'boolean[]',
  SQLiteTextJson: 'jsonb[]',
  SQLiteBlobBuffer: 'bytea[]',
};

/**
 * `(columns) SELECT …`: many rows of `table` for one `INSERT INTO table ${rowsToInsert(…)}` (an
 * `ON CONFLICT` clause may follow), bound as a few parameters whatever their number: on SQLite one
 * JSON array of the rows, read with `json_each`; on PostgreSQL one array per column, read with
 * `unnest`. Building a statement with a parameter per value costs drizzle microseconds per value,
 * more than the write itself for the thousands of rows of one large OTLP request; this costs a
 * `JSON.stringify` (SQLite reads its numbers back exactly). Values: text, numbers, null, booleans,
 * JSON text, Buffers (sent to SQLite as hex). Rows must not repeat a conflict key when an upsert follows.
 */
export function rowsToInsert<T extends Table, F extends keyof T['$inferSelect'] & string>(
  db: Db,
  table: T,
  fields: readonly F[],
  rows: readonly { [K in F]: unknown }[],
): SQL {
  const columns = getTableColumns(table);
  const names = sql.raw(`(${fields.map((f) => columns[f]!.name).join(', ')})`);
  if (db.engine === 'postgres') {
    const arrays = fields.map((field) => {
      const type = POSTGRES_ARRAY_TYPE[columns[field]!.columnType];
      if (!type) throw new Error(`rowsToInsert: no PostgreSQL array type for ${getTableName(table)}.${field}`);
      return sql`CAST(${sql.param(rows.map((row) => row[field] ?? null))} AS ${sql.raw(type)})`;
    });
    return sql`${names} SELECT * FROM unnest(${sql.join(arrays, sql`, `)})`;
  }
  const values = rows.map((row) =>
    fields.map((field) => {
      const value = row[field];
      if (Buffer.isBuffer(value)) return value.toString('hex');
      return typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null);
    }),
  );
  const read = fields.map((field, i) => (columns[field]!.columnType === 'SQLiteBlobBuffer' ? `unhex(value ->> ${i})` : `value ->> ${i}`));
  // `WHERE true` lets SQLite's parser read a following ON CONFLICT as the upsert, not a join's ON.
  return sql`${names} SELECT ${sql.raw(read.join(', '))} FROM json_each(${JSON.stringify(values)}) WHERE true`;
}
