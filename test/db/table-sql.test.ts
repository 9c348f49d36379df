import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { apiRequestsDaily, claudeSessions, dailyModelUsage, dailyTerminalModelUsage, sessionLineFingerprints, telemetryDaily } from '../../src/db/schema.js';
import { rowsToInsert, selectColumns } from '../../src/db/table-sql.js';
import { bothEngines } from '../helpers/test-db.js';

describe('SQL written from a drizzle table', () => {
  it('selects every column but the omitted ones, each named by its field', () => {
    expect(selectColumns(telemetryDaily, ['org', 'day', 'receivedAt'])).toBe('session_id AS "sessionId", metric, dimension, value');
    expect(selectColumns(dailyModelUsage, ['org', 'day'])).toBe(
      'user_key AS "userKey", model, requests, input_tokens AS "inputTokens", output_tokens AS "outputTokens", cache_read_tokens AS "cacheReadTokens", cache_creation_tokens AS "cacheCreationTokens", cost_micro_usd AS "costMicroUsd"',
    );
  });

});

// Both engines in this one file (the suite runs it once): the same statements, the same rows back.
const engines = bothEngines();

describe.each(engines)('on $name', (engine) => {
  let t: { db: Db; cleanup(): Promise<void> };
  beforeAll(async () => {
    t = await engine.open();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('reads a row under its field names with selectColumns', async () => {
    const row = {
      org: 'acme',
      day: '2026-03-02',
      sessionId: 's-1',
      model: 'claude-sonnet-4-5',
      requests: 3,
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 5000,
      cacheCreationTokens: 0,
      costMicroUsd: 18_250,
      receivedAt: '2026-03-02T10:00:00.000Z',
    };
    await t.db.insert(apiRequestsDaily).values(row);
    expect(await t.db.all(sql.raw(`SELECT ${selectColumns(apiRequestsDaily, ['org', 'day', 'receivedAt'])} FROM api_requests_daily`))).toEqual([
      { sessionId: 's-1', model: 'claude-sonnet-4-5', requests: 3, inputTokens: 1200, outputTokens: 340, cacheReadTokens: 5000, cacheCreationTokens: 0, costMicroUsd: 18_250 },
    ]);
  });

  it('inserts rows with rowsToInsert: texts, numbers past 2^31 and exact reals, booleans, JSON, blobs, nulls; and upserts with them', async () => {
    const usage = { model: 'm', requests: 1, inputTokens: 3_000_000_000, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 7 };
    const fields = ['org', 'day', 'userKey', 'terminalType', 'isRemote', 'model', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'costMicroUsd'] as const;
    await t.db.run(
      sql`INSERT INTO daily_terminal_model_usage ${rowsToInsert(t.db, dailyTerminalModelUsage, fields, [
        { org: 'acme', day: '2026-03-02', userKey: 'u1', terminalType: 'vscode', isRemote: true, ...usage },
        { org: 'acme', day: '2026-03-02', userKey: 'u2', terminalType: 'vscode', isRemote: 0, ...usage },
      ])}`,
    );
    expect(
      await t.db
        .select({ userKey: dailyTerminalModelUsage.userKey, isRemote: dailyTerminalModelUsage.isRemote, inputTokens: dailyTerminalModelUsage.inputTokens })
        .from(dailyTerminalModelUsage)
        .orderBy(dailyTerminalModelUsage.userKey),
    ).toEqual([
      { userKey: 'u1', isRemote: true, inputTokens: 3_000_000_000 },
      { userKey: 'u2', isRemote: false, inputTokens: 3_000_000_000 },
    ]);

    const line = (fingerprint: number, occurrences: number, sketch: Buffer | null) => ({ sessionId: 's', path: 'a.ts', fingerprint, occurrences, sketch, org: 'acme', firstWrittenAt: 'x' });
    const lineFields = ['sessionId', 'path', 'fingerprint', 'occurrences', 'sketch', 'org', 'firstWrittenAt'] as const;
    const addLines = (rows: ReturnType<typeof line>[]) =>
      t.db.run(sql`INSERT INTO session_line_fingerprints ${rowsToInsert(t.db, sessionLineFingerprints, lineFields, rows)}
        ON CONFLICT (org, session_id, path, fingerprint) DO UPDATE SET occurrences = session_line_fingerprints.occurrences + excluded.occurrences`);
    await addLines([line(-9_007_199_254_740_991, 1, Buffer.from([0, 255, 16])), line(2 ** 53 - 1, 2, null)]);
    await addLines([line(2 ** 53 - 1, 5, null)]);
    const lines = await t.db.select({ fingerprint: sessionLineFingerprints.fingerprint, occurrences: sessionLineFingerprints.occurrences, sketch: sessionLineFingerprints.sketch }).from(sessionLineFingerprints).orderBy(sessionLineFingerprints.fingerprint);
    expect(lines.map((l) => ({ ...l, sketch: l.sketch && [...l.sketch] }))).toEqual([
      { fingerprint: -9_007_199_254_740_991, occurrences: 1, sketch: [0, 255, 16] },
      { fingerprint: 2 ** 53 - 1, occurrences: 7, sketch: null },
    ]);

    const values = [0.1 + 0.2, 0.574, 1e-7, 123_456_789.123_456_79];
    await t.db.run(
      sql`INSERT INTO telemetry_daily ${rowsToInsert(t.db, telemetryDaily, ['org', 'day', 'sessionId', 'metric', 'dimension', 'value'], values.map((value, i) => ({ org: 'acme', day: 'd', sessionId: `s${i}`, metric: 'm', dimension: '', value })))}`,
    );
    expect((await t.db.select({ value: telemetryDaily.value }).from(telemetryDaily).orderBy(telemetryDaily.sessionId)).map((r) => r.value)).toEqual(values);

    const session = { id: 's1', org: 'acme', firstSeenAt: 'a', lastSeenAt: 'b', attributes: JSON.stringify({ team: 'web', n: 2 }), appVersion: null };
    await t.db.run(sql`INSERT INTO claude_sessions ${rowsToInsert(t.db, claudeSessions, ['id', 'org', 'firstSeenAt', 'lastSeenAt', 'attributes', 'appVersion'], [session])}`);
    expect(await t.db.select({ attributes: claudeSessions.attributes, appVersion: claudeSessions.appVersion }).from(claudeSessions)).toEqual([{ attributes: { team: 'web', n: 2 }, appVersion: null }]);
  });
});
