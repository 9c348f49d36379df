import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectSql, type DialectSql } from '../../src/db/dialect-sql.js';
import { closePostgresDb, createPostgresDb, type PostgresDb } from '../../src/db/postgres-client.js';
import * as postgresSchema from '../../src/db/postgres-schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { openSqliteTestStore, type OpenedStore } from '../helpers/test-db.js';
import { createTestPostgresDatabase, NO_POSTGRES_MESSAGE, testPostgresUrl } from '../helpers/test-postgres.js';

/*
 * Each fragment runs on a real SQLite file and a real PostgreSQL database holding the same rows,
 * and must give both the answer computed here by hand.
 */

const clusterUrl = testPostgresUrl();

const repositoryRows = [
  { id: 3_000_000_001, ownerLogin: 'acme', name: 'api', fullName: 'acme/api', updatedAt: '2026-03-02T10:00:00.000Z' },
  { id: 12, ownerLogin: 'acme', name: 'web', fullName: 'acme/web', updatedAt: '2026-03-01T10:00:00.000Z' },
  { id: 13, ownerLogin: 'acme', name: 'cli', fullName: 'acme/cli', updatedAt: '2026-03-03T10:00:00.000Z' },
];
const jobRow = {
  kind: 'enrich-pull-request',
  dedupeKey: 'enrich-pull-request:7',
  payload: { owner: 'Acme', repo: 'api', number: 7 },
  status: 'pending' as const,
  maxAttempts: 5,
  runAfter: 1_772_445_600_000,
  createdAt: 1_772_445_600_000,
  updatedAt: 1_772_445_600_000,
};

describe.skipIf(!clusterUrl)('dialectSql on SQLite and PostgreSQL', () => {
  let sqlite: OpenedStore;
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let postgres: PostgresDb;
  const lite = dialectSql('sqlite');
  const pg = dialectSql('postgres');

  beforeAll(async () => {
    sqlite = await openSqliteTestStore();
    await sqlite.db.insert(sqliteSchema.repositories).values(repositoryRows);
    await sqlite.db.insert(sqliteSchema.jobs).values(jobRow);
    database = await createTestPostgresDatabase(clusterUrl!);
    postgres = await createPostgresDb({ url: database.url });
    await postgres.insert(postgresSchema.repositories).values(repositoryRows);
    await postgres.insert(postgresSchema.jobs).values(jobRow);
  });
  afterAll(async () => {
    await sqlite?.cleanup();
    if (postgres) await closePostgresDb(postgres);
    await database?.drop();
  });

  /** The one row each engine answers to the query written with its fragments. */
  async function both(query: (d: DialectSql, s: typeof sqliteSchema | typeof postgresSchema) => SQL): Promise<[unknown, unknown]> {
    const onSqlite = await sqlite.db.all(query(lite, sqliteSchema));
    const onPostgres = (await postgres.execute(query(pg, postgresSchema))).rows;
    return [onSqlite, onPostgres];
  }

  it('joins values in order (group_concat / string_agg)', async () => {
    const [a, b] = await both((d, s) => sql`SELECT ${d.stringAgg(s.repositories.name, ',', s.repositories.updatedAt)} AS names FROM ${s.repositories}`);
    expect(a).toEqual([{ names: 'web,api,cli' }]);
    expect(b).toEqual(a);
  });

  it('takes the larger and smaller of two values', async () => {
    const [a, b] = await both(
      (d, s) => sql`SELECT ${d.greatest(s.repositories.updatedAt, sql`'2026-03-02T00:00:00.000Z'`)} AS later,
                           ${d.least(s.repositories.id, sql`20`)} AS smaller
                    FROM ${s.repositories} ORDER BY ${s.repositories.id}`,
    );
    expect(a).toEqual([
      { later: '2026-03-02T00:00:00.000Z', smaller: 12 },
      { later: '2026-03-03T10:00:00.000Z', smaller: 13 },
      { later: '2026-03-02T10:00:00.000Z', smaller: 20 },
    ]);
    expect(b).toEqual(a);
  });

  it("reads a JSON column's key as text, numbers too", async () => {
    const [a, b] = await both(
      (d, s) => sql`SELECT ${d.jsonText(s.jobs.payload, 'owner')} AS owner, ${d.jsonText(s.jobs.payload, 'number')} AS number,
                           ${d.jsonText(s.jobs.payload, 'missing')} AS missing FROM ${s.jobs}`,
    );
    expect(a).toEqual([{ owner: 'Acme', number: '7', missing: null }]);
    expect(b).toEqual(a);
    expect(() => lite.jsonText(sqliteSchema.jobs.payload, "owner') OR 1=1 --")).toThrow('is not a plain identifier');
  });

  it('matches a list bound as one parameter, of texts and of numbers', async () => {
    const [a, b] = await both(
      (d, s) => sql`SELECT ${s.repositories.id} AS id FROM ${s.repositories}
                    WHERE ${d.anyOf(s.repositories.fullName, ['acme/api', 'acme/cli', 'other/x'])} AND ${d.anyOf(s.repositories.id, [3_000_000_001, 12, 13])}
                    ORDER BY ${s.repositories.id}`,
    );
    expect(a).toEqual([{ id: 13 }, { id: 3_000_000_001 }]);
    expect(b).toEqual(a);
  });

  it('counts whole seconds between two ISO times, halves away from zero', async () => {
    const pairs = [
      ['2026-03-02T10:00:00.000Z', '2026-03-01T09:59:59.000Z', 86_401],
      ['2026-03-02T10:00:00Z', '2026-03-02T09:00:00Z', 3_600], // GitHub's form, without milliseconds
      ['2026-03-02T10:00:00.500Z', '2026-03-02T10:00:00.000Z', 1],
      ['2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.500Z', -1],
      ['2026-03-02T10:00:00.499Z', '2026-03-02T10:00:00.000Z', 0],
      ['2026-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 365 * 86_400],
    ] as const;
    for (const [later, earlier, seconds] of pairs) {
      const [a, b] = await both((d) => sql`SELECT ${d.wholeSecondsBetween(sql`${later}`, sql`${earlier}`)} AS seconds`);
      expect({ later, earlier, answer: a }).toEqual({ later, earlier, answer: [{ seconds }] });
      expect(b).toEqual(a);
    }
  });

  it('hints an index to SQLite only', async () => {
    const [a, b] = await both(
      (d, s) => sql`SELECT count(*) AS n FROM ${s.repositories} ${d.indexHint('repositories_owner_login_idx')} WHERE ${s.repositories.ownerLogin} = 'acme'`,
    );
    expect(a).toEqual([{ n: 3 }]);
    expect(b).toEqual(a);
    expect(() => pg.indexHint('x; DROP TABLE jobs')).toThrow('is not a plain identifier');
  });
});

if (!clusterUrl) {
  describe('dialectSql', () => {
    it.skip(NO_POSTGRES_MESSAGE, () => {});
  });
}
