import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
