import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { closeDb, createDb, type Db } from '../../src/db/client.js';
import { createHttpApp } from '../../src/http/app.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * The API rate limit held by two app instances on one database, as two replicas behind a load
 * balancer run: each has its own connection (SQLite) or pool (PostgreSQL), and a key's requests
 * count against one allowance whichever instance answers them.
 */

const LIMIT = 3;
// 12:00:10 UTC: the minute's window started 10 s ago and ends in 50 s.
let clock = new Date('2026-11-21T12:00:10.000Z');
const now = () => clock;

let t: TestDb;
let secondConnection: Db;
let replicas: ReturnType<typeof createHttpApp>[];

const replica = (db: Db) => createHttpApp({ db, log: silentLog, fingerprintKey: TEST_FINGERPRINT_KEY, ingestMaxBodyBytes: 1024 * 1024, now, apiRateLimitPerMinute: LIMIT });

beforeEach(async () => {
  clock = new Date('2026-11-21T12:00:10.000Z');
  t = await createTestDb();
  secondConnection = await createDb(t.url);
  replicas = [replica(t.db), replica(secondConnection)];
});
afterEach(async () => {
  await closeDb(secondConnection);
  await t.cleanup();
});

async function ask(which: 0 | 1, key: string, path = '/api/v1/orgs/acme/summary?start_date=2026-11-20&end_date=2026-11-21') {
  const res = await replicas[which]!.request(path, { headers: { 'x-api-key': key } });
  return { status: res.status, remaining: res.headers.get('ratelimit-remaining'), reset: res.headers.get('ratelimit-reset'), retryAfter: res.headers.get('retry-after') };
}

describe('the API rate limit across two app instances on one database', () => {
  it('counts a key’s requests to either instance against one allowance per minute', async () => {
    const { key } = await createApiKey(t.db, { org: 'acme' });
    // Alternating between the instances: 3 allowed in all, not 3 each.
    expect(await ask(0, key)).toMatchObject({ status: 200, remaining: '2', reset: '50' });
    expect(await ask(1, key)).toMatchObject({ status: 200, remaining: '1' });
    expect(await ask(0, key)).toMatchObject({ status: 200, remaining: '0' });
    expect(await ask(1, key)).toMatchObject({ status: 429, remaining: '0', retryAfter: '50' });
    expect(await ask(0, key)).toMatchObject({ status: 429, retryAfter: '50' });
    // Anthropic's paths take from the same allowance, on either instance.
    expect((await ask(1, key, '/v1/organizations/me')).status).toBe(429);

    // Another key has its own allowance.
    const other = (await createApiKey(t.db, { org: 'acme' })).key;
    expect(await ask(1, other)).toMatchObject({ status: 200, remaining: '2' });

    // The next minute is a new window, on both instances.
    clock = new Date('2026-11-21T12:01:00.000Z');
    expect(await ask(1, key)).toMatchObject({ status: 200, remaining: '2', reset: '60' });
    expect(await ask(0, key)).toMatchObject({ status: 200, remaining: '1' });

    // One row per key and window holds the counts (refused requests are not counted).
    expect(await t.db.all(sql`SELECT key, window_start AS "windowStart", used FROM rate_limit_windows ORDER BY window_start, key`)).toEqual([
      { key: '1', windowStart: '2026-11-21T12:00:00.000Z', used: 3 },
      { key: '2', windowStart: '2026-11-21T12:00:00.000Z', used: 1 },
      { key: '1', windowStart: '2026-11-21T12:01:00.000Z', used: 2 },
    ]);
  });

  it('takes nothing from the allowance for a key of another org (404) or a revoked key (401)', async () => {
    const { key, row } = await createApiKey(t.db, { org: 'acme' });
    for (const which of [0, 1] as const) {
      expect((await ask(which, key, '/api/v1/orgs/globex/summary?start_date=2026-11-20&end_date=2026-11-21')).status).toBe(404);
    }
    expect(await t.db.all(sql`SELECT used FROM rate_limit_windows`)).toEqual([]);
    // The key's own org: the whole allowance is still there.
    expect(await ask(1, key)).toMatchObject({ status: 200, remaining: '2' });
    await revokeApiKey(t.db, row.id);
    expect((await ask(0, key)).status).toBe(401);
    expect(await t.db.all(sql`SELECT key, used FROM rate_limit_windows`)).toEqual([{ key: String(row.id), used: 1 }]);
  });

  it('allows exactly the limit when requests reach both instances at once', async () => {
    const { key } = await createApiKey(t.db, { org: 'acme' });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask((i % 2) as 0 | 1, key, '/v1/organizations/me')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    // The allowed ones were told 2, 1 and 0 left, each once.
    expect(answers.filter((a) => a.status === 200).map((a) => a.remaining).sort()).toEqual(['0', '1', '2']);
  });
});
