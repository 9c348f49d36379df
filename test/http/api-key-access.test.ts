import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { postgresPool } from '../../src/db/client.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * What an API request asks the store before its route runs (src/http/api/api-key-access.ts): on
 * PostgreSQL the key, the rate-limit take and which processing runs ended come in one statement,
 * and a remembered report is answered with no other; the report still follows the runs that end.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
let key: string;
beforeEach(async () => {
  t = await createTestApp({ now: () => new Date('2026-11-21T12:00:10.000Z'), apiRateLimitPerMinute: 100 });
  key = (await createApiKey(t.db, { org: 'acme' })).key;
});
afterEach(async () => {
  await t.cleanup();
});

const durability = async () => {
  const res = await t.app.request('/api/v1/orgs/acme/durability?start_date=2026-11-01&end_date=2026-11-20', { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return { remaining: res.headers.get('ratelimit-remaining'), body: (await res.json()) as { data_processed_at: string | null; pull_requests: unknown } };
};

/** The statements the store sends to PostgreSQL while `work` runs (undefined on SQLite). */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[] | undefined> {
  const pool = postgresPool(t.db);
  if (!pool) {
    await work();
    return undefined;
  }
  const sent: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    sent.push((args[0] as { text: string }).text.replace(/\s+/g, ' ').slice(0, 40));
    return query(...args);
  };
  try {
    await work();
  } finally {
    delete (pool as unknown as { query?: unknown }).query;
  }
  return sent;
}

describe('the API key check', () => {
  it('answers a remembered report with one statement on PostgreSQL, and follows the runs that end', async () => {
    // The first answer computes the report (no PRs, never processed) and marks the key used (once a minute).
    expect(await durability()).toMatchObject({
      remaining: '99',
      body: { data_processed_at: null, pull_requests: { with_claude_code: { merged: 0 }, without_claude_code: { merged: 0 } } },
    });
    let second: Awaited<ReturnType<typeof durability>> | undefined;
    const sent = await statementsDuring(async () => (second = await durability()));
    expect(second!.remaining).toBe('98');
    if (t.db.engine === 'postgres') expect(sent).toEqual(['SELECT * FROM ccm_admit_api_key_request(']);

    // A run that ends changes the stamp read with the key: the next request computes the report again.
    await t.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at, finished_at)
      VALUES ('acme', '2026-11-20', '2026-11-20', 'succeeded', 'test', '2026-11-21T11:00:00.000Z', '2026-11-21T11:00:05.000Z', '2026-11-21T11:00:07.000Z')`);
    expect(await durability()).toMatchObject({ remaining: '97', body: { data_processed_at: '2026-11-21T11:00:07.000Z' } });
  });
});
