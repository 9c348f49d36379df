import { afterEach, describe, expect, it } from 'vitest';
import { scheduleDailyWork } from '../../src/app-server.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { upsertInstallation } from '../../src/db/github-activity.js';
import { jobs, processingRuns } from '../../src/db/schema.js';
import { installationInput } from '../../src/github/handle-installation.js';
import { createProcessor } from '../../src/processing/processor.js';
import { scheduleProcessing } from '../../src/processing/scheduler.js';
import { INSTALLATION_ID, installationPayload } from '../helpers/github-payloads.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { silentLog } from '../helpers/test-probot.js';

let t: TestDb | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const schedule = ({ db, config }: { db: Db; config: Config }) =>
  scheduleProcessing({ processor: createProcessor({ db, config, log: silentLog }), schedule: config.processSchedule, log: silentLog });

describe('scheduleProcessing', () => {
  it('runs processing on the cron schedule and waits for a run in progress when stopped', async () => {
    t = await createTestDb();
    // Every second (croner's six-field form), so the test need not wait for 02:00.
    const config = loadConfig({ PROCESS_SCHEDULE: '* * * * * *' });
    const scheduled = schedule({ db: t.db, config });
    expect(scheduled.nextRun()!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    const deadline = Date.now() + 5000;
    while ((await t.db.select().from(processingRuns)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await scheduled.stop();
    const runs = await t.db.select().from(processingRuns);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
    expect(scheduled.nextRun()).toBeNull();
  });

  it('defaults to once a day at 02:00 UTC', async () => {
    const next = schedule({ db: (t = await createTestDb()).db, config: loadConfig({}) });
    const at = next.nextRun()!;
    expect([at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()]).toEqual([2, 0, 0]);
    await next.stop();
  });
});

describe('scheduleDailyWork: org member counts', () => {
  const tickOnce = async (env: Record<string, string>) => {
    t = await createTestDb();
    await upsertInstallation(t.db, installationInput(installationPayload('created').installation as never, 'active'));
    const config = loadConfig({ PROCESS_SCHEDULE: '* * * * * *', ...env });
    const db = t.db;
    const now = () => new Date();
    const scheduled = scheduleDailyWork({ db, config, processor: createProcessor({ db, config, log: silentLog, now }), log: silentLog, now });
    const deadline = Date.now() + 5000;
    while ((await t.db.select().from(processingRuns)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await scheduled.stop();
    return (await t.db.select().from(jobs)).map((j) => [j.kind, j.payload]);
  };

  it('each tick queues a count of the members of orgs not counted today, when SEATS is not set', async () => {
    expect(await tickOnce({})).toEqual([['org-member-count', { installationId: INSTALLATION_ID, org: 'acme' }]]);
  });

  it('queues none when SEATS is set', async () => {
    expect(await tickOnce({ SEATS: '40' })).toEqual([]);
  });
});
