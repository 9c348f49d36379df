import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processingRuns } from '../../src/db/schema.js';
import { ProcessingBusyError, runProcessing } from '../../src/processing/run-processing.js';
import { holdProcessingRunInChild } from '../helpers/hold-processing-run-in-child.js';
import { createTestDb } from '../helpers/test-db.js';

/*
 * One processing run at a time, and a run whose process died does not block the next one: on the
 * same host its process is asked at once (here a real child process killed with SIGKILL);
 * elsewhere it is presumed dead two minutes after its last heartbeat, and the refusal says so.
 */

let t: ReturnType<typeof createTestDb>;
let child: ChildProcess | undefined;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => {
  child?.kill('SIGKILL');
  t.cleanup();
});

const insertRun = (values: Partial<typeof processingRuns.$inferInsert>) =>
  t.db
    .insert(processingRuns)
    .values({ fromDay: '2026-11-01', toDay: '2026-11-21', status: 'running', trigger: 'cli', startedAt: '2026-11-22T02:00:00.000Z', heartbeatAt: '2026-11-22T02:00:00.000Z', ...values })
    .returning()
    .get();

describe('a processing run whose process died', () => {
  it('blocks nothing once its process is killed with SIGKILL: the next run abandons it at once and says why', async () => {
    const started = await holdProcessingRunInChild(t.path);
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
    expect(t.db.select({ id: processingRuns.id, status: processingRuns.status, pid: processingRuns.pid }).from(processingRuns).all()).toEqual([
      { id: started.runId, status: 'abandoned', pid },
      { id: summary.run.id, status: 'succeeded', pid: process.pid },
    ]);
  });

  it('of an earlier process with this pid (a restarted container) is abandoned at once', async () => {
    insertRun({ pid: process.pid, host: hostname(), processStartedAt: '2026-11-22T01:00:00.000Z', heartbeatAt: new Date().toISOString() });
    const summary = await runProcessing(t.db);
    expect(summary.abandoned.map((r) => r.error)).toEqual([`Its process (pid ${process.pid} on ${hostname()}) is no longer running.`]);
  });

  it('on another host is presumed dead two minutes after its last heartbeat, and the refusal says when', async () => {
    const heartbeat = new Date('2026-11-22T02:00:00.000Z');
    insertRun({ pid: 4242, host: 'worker-elsewhere', processStartedAt: '2026-11-22T01:00:00.000Z', heartbeatAt: heartbeat.toISOString() });
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
    insertRun({ ...self, heartbeatAt: new Date().toISOString() });
    await expect(runProcessing(t.db)).rejects.toBeInstanceOf(ProcessingBusyError);
  });
});
