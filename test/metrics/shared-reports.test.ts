import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serialized } from '../../src/http/api/responses.js';
import { overviewModel } from '../../src/http/pages/overview-page.js';
import { durabilityReportOnce } from '../../src/metrics/durability-report.js';
import { outcomesReportOnce } from '../../src/metrics/outcomes-report.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/* The overview draws the API's own outcomes and durability reports: one computation per processing run for both. */

let t: TestDb;
const range = { startDate: '2026-11-01', endDate: '2026-11-21' };
const endRun = (finishedAt: string) =>
  t.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at, finished_at)
    VALUES ('acme', '2026-11-20', '2026-11-20', 'succeeded', 'test', ${finishedAt}, ${finishedAt}, ${finishedAt})`);

beforeEach(async () => {
  t = await createTestDb();
  await endRun('2026-11-21T11:00:07.000Z');
});
afterEach(async () => {
  await t.cleanup();
});

describe('the overview and the API', () => {
  it('share the outcomes and durability reports until the next processing run ends', async () => {
    const model = await overviewModel(t.db, 'acme', range, { spend: false, seats: null, today: '2026-11-21' });
    const [outcomes, durability] = [await outcomesReportOnce(t.db, 'acme', range), await durabilityReportOnce(t.db, 'acme', range)];
    expect(model.outcomes).toBe(outcomes);
    expect(model.durability).toBe(durability);
    expect(outcomes.data_processed_at).toBe('2026-11-21T11:00:07.000Z');

    // Once another run ended, both are computed again, for the API and the overview alike.
    await endRun('2026-11-21T12:00:00.000Z');
    const after = await overviewModel(t.db, 'acme', range, { spend: false, seats: null, today: '2026-11-21' });
    expect(after.outcomes).not.toBe(outcomes);
    expect(after.outcomes).toBe(await outcomesReportOnce(t.db, 'acme', range));
    expect(after.durability).toBe(await durabilityReportOnce(t.db, 'acme', range));
    expect(after.outcomes.data_processed_at).toBe('2026-11-21T12:00:00.000Z');
  });

  it('are frozen, so the API serializes each once and answers its JSON text and ETag again', async () => {
    const outcomes = await outcomesReportOnce(t.db, 'acme', range);
    expect(Object.isFrozen(outcomes)).toBe(true);
    expect(Object.isFrozen(outcomes.weekly)).toBe(true);
    expect(() => {
      (outcomes as { data_processed_at: string | null }).data_processed_at = 'changed';
    }).toThrow(TypeError);
    const first = serialized(outcomes);
    expect(JSON.parse(first.text)).toEqual(outcomes);
    expect(serialized(outcomes)).toBe(first);
    // A body the route builds for one request is serialized afresh each time (it is not kept).
    const built = { ...outcomes };
    expect(serialized(built)).not.toBe(serialized(built));
    expect(serialized(built).etag).toBe(first.etag);

    await endRun('2026-11-21T12:00:00.000Z');
    const next = serialized(await outcomesReportOnce(t.db, 'acme', range));
    expect(JSON.parse(next.text).data_processed_at).toBe('2026-11-21T12:00:00.000Z');
    expect(next.etag).not.toBe(first.etag);
  });
});
