import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/*
 * The SQL fragments that SQLite and PostgreSQL write differently (docs/postgres.md, the checklist),
 * each written once per engine and tested on both (test/db/dialect-sql.test.ts) to give the same
 * answers. The store's queries take them from their handle (`db.dialect`, store-engine.ts), so one
 * query text serves the engine the handle runs on.
 */

export type SqlDialect = 'sqlite' | 'postgres';

/** A JSON object key or index name spliced into SQL text: letters, digits and underscores only. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${what} ${JSON.stringify(name)} is not a plain identifier`);
  return name;
}

export interface DialectSql {
  /** `group_concat` / `string_agg`: the values joined by `separator`, in `orderBy` order when given. */
  stringAgg(expression: SQLWrapper, separator: string, orderBy?: SQLWrapper): SQL;
  /**
   * The larger / smaller of two values (SQLite's two-argument `max`/`min`, PostgreSQL's
   * `GREATEST`/`LEAST`). On a NULL operand SQLite answers NULL and PostgreSQL the other value:
   * give them non-null operands (or wrap in `coalesce`).
   */
  greatest(a: SQLWrapper, b: SQLWrapper): SQL;
  least(a: SQLWrapper, b: SQLWrapper): SQL;
  /** The text of a JSON column's top-level `key` (`json_extract(c, '$.key')` / `c ->> 'key'`). */
  jsonText(column: SQLWrapper, key: string): SQL;
  /** `expression` is one of `values`, bound as one parameter (no per-value parameters, no limit on their number). */
  anyOf(expression: SQLWrapper, values: readonly string[] | readonly number[]): SQL;
  /** The pair (`a`, `b`) is one of the text pairs `pairs`, bound as one or two parameters (no limit on their number). */
  anyPairOf(a: SQLWrapper, b: SQLWrapper, pairs: readonly (readonly [string, string])[]): SQL;
  /** Seconds from the ISO-8601 time `earlier` to `later`, rounded half away from zero to a whole second. */
  wholeSecondsBetween(later: SQLWrapper, earlier: SQLWrapper): SQL;
  /** SQLite's `INDEXED BY` after a table name; nothing on PostgreSQL, whose planner takes no hints. */
  indexHint(indexName: string): SQL;
}

const sqlite: DialectSql = {
  stringAgg: (expression, separator, orderBy) =>
    orderBy ? sql`group_concat(${expression}, ${separator} ORDER BY ${orderBy})` : sql`group_concat(${expression}, ${separator})`,
  greatest: (a, b) => sql`max(${a}, ${b})`,
  least: (a, b) => sql`min(${a}, ${b})`,
  // json_extract answers a JSON number as a number; the cast makes it text, as ->> does.
  jsonText: (column, key) => sql`CAST(json_extract(${column}, ${sql.raw(`'$.${identifier(key, 'JSON key')}'`)}) AS TEXT)`,
  anyOf: (expression, values) => sql`${expression} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  anyPairOf: (a, b, pairs) => sql`(${a}, ${b}) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify(pairs)}))`,
  // julianday() counts days as a float, off by up to some tens of microseconds at today's dates;
  // the times have millisecond precision, so rounding to milliseconds first recovers the exact
  // difference before it is rounded to seconds.
  wholeSecondsBetween: (later, earlier) =>
    sql`CAST(round(round((julianday(${later}) - julianday(${earlier})) * 86400000) / 1000.0) AS INTEGER)`,
  indexHint: (indexName) => sql.raw(`INDEXED BY ${identifier(indexName, 'index')}`),
};

const postgres: DialectSql = {
  stringAgg: (expression, separator, orderBy) =>
    orderBy ? sql`string_agg(${expression}, ${separator} ORDER BY ${orderBy})` : sql`string_agg(${expression}, ${separator})`,
  greatest: (a, b) => sql`GREATEST(${a}, ${b})`,
  least: (a, b) => sql`LEAST(${a}, ${b})`,
  jsonText: (column, key) => sql`(${column} ->> ${sql.raw(`'${identifier(key, 'JSON key')}'`)})`,
  // One parameter (drizzle would spread a bare array into a list): node-postgres sends a JS array
  // as a PostgreSQL array, whose element type is the expression's.
  anyOf: (expression, values) => sql`${expression} = ANY(${sql.param(values)})`,
  anyPairOf: (a, b, pairs) =>
    sql`(${a}, ${b}) IN (SELECT * FROM unnest(CAST(${sql.param(pairs.map((p) => p[0]))} AS text[]), CAST(${sql.param(pairs.map((p) => p[1]))} AS text[])))`,
  // extract(epoch …) is exact numeric, and round(numeric) rounds half away from zero as SQLite's round does.
  wholeSecondsBetween: (later, earlier) =>
    sql`CAST(round(extract(epoch FROM (CAST(${later} AS timestamptz) - CAST(${earlier} AS timestamptz)))) AS bigint)`,
  indexHint: (indexName) => {
    identifier(indexName, 'index');
    return sql``;
  },
};

export function dialectSql(dialect: SqlDialect): DialectSql {
  return dialect === 'sqlite' ? sqlite : postgres;
}
