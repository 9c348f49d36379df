import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADVISORY_LOCK_KEYS,
  closePostgresDb,
  createPostgresDb,
  isPostgresUrl,
  POSTGRES_MIGRATIONS_FOLDER,
  tryAdvisoryLock,
  type PostgresDb,
} from '../../src/db/postgres-client.js';
import { closeDb, createDb, type Db } from '../../src/db/client.js';
import { jobs, orgSettings, repositories, sessionLineFingerprints } from '../../src/db/schema.js';
import { createTestPostgresDatabase, NO_POSTGRES_MESSAGE, testPostgresUrl } from '../helpers/test-postgres.js';

describe('isPostgresUrl', () => {
  it('selects PostgreSQL for postgres:// and postgresql:// only', () => {
    expect(isPostgresUrl('postgres://app@db.internal:5432/metrics')).toBe(true);
    expect(isPostgresUrl('postgresql://app@db.internal/metrics?sslmode=require')).toBe(true);
    expect(isPostgresUrl('POSTGRESQL://app@db/metrics')).toBe(true);
    expect(isPostgresUrl('./data/metrics.db')).toBe(false);
    expect(isPostgresUrl('/var/lib/metrics/postgres.db')).toBe(false);
    expect(isPostgresUrl('file:postgres://x')).toBe(false);
  });
});

