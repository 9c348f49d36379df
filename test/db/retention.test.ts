import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { pruneExpired } from '../../src/db/retention.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { replayRecording } from '../helpers/replay.js';
import { createTestApp } from '../helpers/test-app.js';
import { storedTelemetry } from '../helpers/telemetry-figures.js';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeEach(async () => {
  // The recording's session ran on 2026-11-21; its hook calls were received "now".
  t = await createTestApp({ now: () => new Date('2026-11-21T21:00:00Z') });
  await replayRecording(t.app, 'rate-limiter-http-json-details-hooks', t.token);
});
afterEach(async () => {
  await t.cleanup();
});

const rowsOf = async (db: Db, table: string) => (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)}`))!.n;
const count = (table: string) => rowsOf(t.db, table);

describe('pruneExpired', () => {
  it('keeps everything younger than RETENTION_DAYS', async () => {
    const before = await storedTelemetry(t.db);
    const result = await pruneExpired(t.db, { now: new Date('2027-03-20T00:00:00Z'), retentionDays: 120 });
    expect(Object.values(result).every((n) => n === 0)).toBe(true);
    expect(await storedTelemetry(t.db)).toEqual(before);
  });

  it('drops raw telemetry, fingerprints and repeat guards older than that, and keeps sessions', async () => {
    const counters = await count('telemetry_daily');
    expect(counters).toBeGreaterThan(10);
    // Batches of 5 rows: the same result as one pass.
    const result = await pruneExpired(t.db, { now: new Date('2027-03-22T00:00:00Z'), retentionDays: 120, batchRows: 5 });
    expect(result).toMatchObject({ sessionLineFingerprints: 22, telemetryCounters: counters, apiRequestDays: 1 });
    expect(await count('session_line_fingerprints')).toBe(0);
    expect(await count('telemetry_daily')).toBe(0);
    expect(await count('api_requests_daily')).toBe(0);
    expect(await count('otlp_exports')).toBe(0);
    expect(await count('hook_calls')).toBe(0);
    expect(await count('claude_sessions')).toBe(1);
  });
});

describe('pruneExpired and the API rate limit', () => {
  it("drops counting windows older than a day and keeps the last day's", async () => {
    const now = new Date('2027-03-20T12:00:00.000Z');
    await t.db.run(sql`INSERT INTO rate_limit_windows (key, window_start, used) VALUES
      (${'api-key:1'}, ${'2027-03-19T11:59:00.000Z'}, ${60}),
      (${'api-key:1'}, ${'2027-03-19T12:01:00.000Z'}, ${3}),
      (${'api-key:2'}, ${'2027-03-20T11:59:00.000Z'}, ${1})`);
    const result = await pruneExpired(t.db, { now, retentionDays: 120 });
    expect(result.rateLimitWindows).toBe(1);
    expect(await t.db.all(sql`SELECT key, window_start AS "windowStart" FROM rate_limit_windows ORDER BY window_start`)).toEqual([
      { key: 'api-key:1', windowStart: '2027-03-19T12:01:00.000Z' },
      { key: 'api-key:2', windowStart: '2027-03-20T11:59:00.000Z' },
    ]);
  });
});

describe('pruneExpired and processing runs', () => {
  it('drops incremental runs that succeeded more than a week ago, and keeps every other run', async () => {
    const now = new Date('2027-03-20T12:00:00.000Z');
    const run = (trigger: string, status: string, finishedAt: string) =>
      t.db.run(sql`INSERT INTO processing_runs (from_day, to_day, status, trigger, started_at, heartbeat_at, finished_at)
        VALUES ('2027-03-01', '2027-03-01', ${status}, ${trigger}, ${finishedAt}, ${finishedAt}, ${finishedAt})`);
    await run('incremental', 'succeeded', '2027-03-13T11:00:00.000Z'); // 7 days and an hour ago: dropped
    await run('incremental', 'succeeded', '2027-03-13T13:00:00.000Z'); // kept
    await run('incremental', 'failed', '2027-03-01T00:00:00.000Z'); // failures stay, to be read
    await run('schedule', 'succeeded', '2027-03-01T00:00:00.000Z');
    const result = await pruneExpired(t.db, { now, retentionDays: 120 });
    expect(result.incrementalRuns).toBe(1);
    expect(await t.db.all(sql`SELECT trigger, status, finished_at AS "finishedAt" FROM processing_runs ORDER BY id`)).toEqual([
      { trigger: 'incremental', status: 'succeeded', finishedAt: '2027-03-13T13:00:00.000Z' },
      { trigger: 'incremental', status: 'failed', finishedAt: '2027-03-01T00:00:00.000Z' },
      { trigger: 'schedule', status: 'succeeded', finishedAt: '2027-03-01T00:00:00.000Z' },
    ]);
  });
});

describe('processing within retention', () => {
  it('never recomputes days whose raw data is gone', async () => {
    const now = () => new Date('2027-03-22T00:00:00Z');
    await expect(runProcessing(t.db, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-21', retentionDays: 120, now })).rejects.toThrow(
      'Days before 2026-11-23 are past RETENTION_DAYS: their raw data is gone and their numbers are final.',
    );
    const summary = await runProcessing(t.db, { org: 'acme', fromDay: '2026-11-01', toDay: '2026-11-30', retentionDays: 120, now });
    expect(summary.run).toMatchObject({ fromDay: '2026-11-23', toDay: '2026-11-30' });
  });
});

describe('pruneExpired on a processed org', () => {
  it("drops a merged PR's line fingerprints in batches once the PR is past retention, and keeps its attribution", async () => {
    const { startProcessedOrg } = await import('../helpers/processed-org.js');
    const org = await startProcessedOrg({ SEATS: '10' });
    try {
      const db = org.app.db;
      const n = (table: string) => rowsOf(db, table);
      const fingerprints = await n('added_line_fingerprints');
      expect(fingerprints).toBeGreaterThan(20);
      const attributionRows = () => db.all(sql`SELECT subject, lines_with_claude_code FROM attributions ORDER BY subject`);
      const attributions = await attributionRows();
      // The ledger holds one row per distinct session line a PR took.
      const consumed = await n('consumed_session_lines');
      expect(consumed).toBeGreaterThan(0);

      const early = await pruneExpired(db, { now: new Date('2027-03-01T00:00:00Z'), retentionDays: 120 });
      expect([early.pullRequestLineFingerprints, early.consumedSessionLines]).toEqual([0, 0]);
      const result = await pruneExpired(db, { now: new Date('2027-04-01T00:00:00Z'), retentionDays: 120, batchRows: 7 });
      expect(result.pullRequestLineFingerprints).toBe(fingerprints);
      expect(result.consumedSessionLines).toBe(consumed);
      expect(await n('added_line_fingerprints')).toBe(0);
      expect(await n('consumed_session_lines')).toBe(0);
      expect(await attributionRows()).toEqual(attributions);
    } finally {
      await org.cleanup();
    }
  });
});
