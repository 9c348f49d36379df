import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setBusyTimeout, sqliteConnection } from '../../src/db/client.js';
import { isStoreBusy, StoreBusyError, writeWhenFree } from '../../src/db/store-busy.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

// SQLite's write lock is held by another connection to the file (the command line, a backup tool);
// PostgreSQL has no such lock: its writers wait for rows on the server, not on our timers.
describe.skipIf(testEngine() === 'postgres')("writeWhenFree with SQLite's write lock", () => {
  let holder: Database.Database;
  beforeEach(() => {
    setBusyTimeout(t.db, 0);
    holder = new Database(t.path);
  });
  afterEach(() => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
  });

  const write = () => sqliteConnection(t.db)!.prepare("INSERT INTO app_secrets (name, value, created_at) VALUES ('probe', 'x', '2026-12-01')").run().changes;

  it('writes at once when the lock is free', async () => {
    expect(await writeWhenFree(write)).toBe(1);
  });

  it('tries again on timers while another connection holds the lock, and writes once it is released', async () => {
    holder.exec('BEGIN IMMEDIATE');
    let attempts = 0;
    const pending = writeWhenFree(() => {
      attempts++;
      return write();
    });
    setTimeout(() => holder.exec('COMMIT'), 150);
    expect(await pending).toBe(1);
    expect(attempts).toBeGreaterThan(2);
  });

  it('gives up with StoreBusyError after its budget, having written nothing', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const error = await writeWhenFree(write, { maxWaitMs: 100, retryAfterSeconds: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreBusyError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 3 });
    holder.exec('ROLLBACK');
    expect(await t.db.get(sql`SELECT count(*) AS n FROM app_secrets WHERE name = 'probe'`)).toEqual({ n: 0 });
  });

  it('retries an asynchronous transaction of the store handle until the lock is released', async () => {
    holder.exec('BEGIN IMMEDIATE');
    setTimeout(() => holder.exec('COMMIT'), 100);
    const written = await writeWhenFree(() =>
      t.db.transaction(async (tx) => (await tx.run(sql`INSERT INTO app_secrets (name, value, created_at) VALUES ('probe', 'x', '2026-12-01')`)).changes, { behavior: 'immediate' }),
    );
    expect(written).toBe(1);
    expect(await t.db.get(sql`SELECT count(*) AS n FROM app_secrets WHERE name = 'probe'`)).toEqual({ n: 1 });
  });
});

describe('writeWhenFree', () => {
  it('throws any other error as it is, at once', async () => {
    await expect(writeWhenFree(() => t.db.run(sql`INSERT INTO no_such_table VALUES (1)`))).rejects.toThrow(/no_such_table/);
  });

  // A deadlock needs two transactions open at once, which SQLite's one connection never has.
  it.skipIf(testEngine() !== 'postgres')('runs again a transaction PostgreSQL rolled back to break a deadlock, and both writes land', async () => {
    await t.db.run(sql`INSERT INTO app_secrets (name, value, created_at) VALUES ('a', 'x', '2026-12-01'), ('b', 'x', '2026-12-01')`);
    let arrived = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    const attempts = { ab: 0, ba: 0 };
    const append = (name: string) => sql`UPDATE app_secrets SET value = value || '+' WHERE name = ${name}`;
    const crosswise = (first: 'a' | 'b', second: 'a' | 'b') =>
      writeWhenFree(
        () =>
          t.db.transaction(async (tx) => {
            attempts[`${first}${second}` as 'ab' | 'ba']++;
            await tx.run(append(first));
            // The first attempts wait for each other holding one row each, then each asks for the other's.
            if (++arrived === 2) release();
            await bothLocked;
            await tx.run(append(second));
          }),
        { maxWaitMs: 10_000 },
      );
    await Promise.all([crosswise('a', 'b'), crosswise('b', 'a')]);
    // At least one ran again (both may be rolled back when their deadlock checks run at the same
    // moment, which a loaded machine makes likelier); each write still landed once.
    expect(attempts.ab + attempts.ba).toBeGreaterThanOrEqual(3);
    expect(await t.db.all(sql`SELECT name, value FROM app_secrets ORDER BY name`)).toEqual([
      { name: 'a', value: 'x++' },
      { name: 'b', value: 'x++' },
    ]);
  });
});

describe('isStoreBusy', () => {
  it("recognises SQLite's busy codes and PostgreSQL's run-again codes, also wrapped in a cause, and StoreBusyError", () => {
    expect(isStoreBusy(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isStoreBusy(new Error('Failed query', { cause: Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }) }))).toBe(true);
    expect(isStoreBusy(new Error('Failed query', { cause: Object.assign(new Error('deadlock detected'), { code: '40P01' }) }))).toBe(true);
    expect(isStoreBusy(Object.assign(new Error('could not serialize access'), { code: '40001' }))).toBe(true);
    expect(isStoreBusy(new StoreBusyError(2000))).toBe(true);
    expect(isStoreBusy(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isStoreBusy(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isStoreBusy(Object.assign(new Error('x'), { code: '40001x' }))).toBe(false);
    expect(isStoreBusy(undefined)).toBe(false);
  });
});
