import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { finishRun, startRun } from '../../src/db/rollups.js';
import { processingRuns } from '../../src/db/schema.js';
import { createProcessor } from '../../src/processing/processor.js';
import { ProcessingBusyError } from '../../src/processing/run-processing.js';
import { holdProcessingRunInChild } from '../helpers/hold-processing-run-in-child.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { silentLog } from '../helpers/test-probot.js';

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

const processorOf = () => createProcessor({ db: t.db, config: loadConfig({}), log: silentLog });
const runs = () =>
  t.db
    .select({ id: processingRuns.id, status: processingRuns.status, trigger: processingRuns.trigger, org: processingRuns.org })
    .from(processingRuns)
    .orderBy(processingRuns.id);

describe('createProcessor: start()', () => {
  it('says busy, at once, while another process holds a live run, and starts nothing', async () => {
    const held = await holdProcessingRunInChild(t.url);
    child = held.child;
    const processor = processorOf();
    expect(await processor.start({ org: 'acme', trigger: 'page' })).toBe('busy');
    expect(await runs()).toEqual([{ id: held.runId, status: 'running', trigger: 'cli', org: null }]);
    await expect(processor.run({ org: 'acme', trigger: 'cli' })).rejects.toBeInstanceOf(ProcessingBusyError);
  });

  it('says started once it holds the lock (the run is stored before it returns), then the run goes on in the background', async () => {
    const processor = processorOf();
    expect(await processor.start({ org: 'Acme', trigger: 'page' })).toBe('started');
    expect(await runs()).toEqual([{ id: 1, status: 'running', trigger: 'page', org: 'acme' }]);
    // The run just started holds the lock: a second request is told so, without waiting.
    expect(await processor.start({ org: 'acme', trigger: 'page' })).toBe('busy');
    await expect.poll(runs, { timeout: 15_000 }).toEqual([{ id: 1, status: 'succeeded', trigger: 'page', org: 'acme' }]);
    expect(await processor.start({ trigger: 'page' })).toBe('started');
    await expect.poll(async () => (await runs()).at(-1), { timeout: 15_000 }).toEqual({ id: 2, status: 'succeeded', trigger: 'page', org: null });
  });
});

describe('createProcessor: start() while an incremental run goes on', () => {
  it('says started, and the run follows once the incremental run ends', async () => {
    const incremental = await startRun(t.db, { org: null, fromDay: '2026-11-21', toDay: '2026-11-21', trigger: 'incremental' }, new Date());
    if (!('run' in incremental)) throw new Error('expected to start');
    const processor = processorOf();
    expect(await processor.start({ org: 'acme', trigger: 'page' })).toBe('started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await runs()).map((r) => r.trigger)).toEqual(['incremental']);
    await finishRun(t.db, incremental.run.id, { status: 'succeeded', attributed: 0, daysRecomputed: 0, corrections: 0 }, new Date());
    await expect.poll(async () => (await runs()).at(-1), { timeout: 15_000 }).toMatchObject({ status: 'succeeded', trigger: 'page', org: 'acme' });
  });
});

describe('createProcessor: run()', () => {
  it('runs with the processor’s clock and the config’s lookback, and resolves with the summary', async () => {
    const processor = createProcessor({ db: t.db, config: loadConfig({ PROCESS_LOOKBACK_DAYS: '3' }), log: silentLog, now: () => new Date('2026-11-21T12:00:00Z') });
    const summary = await processor.run({ trigger: 'schedule' });
    expect(summary.run).toMatchObject({ status: 'succeeded', trigger: 'schedule', fromDay: '2026-11-19', toDay: '2026-11-21', startedAt: '2026-11-21T12:00:00.000Z' });
  });
});
