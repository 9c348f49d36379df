import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admitApiKeyRequest } from '../../src/db/api-key-requests.js';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

/*
 * The API's per-request question in one statement on PostgreSQL (src/db/api-key-requests.ts): the
 * same answers as the key lookup, the rate-limit take and the processing stamp asked one by one.
 */

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

const WINDOW = '2026-11-21T12:00:00.000Z';

describe('admitApiKeyRequest', () => {
  it.runIf(testEngine() === 'sqlite')('is PostgreSQL’s: SQLite asks the three statements one by one', async () => {
    const { key } = await createApiKey(t.db, { org: 'acme' });
    await expect(admitApiKeyRequest(t.db, { secret: key, org: 'acme', windowStart: WINDOW, limit: 3 })).rejects.toThrow(/runs on PostgreSQL/);
  });

  it.runIf(testEngine() === 'postgres')('finds the live key, takes one request up to the limit and reads which runs ended', async () => {
    const { key, row } = await createApiKey(t.db, { org: 'acme' }, new Date('2026-11-20T08:00:00.000Z'));
    await t.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at, finished_at) VALUES
      ('acme', '2026-11-01', '2026-11-01', 'succeeded', 'test', '2026-11-21T00:00:00Z', '2026-11-21T00:00:05Z', '2026-11-21T00:00:06Z'),
      ('acme', '2026-11-02', '2026-11-02', 'succeeded', 'test', '2026-11-21T01:00:00Z', '2026-11-21T01:00:05Z', '2026-11-21T01:00:09Z')`);
    await t.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at) VALUES
      ('acme', '2026-11-03', '2026-11-03', 'running', 'test', '2026-11-21T02:00:00Z', '2026-11-21T02:00:01Z')`);
    const ask = (org: string | undefined, secret = key) => admitApiKeyRequest(t.db, { secret, org, windowStart: WINDOW, limit: 3 });

    const first = await ask('acme');
    expect(first).toEqual({
      key: { id: row.id, org: 'acme', keyHash: row.keyHash, keyPrefix: row.keyPrefix, createdAt: '2026-11-20T08:00:00.000Z', revokedAt: null, lastUsedAt: null },
      used: 1,
      // Two runs ended (the running one has no end yet); the last at 01:00:09.
      processingEnded: { runsEnded: 2, lastEndedAt: '2026-11-21T01:00:09Z' },
    });
    // Without an org (Anthropic's paths) the key alone decides: it takes too.
    expect((await ask(undefined))?.used).toBe(2);
    expect((await ask('acme'))?.used).toBe(3);
    // The window is used up: the key is still found, nothing more is taken.
    expect(await ask('acme')).toMatchObject({ key: { id: row.id }, used: undefined });
    expect(await t.db.all(sql`SELECT key, window_start AS "windowStart", used FROM rate_limit_windows`)).toEqual([
      { key: String(row.id), windowStart: WINDOW, used: 3 },
    ]);
  });

  it.runIf(testEngine() === 'postgres')('takes nothing for another org’s path, and finds no revoked or unknown key', async () => {
    const { key, row } = await createApiKey(t.db, { org: 'acme' });
    expect(await admitApiKeyRequest(t.db, { secret: key, org: 'globex', windowStart: WINDOW, limit: 3 })).toMatchObject({
      key: { id: row.id, org: 'acme' },
      used: undefined,
      processingEnded: { runsEnded: 0, lastEndedAt: null },
    });
    expect(await t.db.all(sql`SELECT used FROM rate_limit_windows`)).toEqual([]);
    expect(await admitApiKeyRequest(t.db, { secret: `${key}x`, org: 'acme', windowStart: WINDOW, limit: 3 })).toBeUndefined();
    await revokeApiKey(t.db, row.id);
    expect(await admitApiKeyRequest(t.db, { secret: key, org: 'acme', windowStart: WINDOW, limit: 3 })).toBeUndefined();
    expect(await t.db.all(sql`SELECT used FROM rate_limit_windows`)).toEqual([]);
  });
});
