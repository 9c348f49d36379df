import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processingStamp, whileServing } from '../../src/metrics/remembered-reports.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/* The processing stamp a request read with its API key check, used by its route and by nothing that outlives it. */

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
  await t.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at, finished_at)
    VALUES ('acme', '2026-11-20', '2026-11-20', 'succeeded', 'test', '2026-11-21T11:00:00.000Z', '2026-11-21T11:00:05.000Z', '2026-11-21T11:00:07.000Z')`);
});
afterEach(async () => {
  await t.cleanup();
});

describe('whileServing', () => {
  it('gives the request’s route the stamp read with its key check, and work outliving the request the stored one', async () => {
    expect(await processingStamp(t.db)).toBe('1:2026-11-21T11:00:07.000Z');
    const readWithKey = { runsEnded: 4, lastEndedAt: '2026-11-21T12:00:00.000Z' };
    let later: Promise<string> | undefined;
    const during = await whileServing(t.db, readWithKey, async () => {
      // Started by the request, read after it was answered (a report still computing).
      later = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => processingStamp(t.db));
      return processingStamp(t.db);
    });
    expect(during).toBe('4:2026-11-21T12:00:00.000Z');
    expect(await later).toBe('1:2026-11-21T11:00:07.000Z');
    // Outside any request, the store is asked.
    expect(await processingStamp(t.db)).toBe('1:2026-11-21T11:00:07.000Z');
  });
});
