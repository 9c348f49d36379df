import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimMarks, markForProcessing, oldestPendingMark, pendingMarkCount, releaseMarks } from '../../src/db/processing-marks.js';
import { finishRun, startRun } from '../../src/db/rollups.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

/* The marks incremental processing works from (README: Live numbers): pending, claimed by a run, released or taken again. */

let t: TestDb;
let running: number[] = [];
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  // A run holds the processing lock (PostgreSQL: a connection of its own) until it finishes.
  for (const id of running) await finishRun(t.db, id, { status: 'succeeded', attributed: 0, daysRecomputed: 0 }, NOW);
  running = [];
  await t.cleanup();
});

const NOW = new Date('2026-11-22T12:00:00.000Z');
const day = (d: string) => ({ org: 'acme', kind: 'day' as const, key: d, day: d });
const rows = () => t.db.all<{ key: string; claim: number }>(sql`SELECT key, claim FROM processing_marks ORDER BY key, claim`);

async function newRun(trigger = 'incremental') {
  const started = await startRun(t.db, { org: null, fromDay: '2026-11-22', toDay: '2026-11-22', trigger }, NOW);
  if (!('run' in started)) throw new Error('expected to start');
  running.push(started.run.id);
  return started.run;
}

describe('processing marks', () => {
  it('keep one pending row per thing marked, the time it was first marked, and lowercase orgs', async () => {
    await markForProcessing(t.db, [day('2026-11-21'), day('2026-11-21'), { ...day('2026-11-22'), org: 'Acme' }], '2026-11-22T10:00:00.000Z');
    await markForProcessing(t.db, [day('2026-11-21')], '2026-11-22T11:00:00.000Z');
    expect(await t.db.all(sql`SELECT org, key, claim, marked_at AS "markedAt" FROM processing_marks ORDER BY key`)).toEqual([
      { org: 'acme', key: '2026-11-21', claim: 0, markedAt: '2026-11-22T10:00:00.000Z' },
      { org: 'acme', key: '2026-11-22', claim: 0, markedAt: '2026-11-22T10:00:00.000Z' },
    ]);
    expect(await oldestPendingMark(t.db, NOW)).toBe('2026-11-22T10:00:00.000Z');
  });

  it('are claimed by a run, and a mark made meanwhile stays pending beside the claimed one', async () => {
    await markForProcessing(t.db, [day('2026-11-21'), day('2026-11-22')], '2026-11-22T10:00:00.000Z');
    const run = await newRun();
    const claimed = await claimMarks(t.db, { runId: run.id, now: NOW, covers: (m) => m.key === '2026-11-22' });
    expect(claimed).toEqual([{ ...day('2026-11-22'), markedAt: '2026-11-22T10:00:00.000Z' }]);
    await markForProcessing(t.db, [day('2026-11-22')], '2026-11-22T11:00:00.000Z');
    expect(await rows()).toEqual([
      { key: '2026-11-21', claim: 0 },
      { key: '2026-11-22', claim: 0 },
      { key: '2026-11-22', claim: run.id },
    ]);
    // The run's own claims are not pending while it lives.
    expect(await pendingMarkCount(t.db, 'acme', NOW)).toBe(2);
    await releaseMarks(t.db, run.id);
    expect(await rows()).toEqual([
      { key: '2026-11-21', claim: 0 },
      { key: '2026-11-22', claim: 0 },
    ]);
  });

  it('of a run that failed are pending again, and the next run claims them once with the pending copy', async () => {
    await markForProcessing(t.db, [day('2026-11-22')], '2026-11-22T10:00:00.000Z');
    const failed = await newRun();
    await claimMarks(t.db, { runId: failed.id, now: NOW });
    await markForProcessing(t.db, [day('2026-11-22')], '2026-11-22T11:00:00.000Z');
    await finishRun(t.db, failed.id, { status: 'failed', attributed: 0, daysRecomputed: 0, error: 'boom' }, NOW);
    running = running.filter((id) => id !== failed.id);
    expect(await pendingMarkCount(t.db, 'acme', NOW)).toBe(2);
    const next = await newRun();
    expect(await claimMarks(t.db, { runId: next.id, now: NOW })).toEqual([{ ...day('2026-11-22'), markedAt: '2026-11-22T10:00:00.000Z' }]);
    expect(await rows()).toEqual([{ key: '2026-11-22', claim: next.id }]);
  });
});

// A writer that found its mark pending inserted none: the claim must wait for its commit, or the run
// would read the store before the writer's data is in it and drop the mark that stood for it.
describe.skipIf(testEngine() !== 'postgres')('a claim on PostgreSQL', () => {
  it('waits for the commit of a writer whose mark was already pending', async () => {
    await markForProcessing(t.db, [day('2026-11-22')], '2026-11-22T10:00:00.000Z');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let marked!: () => void;
    const markedNow = new Promise<void>((resolve) => (marked = resolve));
    const writer = t.db.transaction(async (tx) => {
      await markForProcessing(tx, [day('2026-11-22')], '2026-11-22T10:30:00.000Z');
      await tx.run(sql`INSERT INTO rate_limit_windows (key, window_start, used) VALUES ('writer-data', '2026-11-22T10:30:00.000Z', 1)`);
      marked();
      await held;
    });
    await markedNow;
    const run = await newRun();
    let claimedAt = 0;
    const claim = claimMarks(t.db, { runId: run.id, now: NOW }).then((claimed) => {
      claimedAt = performance.now();
      return claimed;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(claimedAt).toBe(0);
    const committedAt = performance.now();
    release();
    await writer;
    expect(await claim).toHaveLength(1);
    expect(claimedAt).toBeGreaterThanOrEqual(committedAt);
    // What the run reads next includes the writer's data.
    expect(await t.db.get(sql`SELECT used FROM rate_limit_windows WHERE key = 'writer-data'`)).toEqual({ used: 1 });
  });
});
