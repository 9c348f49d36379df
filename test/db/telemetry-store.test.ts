import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addApiRequests,
  addSessionCommit,
  addSessionLineFingerprints,
  addTelemetryCounters,
  applyOtlpExportOnce,
  cumulativeToDeltas,
  recordSession,
  type SeriesPoint,
} from '../../src/db/telemetry-store.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

const shas = () => t.db.all(sql`SELECT session_id AS s, sha FROM session_commits ORDER BY s, sha`);
const add = (sessionId: string, sha: string, source: 'hook' | 'event') =>
  addSessionCommit(t.db, { sessionId, sha, org: 'acme', source, seenAt: '2026-11-21T00:00:00Z' });

describe('addSessionCommit', () => {
  const full = 'e9c96525daccab1a6acd00f05321f30e404b7c09';

  it('keeps one commit under its full sha when the hook reports it short first', async () => {
    await add('s1', 'e9c9652', 'hook');
    await add('s1', full, 'event');
    expect(await shas()).toEqual([{ s: 's1', sha: full }]);
  });

  it('ignores the short sha when the full one is known', async () => {
    await add('s1', full, 'event');
    await add('s1', 'e9c9652', 'hook');
    expect(await shas()).toEqual([{ s: 's1', sha: full }]);
  });

  it('keeps different commits and other sessions apart', async () => {
    await add('s1', 'e9c9652', 'hook');
    await add('s1', 'e9c9653', 'hook');
    await add('s2', full, 'event');
    expect(await shas()).toEqual([
      { s: 's1', sha: 'e9c9652' },
      { s: 's1', sha: 'e9c9653' },
      { s: 's2', sha: full },
    ]);
  });
});

