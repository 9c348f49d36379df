import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY0, HOUR, metricsRequest } from '../helpers/otlp-builders.js';
import { createTestApp } from '../helpers/test-app.js';

/*
 * What telemetry marks for incremental processing (README: Live numbers): every day its data fell
 * on, and a session only when the export changes what attribution reads of it (a new session, a
 * new day outside the span it was seen in, a new identity or working directory). Counters of a
 * known session on a known day change only the day's rollup.
 */

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeEach(async () => {
  t = await createTestApp({ now: () => new Date(Number((DAY0 + 50n * HOUR) / 1_000_000n)) });
});
afterEach(async () => {
  await t.cleanup();
});

async function send(points: Parameters<typeof metricsRequest>[0]) {
  const res = await t.app.request('/v1/metrics', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(metricsRequest(points)),
  });
  expect(res.status).toBe(200);
}

async function takeMarks() {
  const marks = await t.db.all<{ kind: string; key: string; day: string }>(sql`SELECT kind, key, day FROM processing_marks ORDER BY kind, key, day`);
  await t.db.run(sql`DELETE FROM processing_marks`);
  return marks;
}

const cost = (hours: number, attributes: Record<string, string> = {}) => ({ name: 'claude_code.cost.usage', value: 0.5, start: DAY0 + BigInt(hours) * HOUR - 1n, time: DAY0 + BigInt(hours) * HOUR, attributes });

describe('marks of OTLP metrics', () => {
  it('mark a new session from its first day, and its days', async () => {
    await send([cost(1), cost(30)]);
    expect(await takeMarks()).toEqual([
      { kind: 'day', key: '2026-11-21', day: '2026-11-21' },
      { kind: 'day', key: '2026-11-22', day: '2026-11-22' },
      { kind: 'session', key: 'sess-1', day: '2026-11-21' },
    ]);
  });

  it('mark only the day for more counters of a known session within the span it was seen in', async () => {
    await send([cost(1), cost(30)]);
    await takeMarks();
    await send([cost(2)]);
    expect(await takeMarks()).toEqual([{ kind: 'day', key: '2026-11-21', day: '2026-11-21' }]);
  });

  it('mark the session again for a day after its span, or an identity it did not have', async () => {
    await send([cost(1)]);
    await takeMarks();
    await send([cost(49)]);
    expect(await takeMarks()).toEqual([
      { kind: 'day', key: '2026-11-23', day: '2026-11-23' },
      { kind: 'session', key: 'sess-1', day: '2026-11-23' },
    ]);
    await send([cost(2, { 'user.account_uuid': 'acct-7' })]);
    expect(await takeMarks()).toEqual([
      { kind: 'day', key: '2026-11-21', day: '2026-11-21' },
      { kind: 'session', key: 'sess-1', day: '2026-11-21' },
    ]);
  });

  it('are not written again while one is pending', async () => {
    await send([cost(1)]);
    await send([cost(2)]);
    expect(await t.db.all(sql`SELECT kind, key, claim FROM processing_marks ORDER BY kind, key`)).toEqual([
      { kind: 'day', key: '2026-11-21', claim: 0 },
      { kind: 'session', key: 'sess-1', claim: 0 },
    ]);
  });
});
