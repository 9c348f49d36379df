import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig, SQLiteTable, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as postgresSchema from '../../src/db/postgres-schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { createTestPostgresDatabase, NO_POSTGRES_MESSAGE, testPostgresUrl } from '../helpers/test-postgres.js';

/*
 * The PostgreSQL schema must be schema.ts's, column for column. The expectations below are read
 * from the SQLite tables (the one source) with this test's own type mapping, and compared with the
 * catalog PostgreSQL reports after the committed migrations of drizzle/postgres are applied: a
 * table added to schema.ts without its twin, or a change without `npm run db:generate:postgres`,
 * fails here.
 */

const sqliteTables = (Object.entries(sqliteSchema) as [string, unknown][]).filter((entry): entry is [string, SQLiteTable] => is(entry[1], SQLiteTable));

// Type level: both engines' rows are the same TypeScript types (a mismatch fails `npm run typecheck`).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SqliteTables = { [K in keyof typeof sqliteSchema as (typeof sqliteSchema)[K] extends SQLiteTable ? K : never]: (typeof sqliteSchema)[K] };
type TwinRowsMatch = {
  [K in keyof SqliteTables]: K extends keyof typeof postgresSchema
    ? Same<SqliteTables[K]['$inferSelect'], (typeof postgresSchema)[K]['$inferSelect']> extends true
      ? Same<SqliteTables[K]['$inferInsert'], (typeof postgresSchema)[K]['$inferInsert']>
      : false
    : false;
};
/** The export names of the tables whose rows differ between the engines; `never` when none do. */
type TwinRowsMismatch = { [K in keyof TwinRowsMatch]: TwinRowsMatch[K] extends true ? never : K }[keyof TwinRowsMatch];
// Fails to compile, naming the tables, when a twin's row types drift from schema.ts's.
const twinRowsMatch: [TwinRowsMismatch] extends [never] ? true : TwinRowsMismatch = true;

describe('the PostgreSQL schema is made from schema.ts', () => {
  it('has a twin of every table, under the same export name and table name', () => {
    const missing = sqliteTables.filter(([field]) => !is((postgresSchema as Record<string, unknown>)[field], PgTable)).map(([field]) => field);
    expect(missing, 'add `export const X = pgTableTwin(sqlite.X);` to src/db/postgres-schema.ts').toEqual([]);
    for (const [field, table] of sqliteTables) {
      expect(getTableName((postgresSchema as Record<string, PgTable>)[field]!)).toBe(getTableName(table));
    }
    expect(twinRowsMatch).toBe(true);
    expect(sqliteTables.length).toBeGreaterThanOrEqual(37);
  });
});

/** What information_schema says of a column, for this test's mapping of SQLite's column types. */
const PG_DATA_TYPE: Record<string, string> = {
  SQLiteInteger: 'bigint',
  SQLiteBoolean: 'boolean',
  SQLiteReal: 'double precision',
  SQLiteText: 'text',
  SQLiteTextJson: 'jsonb',
  SQLiteBlobBuffer: 'bytea',
};

/** A literal default as PostgreSQL prints it back (`column_default`). */
function pgDefault(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'::text`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`no expected default for ${JSON.stringify(value)}`);
}

const ON_DELETE: Record<string, string> = { a: 'no action', c: 'cascade', r: 'restrict', n: 'set null', d: 'set default' };

interface Catalog {
  columns: Map<string, string[]>;
  primaryKeys: Map<string, string>;
  indexes: Map<string, string[]>;
  foreignKeys: Map<string, string[]>;
  checks: Map<string, string[]>;
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/** The same description, first as schema.ts declares it. */
function expectedCatalog(): Catalog {
  const catalog: Catalog = { columns: new Map(), primaryKeys: new Map(), indexes: new Map(), foreignKeys: new Map(), checks: new Map() };
  for (const [, table] of sqliteTables) {
    const config = getTableConfig(table);
    const inCompositeKey = new Set(config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name)));
    for (const column of config.columns) {
      const autoIncrement = (column as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement === true;
      const nullable = !(column.notNull || column.primary || inCompositeKey.has(column.name));
      pushTo(
        catalog.columns,
        config.name,
        `${column.name} ${PG_DATA_TYPE[column.columnType] ?? column.columnType}${nullable ? '' : ' not null'}` +
          `${autoIncrement ? ' identity by default' : ''} default=${pgDefault(column.default)}`,
      );
      if (column.primary) catalog.primaryKeys.set(config.name, `${config.name}_pkey(${column.name})`);
    }
    for (const pk of config.primaryKeys) catalog.primaryKeys.set(config.name, `${pk.getName()}(${pk.columns.map((c) => c.name).join(',')})`);
    for (const { config: ix } of config.indexes) {
      const columns = ix.columns.map((c) => (c as SQLiteColumn).name).join(',');
      pushTo(catalog.indexes, config.name, `${ix.name}${ix.unique ? ' unique' : ''}(${columns})${ix.where ? ' partial' : ''}`);
    }
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      pushTo(
        catalog.foreignKeys,
        config.name,
        `(${ref.columns.map((c) => c.name).join(',')}) -> ${getTableConfig(ref.foreignTable).name}(${ref.foreignColumns.map((c) => c.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`,
      );
    }
    for (const c of config.checks) pushTo(catalog.checks, config.name, c.name);
  }
  return sorted(catalog);
}