describe('the multi-row writes of one request', () => {
  it('add counters to the stored ones, in batches past one statement', async () => {
    const at = '2026-11-21T10:00:00.000Z';
    await addTelemetryCounters(t.db, [{ org: 'acme', day: '2026-11-21', sessionId: 's1', metric: 'lines_added', dimension: '', value: 2.5 }], at);
    // 300 sessions: more than one statement's rows (256 + 32 + 8 + 4), with s1's row among them.
    const many = Array.from({ length: 300 }, (_, i) => ({ org: 'acme', day: '2026-11-21', sessionId: `s${i + 1}`, metric: 'lines_added', dimension: '', value: i + 1 }));
    await addTelemetryCounters(t.db, many, '2026-11-21T11:00:00.000Z');
    const rows = await t.db.all<{ sessionId: string; value: number; receivedAt: string }>(
      sql`SELECT session_id AS "sessionId", value, received_at AS "receivedAt" FROM telemetry_daily WHERE session_id IN ('s1', 's2', 's300') ORDER BY session_id`,
    );
    expect(rows).toEqual([
      { sessionId: 's1', value: 3.5, receivedAt: '2026-11-21T11:00:00.000Z' },
      { sessionId: 's2', value: 2, receivedAt: '2026-11-21T11:00:00.000Z' },
      { sessionId: 's300', value: 300, receivedAt: '2026-11-21T11:00:00.000Z' },
    ]);
    expect(await t.db.get(sql`SELECT count(*) AS n, sum(value) AS total FROM telemetry_daily`)).toEqual({ n: 300, total: 2.5 + (300 * 301) / 2 });
  });

  it('add api_request sums to the stored ones', async () => {
    const inc = { org: 'acme', day: '2026-11-21', sessionId: 's1', model: 'claude-sonnet-4-5', requests: 2, inputTokens: 100, outputTokens: 40, cacheReadTokens: 7, cacheCreationTokens: 1, costMicroUsd: 1_250 };
    await addApiRequests(t.db, [inc], '2026-11-21T10:00:00.000Z');
    await addApiRequests(t.db, [inc, { ...inc, model: 'claude-haiku-4-5', requests: 1 }], '2026-11-21T10:05:00.000Z');
    expect(
      await t.db.all(sql`SELECT model, requests, input_tokens AS "inputTokens", output_tokens AS "outputTokens", cache_read_tokens AS "cacheReadTokens",
        cache_creation_tokens AS "cacheCreationTokens", cost_micro_usd AS "costMicroUsd", received_at AS "receivedAt" FROM api_requests_daily ORDER BY model`),
    ).toEqual([
      { model: 'claude-haiku-4-5', requests: 1, inputTokens: 100, outputTokens: 40, cacheReadTokens: 7, cacheCreationTokens: 1, costMicroUsd: 1_250, receivedAt: '2026-11-21T10:05:00.000Z' },
      { model: 'claude-sonnet-4-5', requests: 4, inputTokens: 200, outputTokens: 80, cacheReadTokens: 14, cacheCreationTokens: 2, costMicroUsd: 2_500, receivedAt: '2026-11-21T10:05:00.000Z' },
    ]);
  });

  it('add line fingerprints, keeping the first sketch of each', async () => {
    const input = { sessionId: 's1', path: 'src/a.ts', org: 'acme', writtenAt: '2026-11-21T10:00:00.000Z' };
    await addSessionLineFingerprints(t.db, { ...input, fingerprints: new Map([[3_000_000_000_123, 2], [-5, 1]]), sketches: new Map([[-5, new Uint8Array([1, 2, 3])]]) });
    await addSessionLineFingerprints(t.db, {
      ...input,
      writtenAt: '2026-11-22T10:00:00.000Z',
      fingerprints: new Map([[-5, 4], [7, 1]]),
      sketches: new Map([[-5, new Uint8Array([9])], [7, new Uint8Array([8, 8])]]),
    });
    const rows = await t.db.all<{ fingerprint: number; occurrences: number; sketch: Buffer | null; firstWrittenAt: string }>(
      sql`SELECT fingerprint, occurrences, sketch, first_written_at AS "firstWrittenAt" FROM session_line_fingerprints ORDER BY fingerprint`,
    );
    expect(rows.map((r) => ({ ...r, sketch: r.sketch && [...r.sketch] }))).toEqual([
      { fingerprint: -5, occurrences: 5, sketch: [1, 2, 3], firstWrittenAt: '2026-11-21T10:00:00.000Z' },
      { fingerprint: 7, occurrences: 1, sketch: [8, 8], firstWrittenAt: '2026-11-22T10:00:00.000Z' },
      { fingerprint: 3_000_000_000_123, occurrences: 2, sketch: null, firstWrittenAt: '2026-11-21T10:00:00.000Z' },
    ]);
  });
});

describe('recordSession', () => {
  it('keeps the first and last time seen and every identity field ever learned', async () => {
    await recordSession(t.db, { id: 's1', org: 'acme', seenAt: '2026-11-21T10:00:00.000Z', userEmail: 'dana@acme.example', attributes: { team: 'web' } });
    await recordSession(t.db, { id: 's1', org: 'acme', seenAt: '2026-11-21T12:00:00.000Z', appVersion: '2.1.0', cwd: '/work' });
    await recordSession(t.db, { id: 's1', org: 'acme', seenAt: '2026-11-21T09:00:00.000Z', userEmail: 'dana2@acme.example' });
    const row = await t.db.get<Record<string, unknown>>(
      sql`SELECT first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", user_email AS "userEmail", app_version AS "appVersion", cwd, attributes, team
          FROM claude_sessions WHERE org = 'acme' AND id = 's1'`,
    );
    expect({ ...row, attributes: JSON.parse(String(row!.attributes)) }).toEqual({
      firstSeenAt: '2026-11-21T09:00:00.000Z',
      lastSeenAt: '2026-11-21T12:00:00.000Z',
      userEmail: 'dana2@acme.example',
      appVersion: '2.1.0',
      cwd: '/work',
      attributes: { team: 'web' },
      team: null,
    });
  });
});

