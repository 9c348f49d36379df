import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.js';
import { finishRun, startRun } from '../../src/db/rollups.js';
import { processingRuns } from '../../src/db/schema.js';
import { ProcessingBusyError, runProcessing } from '../../src/processing/run-processing.js';
import { holdProcessingRunInChild } from '../helpers/hold-processing-run-in-child.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

/*
 * One processing run at a time, and a run whose process died does not block the next one: on the
 * same host its process is asked at once (here a real child process killed with SIGKILL);
 * elsewhere it is presumed dead two minutes after its last heartbeat, and the refusal says so.
 */

let t: TestDb;
let child: ChildProcess | undefined;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await t.cleanup();
});

const insertRun = async (values: Partial<typeof processingRuns.$inferInsert>) =>
  (
    await t.db
      .insert(processingRuns)
      .values({ fromDay: '2026-11-01', toDay: '2026-11-21', status: 'running', trigger: 'cli', startedAt: '2026-11-22T02:00:00.000Z', heartbeatAt: '2026-11-22T02:00:00.000Z', ...values })
      .returning()
  )[0]!;

describe('a processing run whose process died', () => {
  it('blocks nothing once its process is killed with SIGKILL: the next run abandons it at once and says why', async () => {
    const started = await holdProcessingRunInChild(t.url);
    child = started.child;
    const pid = child.pid!;

    // Alive: refused, naming the run and its process.
    const refused = await runProcessing(t.db).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProcessingBusyError);
    expect((refused as Error).message).toMatch(
      new RegExp(`^Another processing run \\(#${started.runId}, pid ${pid} on ${hostname()}, started \\S+, last heartbeat \\d+ s ago\\) is in progress; try again when it ends\\.$`),
    );

    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const summary = await runProcessing(t.db);
    expect(summary.run.status).toBe('succeeded');
    expect(summary.abandoned.map((r) => [r.id, r.status, r.error])).toEqual([
      [started.runId, 'abandoned', `Its process (pid ${pid} on ${hostname()}) is no longer running.`],
    ]);
    expect(await t.db.select({ id: processingRuns.id, status: processingRuns.status, pid: processingRuns.pid }).from(processingRuns).orderBy(processingRuns.id)).toEqual([
      { id: started.runId, status: 'abandoned', pid },
      { id: summary.run.id, status: 'succeeded', pid: process.pid },
    ]);
  });

  it('of an earlier process with this pid (a restarted container) is abandoned at once', async () => {
    await insertRun({ pid: process.pid, host: hostname(), processStartedAt: '2026-11-22T01:00:00.000Z', heartbeatAt: new Date().toISOString() });
    const summary = await runProcessing(t.db);
    expect(summary.abandoned.map((r) => r.error)).toEqual([`Its process (pid ${process.pid} on ${hostname()}) is no longer running.`]);
  });

  it('on another host is presumed dead two minutes after its last heartbeat, and the refusal says when', async () => {
    const heartbeat = new Date('2026-11-22T02:00:00.000Z');
    await insertRun({ pid: 4242, host: 'worker-elsewhere', processStartedAt: '2026-11-22T01:00:00.000Z', heartbeatAt: heartbeat.toISOString() });
    const at = (ms: number) => () => new Date(heartbeat.getTime() + ms);

    await expect(runProcessing(t.db, { now: at(90_000) })).rejects.toThrow(
      'Another processing run (#1, pid 4242 on worker-elsewhere, started 2026-11-22T02:00:00.000Z, last heartbeat 90 s ago) is in progress; try again when it ends. ' +
        'Its process cannot be checked from this host: if it died, the run is presumed dead at 2026-11-22T02:02:00.000Z, 2 minutes after its last heartbeat.',
    );
    const summary = await runProcessing(t.db, { now: at(130_000) });
    expect(summary.abandoned.map((r) => r.error)).toEqual([
      'Presumed dead: no heartbeat for 130 s (since 2026-11-22T02:00:00.000Z) from pid 4242 on worker-elsewhere.',
    ]);
  });

  it('in this very process is alive: a second run here is refused', async () => {
    const self = { pid: process.pid, host: hostname(), processStartedAt: new Date(Math.round(performance.timeOrigin)).toISOString() };
    await insertRun({ ...self, heartbeatAt: new Date().toISOString() });
    await expect(runProcessing(t.db)).rejects.toBeInstanceOf(ProcessingBusyError);
  });
});

// PostgreSQL only: the advisory lock is what tells replicas on other hosts apart from dead ones
// (SQLite has one host's processes only, and presumes a silent run dead after two minutes).
describe.skipIf(testEngine() !== 'postgres')('one processing run at a time across replicas (PostgreSQL advisory lock)', () => {
  const range = { org: null, fromDay: '2026-11-01', toDay: '2026-11-21', trigger: 'cli' };
  const elsewhere = { pid: 4242, host: 'worker-elsewhere', processStartedAt: '2026-11-22T01:00:00.000Z' };
  const at = new Date('2026-11-22T02:00:00.000Z');
  const later = new Date(at.getTime() + 10 * 60_000);

  it('keeps another replica busy while a run holds the lock, even once its row looks silent, and lets it start when the run ends', async () => {
    const replica = await createDb(t.url);
    try {
      const first = await startRun(t.db, range, at, elsewhere);
      if (!('run' in first)) throw new Error('expected a run');
      // Ten minutes without a heartbeat, from another host: only the lock says it is alive.
      expect(await startRun(replica, range, later)).toEqual({ busy: first.run });
      await finishRun(t.db, first.run.id, { status: 'succeeded', attributed: 0, daysRecomputed: 0 }, later);
      const second = await startRun(replica, range, later);
      expect(second).toMatchObject({ run: { id: first.run.id + 1, status: 'running' }, abandoned: [] });
      // And the other way round: the first replica is now the one refused.
      expect(await startRun(t.db, range, later, elsewhere)).toMatchObject({ busy: { id: first.run.id + 1 } });
      if ('run' in second) await finishRun(replica, second.run.id, { status: 'succeeded', attributed: 0, daysRecomputed: 0 }, later);
    } finally {
      await closeDb(replica);
    }
  });

  it('is released by a run that fails', async () => {
    const replica = await createDb(t.url);
    try {
      const crash = () => {
        throw new Error('simulated crash');
      };
      await expect(runProcessing(t.db, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-21', beforeDayCommit: crash })).rejects.toThrow('simulated crash');
      const summary = await runProcessing(replica, { org: 'acme', fromDay: '2026-11-21', toDay: '2026-11-21' });
      expect(summary.run.status).toBe('succeeded');
      expect((await t.db.select({ status: processingRuns.status }).from(processingRuns).orderBy(processingRuns.id)).map((r) => r.status)).toEqual(['failed', 'succeeded']);
    } finally {
      await closeDb(replica);
    }
  });
});