function sorted(catalog: Catalog): Catalog {
  const sortValues = (map: Map<string, string[]>, keepOrder = false) =>
    new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, keepOrder ? v : [...v].sort()]));
  return {
    columns: sortValues(catalog.columns, true), // column order is the table's
    primaryKeys: new Map([...catalog.primaryKeys.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    indexes: sortValues(catalog.indexes),
    foreignKeys: sortValues(catalog.foreignKeys),
    checks: sortValues(catalog.checks),
  };
}

/** Then as PostgreSQL's catalog reports it. */
async function actualCatalog(client: pg.Client): Promise<Catalog> {
  const catalog: Catalog = { columns: new Map(), primaryKeys: new Map(), indexes: new Map(), foreignKeys: new Map(), checks: new Map() };
  const columns = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    identity_generation: string | null;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, identity_generation
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  for (const c of columns.rows) {
    pushTo(
      catalog.columns,
      c.table_name,
      `${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}` +
        `${c.identity_generation ? ` identity ${c.identity_generation.toLowerCase()}` : ''} default=${c.column_default}`,
    );
  }
  const keys = await client.query<{ table_name: string; constraint_name: string; columns: string }>(
    `SELECT tc.table_name, tc.constraint_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) AS columns
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
      WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'
      GROUP BY tc.table_name, tc.constraint_name`,
  );
  for (const k of keys.rows) catalog.primaryKeys.set(k.table_name, `${k.constraint_name}(${k.columns})`);
  // Indexes are not in information_schema; pg_index has them (less the primary keys' own).
  const indexes = await client.query<{ table_name: string; name: string; unique: boolean; columns: string; predicate: string | null }>(
    `SELECT t.relname AS table_name, i.relname AS name, ix.indisunique AS unique, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT ix.indisprimary`,
  );
  for (const ix of indexes.rows) {
    pushTo(catalog.indexes, ix.table_name, `${ix.name}${ix.unique ? ' unique' : ''}(${ix.columns})${ix.predicate ? ' partial' : ''}`);
  }
  const constraints = await client.query<{ table_name: string; name: string; type: string; foreign_table: string; on_delete: string; columns: string; foreign_columns: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, c.contype AS type, c.confrelid::regclass::text AS foreign_table,
            c.confdeltype AS on_delete,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS foreign_columns
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = 'public' AND c.contype IN ('f', 'c')`,
  );
  for (const c of constraints.rows) {
    if (c.type === 'f') {
      pushTo(catalog.foreignKeys, c.table_name, `(${c.columns}) -> ${c.foreign_table}(${c.foreign_columns}) on delete ${ON_DELETE[c.on_delete]}`);
    } else {
      pushTo(catalog.checks, c.table_name, c.name);
    }
  }
  return sorted(catalog);
}

const clusterUrl = testPostgresUrl();

describe.skipIf(!clusterUrl)('the committed PostgreSQL migrations, applied to a fresh database', () => {
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestPostgresDatabase(clusterUrl!);
    const { createPostgresDb, closePostgresDb } = await import('../../src/db/postgres-client.js');
    await closePostgresDb(await createPostgresDb({ url: database.url }));
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('give every table of schema.ts, column for column', async () => {
    const expected = expectedCatalog();
    const actual = await actualCatalog(client);
    expect([...actual.columns.keys()]).toEqual([...expected.columns.keys()]);
    // By name, not position: a column added later (ALTER TABLE … ADD COLUMN) comes last on either
    // engine, wherever schema.ts declares it.
    const byName = (columns: string[] | undefined) => [...(columns ?? [])].sort();
    for (const table of expected.columns.keys()) {
      expect({ table, columns: byName(actual.columns.get(table)) }).toEqual({ table, columns: byName(expected.columns.get(table)) });
    }
    expect(actual.primaryKeys).toEqual(expected.primaryKeys);
    expect(actual.indexes).toEqual(expected.indexes);
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
    expect(actual.checks).toEqual(expected.checks);
  });

  it('map the column types, defaults and keys as docs/postgres.md says (read by hand from schema.ts)', async () => {
    const actual = await actualCatalog(client);
    expect(actual.columns.get('jobs')).toEqual([
      'id bigint not null identity by default default=null',
      'kind text not null default=null',
      'dedupe_key text not null default=null',
      'payload jsonb not null default=null',
      'status text not null default=null',
      'attempts bigint not null default=0',
      'max_attempts bigint not null default=null',
      'run_after bigint not null default=null',
      'locked_until bigint default=null',
      'last_error text default=null',
      'created_at bigint not null default=null',
      'updated_at bigint not null default=null',
      'finished_at bigint default=null',
    ]);
    expect(actual.columns.get('org_settings')).toContain(`viewer_teams text not null default='[]'::text`);
    expect(actual.columns.get('org_settings')).toContain('members_see_spend boolean not null default=false');
    expect(actual.columns.get('telemetry_daily')).toContain('value double precision not null default=null');
    expect(actual.columns.get('added_line_fingerprints')).toContain('sketch bytea default=null');
    // GitHub's own ids are given, never generated.
    expect(actual.columns.get('pull_requests')).toContain('id bigint not null default=null');
    expect(actual.primaryKeys.get('daily_terminal_metrics')).toBe('daily_terminal_metrics_pk(org,day,user_key,terminal_type,is_remote)');
    expect(actual.foreignKeys.get('changed_files')).toEqual([
      '(commit_id) -> commits(id) on delete cascade',
      '(pull_request_id) -> pull_requests(id) on delete cascade',
    ]);
    const predicate = await client.query<{ predicate: string; check: string }>(
      `SELECT pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
              (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'changed_files_owner_check') AS check
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE i.relname = 'daily_user_metrics_active_org_user_key_day_idx'`,
    );
    expect(predicate.rows).toEqual([
      { predicate: '(active_users > 0)', check: 'CHECK (((pull_request_id IS NULL) <> (commit_id IS NULL)))' },
    ]);
  });
});

if (!clusterUrl) {
  describe('PostgreSQL', () => {
    it.skip(NO_POSTGRES_MESSAGE, () => {});
  });
}