const point = (seriesKey: string, start: string, time: string, value: number): SeriesPoint => ({ seriesKey, startTimeUnixNano: start, timeUnixNano: time, value });

describe('cumulativeToDeltas', () => {
  it("turns a request's points, in order, into increases since each series' previous point", async () => {
    const now = '2026-11-21T10:00:00.000Z';
    expect(
      await cumulativeToDeltas(t.db, [point('a', '100', '200', 5), point('b', '100', '200', 2), point('a', '100', '300', 8), point('a', '100', '250', 99)], now),
    ).toEqual([5, 2, 3, 0]); // the last point of `a` is older than one already counted
    expect(
      await cumulativeToDeltas(
        t.db,
        [
          point('a', '100', '400', 6), // a counter reset: counts from its own value
          point('b', '150', '500', 4), // a restarted process: a new start time
          point('b', '120', '600', 50), // a late point of an older run
          point('c', '0', '100', 1),
        ],
        now,
      ),
    ).toEqual([6, 4, 0, 1]);
    expect(await t.db.all(sql`SELECT series_key AS k, start_time_unix_nano AS s, time_unix_nano AS t, value FROM cumulative_series ORDER BY series_key`)).toEqual([
      { k: 'a', s: '100', t: '400', value: 6 },
      { k: 'b', s: '150', t: '500', value: 4 },
      { k: 'c', s: '0', t: '100', value: 1 },
    ]);
    expect(await cumulativeToDeltas(t.db, [], now)).toEqual([]);
  });

  // Two requests of one series run at once only where transactions do: SQLite runs one at a time.
  it.skipIf(testEngine() !== 'postgres')('counts a series once when two replicas apply two of its points at the same time', async () => {
    const counted: number[][] = [];
    let arrived = 0;
    let release!: () => void;
    const bothInside = new Promise<void>((resolve) => (release = resolve));
    const apply = (hash: string, p: SeriesPoint) =>
      applyOtlpExportOnce(t.db, { bodyHash: hash, signal: 'metrics', org: 'acme', receivedAt: '2026-11-21T10:00:00.000Z' }, async (tx) => {
        // Both transactions are open before either reads the series (a new one: no row to lock yet).
        if (++arrived === 2) release();
        await bothInside;
        counted.push(await cumulativeToDeltas(tx, [p], '2026-11-21T10:00:00.000Z'));
      });
    await Promise.all([apply('h1', point('new', '100', '200', 5)), apply('h2', point('new', '100', '300', 8))]);
    // Whichever ran first, the series adds up to its last value: 5 then 3, or 8 then 0 (older).
    expect(counted.flat().reduce((a, b) => a + b, 0)).toBe(8);
    expect(await t.db.all(sql`SELECT time_unix_nano AS t, value FROM cumulative_series`)).toEqual([{ t: '300', value: 8 }]);
  });
});

describe('applyOtlpExportOnce', () => {
  it('applies a request body once per org, and again after a failed attempt rolled back', async () => {
    const record = { bodyHash: 'h', signal: 'metrics', org: 'acme', receivedAt: '2026-11-21T10:00:00.000Z' };
    const write = (tx: typeof t.db) => addTelemetryCounters(tx, [{ org: 'acme', day: '2026-11-21', sessionId: 's1', metric: 'prompts', dimension: '', value: 1 }], record.receivedAt);
    await expect(
      applyOtlpExportOnce(t.db, record, async (tx) => {
        await write(tx);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await applyOtlpExportOnce(t.db, record, write)).toBe(true);
    expect(await applyOtlpExportOnce(t.db, record, write)).toBe(false);
    expect(await applyOtlpExportOnce(t.db, { ...record, org: 'other' }, async () => {})).toBe(true);
    expect(await t.db.all(sql`SELECT value FROM telemetry_daily`)).toEqual([{ value: 1 }]);
  });
});
