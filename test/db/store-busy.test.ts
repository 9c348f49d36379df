import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setBusyTimeout } from '../../src/db/client.js';
import { isStoreBusy, StoreBusyError, writeWhenFree } from '../../src/db/store-busy.js';
import { createTestDb } from '../helpers/test-db.js';

let t: ReturnType<typeof createTestDb>;
let holder: Database.Database;
beforeEach(() => {
  t = createTestDb();
  setBusyTimeout(t.db, 0);
  holder = new Database(t.path);
});
afterEach(() => {
  if (holder.inTransaction) holder.exec('ROLLBACK');
  holder.close();
  t.cleanup();
});

const write = () => t.db.$client.prepare("INSERT INTO app_secrets (name, value, created_at) VALUES ('probe', 'x', '2026-12-01')").run().changes;

describe('writeWhenFree', () => {
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
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM app_secrets WHERE name = 'probe'").get()).toEqual({ n: 0 });
  });

  it('throws any other error as it is, at once', async () => {
    await expect(writeWhenFree(() => t.db.$client.prepare('INSERT INTO no_such_table VALUES (1)').run())).rejects.toThrow('no such table');
  });
});

describe('isStoreBusy', () => {
  it("recognises SQLite's busy codes, also wrapped in a cause, and StoreBusyError", () => {
    expect(isStoreBusy(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isStoreBusy(new Error('Failed query', { cause: Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }) }))).toBe(true);
    expect(isStoreBusy(new StoreBusyError(2000))).toBe(true);
    expect(isStoreBusy(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isStoreBusy(undefined)).toBe(false);
  });
});