describe('testPostgresUrl', () => {
  it('skips locally without a cluster, and fails on CI instead of skipping', () => {
    const saved = { url: process.env.TEST_POSTGRES_URL, ci: process.env.CI };
    try {
      delete process.env.TEST_POSTGRES_URL;
      delete process.env.CI;
      expect(testPostgresUrl()).toBeUndefined();
      process.env.CI = 'true';
      expect(() => testPostgresUrl()).toThrow('TEST_POSTGRES_URL is not set on CI: .ci/run starts the cluster and sets it');
      process.env.TEST_POSTGRES_URL = 'postgresql://postgres@localhost/postgres?host=/tmp/pg-cluster.x';
      expect(testPostgresUrl()).toBe('postgresql://postgres@localhost/postgres?host=/tmp/pg-cluster.x');
    } finally {
      for (const [name, value] of [['TEST_POSTGRES_URL', saved.url], ['CI', saved.ci]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

const clusterUrl = testPostgresUrl();
const journalEntries = (JSON.parse(readFileSync(join(POSTGRES_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries
  .length;

describe.skipIf(!clusterUrl)('the store on the test cluster', () => {
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await createTestPostgresDatabase(clusterUrl!);
    // Three replicas starting at once on an empty database: the migrations are applied once.
    const [first, ...others] = await Promise.all([1, 2, 3].map(() => createDb(database.url)));
    await Promise.all(others.map(closeDb));
    db = first!;
  });
  afterAll(async () => {
    if (db) await closeDb(db);
    await database?.drop();
  });

  it('applies each migration once, however many replicas start together', async () => {
    const applied = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`);
    expect(applied).toEqual([{ n: journalEntries }]);
    expect(journalEntries).toBeGreaterThanOrEqual(1);
  });

  it('reads back booleans, JSON, bytes and 64-bit integers as the SQLite store does', async () => {
    await db.insert(repositories).values({
      id: 3_000_000_001, // past PostgreSQL's 32-bit integer: GitHub's ids are
      ownerLogin: 'acme',
      name: 'api',
      fullName: 'acme/api',
      private: true,
      updatedAt: '2026-03-02T10:00:00.000Z',
    });
    const [repository] = await db.select().from(repositories).where(eq(repositories.id, 3_000_000_001));
    expect(repository).toEqual({
      id: 3_000_000_001,
      installationId: null,
      ownerLogin: 'acme',
      name: 'api',
      fullName: 'acme/api',
      defaultBranch: null,
      private: true,
      covered: true,
      updatedAt: '2026-03-02T10:00:00.000Z',
    });

    const [job] = await db
      .insert(jobs)
      .values({
        kind: 'enrich-pull-request',
        dedupeKey: 'enrich-pull-request:7',
        payload: { owner: 'acme', repo: 'api', number: 7 },
        status: 'pending',
        maxAttempts: 5,
        runAfter: 1_772_445_600_000,
        createdAt: 1_772_445_600_000,
        updatedAt: 1_772_445_600_000,
      })
      .returning();
    expect(job).toMatchObject({ id: 1, attempts: 0, payload: { owner: 'acme', repo: 'api', number: 7 }, runAfter: 1_772_445_600_000 });

    const sketch = Buffer.from([0, 1, 254, 255]);
    await db.insert(sessionLineFingerprints).values({
      org: 'acme',
      sessionId: 's-1',
      path: 'src/a.ts',
      fingerprint: 4_294_967_295,
      occurrences: 2,
      sketch,
      firstWrittenAt: '2026-03-02T10:00:00.000Z',
    });
    const [line] = await db.select().from(sessionLineFingerprints);
    expect(line!.sketch).toEqual(sketch);
    expect(line!.fingerprint).toBe(4_294_967_295);

    await db.insert(orgSettings).values({ org: 'acme', updatedAt: '2026-03-02T10:00:00.000Z' });
    const [settings] = await db.select().from(orgSettings);
    expect(settings).toMatchObject({ viewerTeams: '[]', membersSeeSpend: false, memberCount: null });
  });

  it('answers count() and sum() as numbers, and refuses a sum a number cannot hold exactly', async () => {
    const figures = await db.all<{ n: number; total: number; half: number }>(
      sql`SELECT count(*) AS n, sum(v) AS total, sum(v) / 2.0 AS half FROM (VALUES (3::bigint), (4::bigint)) AS t(v)`,
    );
    expect(figures).toEqual([{ n: 2, total: 7, half: 3.5 }]);
    const failure = await db.all(sql`SELECT sum(v) AS total FROM (VALUES (9007199254740993::bigint)) AS t(v)`).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(RangeError);
    expect(failure?.message).toBe('PostgreSQL answered 9007199254740993, which a JavaScript number cannot hold exactly');
  });

  it('sorts text in byte order, as SQLite does', async () => {
    const sortedLogins = await db.all<{ login: string }>(
      sql`SELECT login FROM (VALUES ('bob'), ('Zed'), ('alice'), ('_bot'), ('Émile')) AS t(login) ORDER BY login`,
    );
    expect(sortedLogins.map((r) => r.login)).toEqual(['Zed', '_bot', 'alice', 'bob', 'Émile']);
  });
});

describe.skipIf(!clusterUrl)('statements sent again', () => {
  it('are prepared once per connection from their second run, and planned for their values on each run', async () => {
    const database = await createTestPostgresDatabase(clusterUrl!, { migrated: true });
    // One connection, so every statement below runs on it and its prepared statements can be listed.
    const store = await createPostgresDb({ url: database.url, maxConnections: 1 });
    try {
      const prepared = async () =>
        (await store.$client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%prepared-probe%'`)).rows.map(
          (r) => r.statement,
        );
      const probe = (n: number) => store.$client.query({ text: `SELECT $1::int + 1 AS n -- prepared-probe`, values: [n] });
      expect((await probe(1)).rows).toEqual([{ n: 2 }]);
      expect(await prepared()).toEqual([]);
      expect((await probe(2)).rows).toEqual([{ n: 3 }]);
      expect((await probe(41)).rows).toEqual([{ n: 42 }]);
      expect(await prepared()).toEqual([`SELECT $1::int + 1 AS n -- prepared-probe`]);
      expect((await store.$client.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
    } finally {
      await closePostgresDb(store);
    }
    // Behind a pooler that cannot keep them: `prepared_statements=off` in the URL names none.
    const url = new URL(database.url);
    url.searchParams.set('prepared_statements', 'off');
    const unnamed = await createPostgresDb({ url: url.toString(), maxConnections: 1 });
    try {
      for (const n of [1, 2, 3]) await unnamed.$client.query({ text: `SELECT $1::int AS n -- unnamed-probe`, values: [n] });
      expect((await unnamed.$client.query(`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%unnamed-probe%'`)).rows).toEqual([]);
    } finally {
      await closePostgresDb(unnamed);
      await database.drop();
    }
  });
});

describe.skipIf(!clusterUrl)('tryAdvisoryLock: one holder across replicas', () => {
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let replicaA: PostgresDb;
  let replicaB: PostgresDb;

  beforeAll(async () => {
    database = await createTestPostgresDatabase(clusterUrl!);
    replicaA = await createPostgresDb({ url: database.url, maxConnections: 3 });
    replicaB = await createPostgresDb({ url: database.url, maxConnections: 3 });
  });
  afterAll(async () => {
    if (replicaA) await closePostgresDb(replicaA);
    if (replicaB) await closePostgresDb(replicaB);
    await database?.drop();
  });

  const holders = async () =>
    (
      await replicaA.execute<{ n: number }>(
        sql`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${ADVISORY_LOCK_KEYS.processing} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
    ).rows[0]!.n;

  it('refuses a second holder until the first releases, while the holder goes on using its pool', async () => {
    const first = await tryAdvisoryLock(replicaA, ADVISORY_LOCK_KEYS.processing);
    expect(first).toBeDefined();
    expect(await tryAdvisoryLock(replicaB, ADVISORY_LOCK_KEYS.processing)).toBeUndefined();
    // Not reentrant through the pool: another connection of the same replica is another session.
    expect(await tryAdvisoryLock(replicaA, ADVISORY_LOCK_KEYS.processing)).toBeUndefined();
    // The run's own transactions use the pool's other connections meanwhile.
    await replicaA.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
    });
    expect(await holders()).toBe(1);
    await first!.release();
    expect(await holders()).toBe(0);
    const second = await tryAdvisoryLock(replicaB, ADVISORY_LOCK_KEYS.processing);
    expect(second).toBeDefined();
    await second!.release();
  });

  it('is released by PostgreSQL when the holding session dies', async () => {
    const held = await tryAdvisoryLock(replicaB, ADVISORY_LOCK_KEYS.processing);
    expect(held).toBeDefined();
    // The holder's connection is cut, as when its process dies.
    await replicaA.execute(
      sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${ADVISORY_LOCK_KEYS.processing} AND granted`,
    );
    await expect.poll(() => held!.lost).toBe(true);
    expect(await holders()).toBe(0);
    const next = await tryAdvisoryLock(replicaA, ADVISORY_LOCK_KEYS.processing);
    expect(next).toBeDefined();
    await next!.release();
    await held!.release(); // a lost lock's release only discards its connection
  });
});

describe.skipIf(!clusterUrl)('createPostgresDb refuses a database that sorts text otherwise', () => {
  it('names the collation and how to create the database', async () => {
    const admin = new pg.Client({ connectionString: clusterUrl });
    await admin.connect();
    const name = `icu_${process.pid}`;
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
      const url = new URL(clusterUrl!);
      url.pathname = `/${name}`;
      await expect(createPostgresDb({ url: url.toString() })).rejects.toThrow(`database ${name} sorts text by an ICU collation; create it with LC_COLLATE 'C'`);
      // Nothing was applied to it.
      const tables = new pg.Client({ connectionString: url.toString() });
      await tables.connect();
      const { rows } = await tables.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      await tables.end();
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});

if (!clusterUrl) {
  describe('PostgreSQL', () => {
    it.skip(NO_POSTGRES_MESSAGE, () => {});
  });
}
