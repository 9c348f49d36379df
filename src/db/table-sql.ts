import { getTableColumns, getTableName, type Table } from 'drizzle-orm';

/*
 * SQL text for the hot paths that run prepared statements directly (see statement-cache.ts),
 * written from the drizzle table so that a column's SQL name and its field name have one source.
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

/** `INSERT` of a whole row of `table`, each column bound by its field name (`user_key` from `@userKey`). */
export function insertRow(table: Table): string {
  const columns = Object.entries(getTableColumns(table));
  return `INSERT INTO ${getTableName(table)} (${columns.map(([, c]) => c.name).join(', ')}) VALUES (${columns.map(([field]) => `@${field}`).join(', ')})`;
}
