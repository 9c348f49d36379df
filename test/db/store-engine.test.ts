import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { attributions, repositories } from '../../src/db/schema.js';
import { bothEngines } from '../helpers/test-db.js';

/*
 * The store's handle behaves the same on both engines: the same rows and values back from the
 * builders and from raw SQL, transactions that commit or roll back as a whole, and statements made
 * in a transaction's context joining it while other work's statements stay out of it.
 */

const engines = bothEngines();

const repository = (id: number, name: string, isPrivate: boolean) => ({
  id,
  installationId: 7,
  ownerLogin: 'acme',
  name,
  fullName: `acme/${name}`,
  private: isPrivate,
  updatedAt: '2026-11-30T10:00:00.000Z',
});

describe.each(engines)('the store on $name', (engine) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await engine.open());
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('reads back through the builders what it wrote: booleans, JSON, upserts, returning, counts', async () => {
    await db.insert(repositories).values([repository(1, 'api', true), repository(2, 'web', false)]);
    const upserted = await db
      .insert(repositories)
      .values(repository(2, 'web', true))
      .onConflictDoUpdate({ target: repositories.id, set: { private: sql`excluded.private` } })
      .returning({ id: repositories.id, private: repositories.private });
    expect(upserted).toEqual([{ id: 2, private: true }]);
    await db.update(repositories).set({ covered: false }).where(eq(repositories.id, 1));
    const rows = await db.select({ name: repositories.name, private: repositories.private, covered: repositories.covered }).from(repositories).orderBy(asc(repositories.id));
    expect(rows).toEqual([
      { name: 'api', private: true, covered: false },
      { name: 'web', private: true, covered: true },
    ]);
    await db.insert(attributions).values({
      org: 'acme',
      subject: 'pull_request:9',
      repository: 'acme/api',
      authorLogin: 'ada',
      isBot: false,
      day: '2026-11-30',
      withClaudeCode: true,
      linesAdded: 12,
      linesWithClaudeCode: 5,
      evidence: { sessions: ['s1'], share: 0.5 },
      resultHash: 'h',
      attributedAt: '2026-11-30T10:00:00.000Z',
    });
    const [attribution] = await db.select({ evidence: attributions.evidence, withClaudeCode: attributions.withClaudeCode }).from(attributions);
    expect(attribution).toEqual({ evidence: { sessions: ['s1'], share: 0.5 }, withClaudeCode: true });
    const counted = await db.select({ n: sql<number>`count(*)`, lines: sql<number>`sum(${attributions.linesAdded})` }).from(attributions);
    expect(counted).toEqual([{ n: 1, lines: 12 }]);
  });

  it('answers raw SQL with the same values: numbers, booleans as 1/0, JSON as text, quoted aliases', async () => {
    const row = await db.get<{ fullName: string; private: number; evidence: string; total: number }>(
      sql`SELECT r.full_name AS "fullName", r.private AS private, a.evidence AS evidence, sum(a.lines_added) AS total
          FROM repositories r JOIN attributions a ON a.repository = r.full_name
          WHERE r.id = ${1} GROUP BY r.full_name, r.private, a.evidence`,
    );
    expect(row).toBeDefined();
    expect({ ...row!, evidence: JSON.parse(row!.evidence) }).toEqual({ fullName: 'acme/api', private: 1, evidence: { sessions: ['s1'], share: 0.5 }, total: 12 });
    expect(await db.values(sql`SELECT id, name FROM repositories ORDER BY id`)).toEqual([
      [1, 'api'],
      [2, 'web'],
    ]);
    expect(await db.get(sql`SELECT id FROM repositories WHERE id = ${99}`)).toBeUndefined();
    expect(await db.run(sql`UPDATE repositories SET default_branch = ${'main'}`)).toEqual({ changes: 2 });
    expect(await db.all(sql`SELECT name FROM repositories WHERE ${db.dialect.anyOf(sql`id`, [2, 3])}`)).toEqual([{ name: 'web' }]);
  });

  it('stores text carrying U+0000, which PostgreSQL refuses, without that character there', async () => {
    await db.insert(repositories).values(repository(40, 'nul\u0000name', false));
    await db.run(sql`UPDATE repositories SET default_branch = ${'ma\u0000in'} WHERE id = ${40}`);
    const [row] = await db.select({ name: repositories.name, branch: repositories.defaultBranch }).from(repositories).where(eq(repositories.id, 40));
    // JSON written by the store escapes NUL as \u0000, which jsonb refuses as well; an escaped backslash before "u0000" is kept.
    await db.insert(attributions).values({
      org: 'acme',
      subject: 'pull_request:40',
      repository: 'acme/api',
      authorLogin: 'ada',
      isBot: false,
      day: '2026-11-30',
      withClaudeCode: false,
      linesAdded: 1,
      linesWithClaudeCode: 0,
      evidence: { title: 'a\u0000b', path: 'C:\\u0000' },
      resultHash: 'h',
      attributedAt: '2026-11-30T10:00:00.000Z',
    });
    const [attribution] = await db.select({ evidence: attributions.evidence }).from(attributions).where(eq(attributions.subject, 'pull_request:40'));
    if (engine.name === 'postgres') {
      expect(row).toEqual({ name: 'nulname', branch: 'main' });
      expect(attribution!.evidence).toEqual({ title: 'ab', path: 'C:\\u0000' });
    } else {
      expect(row).toEqual({ name: 'nul\u0000name', branch: 'ma\u0000in' });
      expect(attribution!.evidence).toEqual({ title: 'a\u0000b', path: 'C:\\u0000' });
    }
    await db.run(sql`DELETE FROM attributions WHERE subject = ${'pull_request:40'}`);
    await db.run(sql`DELETE FROM repositories WHERE id = ${40}`);
  });

  it('streams a large read in order without holding it', async () => {
    await db.run(sql`CREATE TABLE numbers (n bigint NOT NULL)`);
    await db.run(sql`INSERT INTO numbers (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 12345) SELECT n FROM s`);
    let count = 0;
    let sum = 0;
    let ordered = true;
    await db.eachRow(sql`SELECT n FROM numbers ORDER BY n`, (row) => {
      count++;
      ordered &&= row[0] === count;
      sum += row[0] as number;
    });
    expect({ count, sum, ordered }).toEqual({ count: 12345, sum: (12345 * 12346) / 2, ordered: true });
    // A small read (read at once on PostgreSQL), its duplicate column names kept apart, inside a transaction and out.
    const small: unknown[][] = [];
    await db.eachRow(sql`SELECT n, n * 2 AS n FROM numbers WHERE n <= 3 ORDER BY 1 DESC`, (row) => small.push(row));
    await db.transaction(async (tx) => tx.eachRow(sql`SELECT n, n * 2 AS n FROM numbers WHERE n = 5000 OR n = 5001 ORDER BY 1`, (row) => small.push(row)));
    expect(small).toEqual([
      [3, 6],
      [2, 4],
      [1, 2],
      [5000, 10000],
      [5001, 10002],
    ]);
    // Exactly a cursor's batch, and one more.
    for (const [limit, expected] of [
      [5000, 5000],
      [5001, 5001],
    ]) {
      let n = 0;
      await db.eachRow(sql`SELECT n FROM numbers ORDER BY n LIMIT ${limit}`, () => n++);
      expect(n).toBe(expected);
    }
  });

  it('commits a transaction as a whole and rolls a failed one back, savepoints included', async () => {
    await db.transaction(async (tx) => {
      await tx.insert(repositories).values(repository(3, 'docs', false));
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(repositories).values(repository(4, 'tmp', false));
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(repositories).values(repository(5, 'lost', false));
        // The outer handle, in the transaction's context, joins the transaction.
        await db.run(sql`UPDATE repositories SET name = ${'renamed'} WHERE id = ${3}`);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect((await db.select({ id: repositories.id, name: repositories.name }).from(repositories).orderBy(asc(repositories.id))).map((r) => `${r.id}:${r.name}`)).toEqual([
      '1:api',
      '2:web',
      '3:docs',
    ]);
  });

  it("keeps other work's statements out of an open transaction", async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db
      .transaction(async (tx) => {
        await tx.insert(repositories).values(repository(6, 'inside', false));
        inserted();
        await paused;
        throw new Error('rolled back');
      })
      .catch((error: Error) => error.message);
    await insertedInside;
    // Started while the transaction is open: SQLite runs it after the rollback, PostgreSQL beside
    // it without seeing the uncommitted row; either way it is not part of the transaction.
    const outside = db.run(sql`INSERT INTO repositories (id, owner_login, name, full_name, updated_at) VALUES (${8}, ${'acme'}, ${'outside'}, ${'acme/outside'}, ${'2026-11-30'})`);
    const seen = db.all<{ id: number }>(sql`SELECT id FROM repositories WHERE id IN (6, 8) ORDER BY id`);
    release();
    expect(await transaction).toBe('rolled back');
    await outside;
    expect((await seen).map((r) => r.id)).not.toContain(6);
    expect((await db.all<{ id: number }>(sql`SELECT id FROM repositories WHERE id IN (6, 8) ORDER BY id`)).map((r) => r.id)).toEqual([8]);
  });
});
