import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { outcomeColumns } from '../../src/db/pull-request-outcomes.js';
import { outcomesReport, outcomesReportOnce } from '../../src/metrics/outcomes-report.js';
import { columnsOf, compareOutcomes, type OutcomePr } from '../../src/outcomes/outcome-comparison.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { markOutcomesTeamWithClaudeCode, storeOutcomesTeam } from '../helpers/outcome-timelines.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/*
 * The outcomes report as the API computes it: read as columns from a real database (a SQLite file,
 * or PostgreSQL), compared in steps with the event loop free between them, once per processing run.
 */

let t: TestDb;
let db: Db;
const RANGE = { startDate: '2026-11-01', endDate: '2026-11-08' };

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  const withClaudeCode = await storeOutcomesTeam(db);
  await runProcessing(db, { org: 'acme', fromDay: RANGE.startDate, toDay: RANGE.endDate });
  await markOutcomesTeamWithClaudeCode(db, withClaudeCode);
});
afterAll(async () => {
  await t.cleanup();
});

describe('outcomeColumns', () => {
  it('reads the same PRs as one row each would, bots apart, and slices by repository and person', async () => {
    // The reference: the same join read row by row, as objects.
    const rows = await db.all<any>(
      sql`SELECT a.author_login AS login, a.day, a.with_claude_code AS w, a.lines_added AS "linesAdded", o.cycle_time_seconds AS cycle,
                o.coding_time_seconds AS coding, o.pickup_time_seconds AS pickup, o.review_time_seconds AS review, o.reverted_by AS "revertedBy",
                o.reverted_at AS "revertedAt", p.merged_at AS "mergedAt"
         FROM attributions a JOIN pull_request_outcomes o ON o.pull_request_id = a.pull_request_id JOIN pull_requests p ON p.id = a.pull_request_id
         WHERE a.org = 'acme' AND a.day BETWEEN ${RANGE.startDate} AND ${RANGE.endDate} AND a.is_bot = FALSE ORDER BY a.day, a.pull_request_id`,
    );
    const reference: (OutcomePr & { day: string })[] = rows.map((r) => ({
      login: r.login,
      day: r.day,
      withClaudeCode: r.w === 1,
      linesAdded: r.linesAdded,
      cycleTimeSeconds: r.cycle,
      codingTimeSeconds: r.coding,
      pickupTimeSeconds: r.pickup,
      reviewTimeSeconds: r.review,
      reverted: r.revertedBy !== null,
      timeToRevertSeconds: r.revertedAt === null ? null : (Date.parse(r.revertedAt) - Date.parse(r.mergedAt)) / 1000,
    }));
    expect(reference.some((p) => p.timeToRevertSeconds !== null)).toBe(true);
    const columns = await outcomeColumns(db, 'acme', RANGE.startDate, RANGE.endDate);
    expect(columns.count).toBe(24); // 11 with, 13 without; the bot's PR is not read
    // Read order aside, the columns are the rows.
    const sortKey = (c: ReturnType<typeof columnsOf>) =>
      Array.from({ length: c.count }, (_, i) => JSON.stringify([c.login[i], c.day[i], c.withClaudeCode[i], c.linesAdded[i], c.times.cycle_time_hours[i], c.times.pickup_time_hours[i], c.reverted[i], c.timeToRevertSeconds[i]])).sort();
    expect(sortKey(columns)).toEqual(sortKey(columnsOf(reference)));

    // A range longer than one read (15 days) is read in spans and joined: the comparisons are the rows'.
    const long = { startDate: '2026-10-20', endDate: '2026-11-05' }; // 2026-10-20…11-03, then 11-04…11-05
    const inLong = reference.filter((p) => p.day <= long.endDate);
    expect(new Set(inLong.map((p) => p.day > '2026-11-03')).size).toBe(2);
    const report = await outcomesReport(db, 'acme', long);
    const expected = compareOutcomes(inLong);
    for (const field of ['cycle_time_hours', 'coding_time_hours', 'pickup_time_hours', 'review_time_hours', 'size_lines', 'reverts'] as const) {
      expect([field, report[field]]).toEqual([field, expected[field]]);
    }
    expect(report.cycle_time_hours.with_claude_code.count + report.cycle_time_hours.without_claude_code.count).toBe(inLong.filter((p) => p.cycleTimeSeconds !== null).length);

    const someone = reference[0]!.login;
    expect((await outcomeColumns(db, 'acme', RANGE.startDate, RANGE.endDate, { login: someone.toUpperCase() })).count).toBe(reference.filter((p) => p.login === someone).length);
    expect((await outcomeColumns(db, 'acme', RANGE.startDate, RANGE.endDate, { repository: 'ACME/widgets' })).count).toBeGreaterThan(0);
    expect((await outcomeColumns(db, 'acme', RANGE.startDate, RANGE.endDate, { repository: 'acme/none' })).count).toBe(0);
    expect((await outcomeColumns(db, 'other', RANGE.startDate, RANGE.endDate)).count).toBe(0);
  });
});

describe('outcomesReportOnce', () => {
  it('answers what outcomesReport computes, letting other work run between its steps', async () => {
    const order: string[] = [];
    const pending = outcomesReportOnce(db, 'acme', RANGE).then((r) => {
      order.push('report');
      return r;
    });
    setImmediate(() => order.push('other work'));
    const report = await pending;
    expect(order).toEqual(['other work', 'report']);
    expect(JSON.stringify(report)).toBe(JSON.stringify(await outcomesReport(db, 'acme', RANGE)));
  });

  it('computes once per processing run: requests meanwhile share it, a new run computes it again', async () => {
    const range = { startDate: '2026-11-02', endDate: '2026-11-08' };
    // Asked twice at once: one computation, the very same report for both.
    const [report, meanwhile] = await Promise.all([outcomesReportOnce(db, 'acme', range), outcomesReportOnce(db, 'acme', range)]);
    expect(meanwhile).toBe(report);
    expect(await outcomesReportOnce(db, 'acme', range)).toBe(report);
    await runProcessing(db, { org: 'acme', fromDay: RANGE.startDate, toDay: RANGE.endDate });
    const after = await outcomesReportOnce(db, 'acme', range);
    expect(after).not.toBe(report);
    expect(after.data_processed_at).not.toBe(report.data_processed_at);
  });
});
