import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { upsertInstallation } from '../../src/db/github-activity.js';
import { jobs, processingRuns } from '../../src/db/schema.js';
import { installationInput } from '../../src/github/handle-installation.js';
import { scheduleProcessing } from '../../src/processing/scheduler.js';
import { INSTALLATION_ID, installationPayload } from '../helpers/github-payloads.js';
import { createTestDb } from '../helpers/test-db.js';
import { silentLog } from '../helpers/test-probot.js';

let t: ReturnType<typeof createTestDb> | undefined;
afterEach(() => t?.cleanup());

describe('scheduleProcessing', () => {
  it('runs processing on the cron schedule and waits for a run in progress when stopped', async () => {
    t = createTestDb();
    // Every second (croner's six-field form), so the test need not wait for 02:00.
    const config = loadConfig({ PROCESS_SCHEDULE: '* * * * * *' });
    const schedule = scheduleProcessing({ db: t.db, config, log: silentLog });
    expect(schedule.nextRun()!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    const deadline = Date.now() + 5000;
    while (t.db.select().from(processingRuns).all().length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await schedule.stop();
    const runs = t.db.select().from(processingRuns).all();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
    expect(schedule.nextRun()).toBeNull();
  });

  it('defaults to once a day at 02:00 UTC', () => {
    const next = scheduleProcessing({ db: (t = createTestDb()).db, config: loadConfig({}), log: silentLog });
    const at = next.nextRun()!;
    expect([at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()]).toEqual([2, 0, 0]);
    void next.stop();
  });
});

describe('scheduleProcessing: org member counts', () => {
  const tickOnce = async (env: Record<string, string>) => {
    t = createTestDb();
    upsertInstallation(t.db, installationInput(installationPayload('created').installation as never, 'active'));
    const schedule = scheduleProcessing({ db: t.db, config: loadConfig({ PROCESS_SCHEDULE: '* * * * * *', ...env }), log: silentLog });
    const deadline = Date.now() + 5000;
    while (t.db.select().from(processingRuns).all().length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await schedule.stop();
    return t.db.select().from(jobs).all().map((j) => [j.kind, j.payload]);
  };

  it('each tick queues a count of the members of orgs not counted today, when SEATS is not set', async () => {
    expect(await tickOnce({})).toEqual([['org-member-count', { installationId: INSTALLATION_ID, org: 'acme' }]]);
  });

  it('queues none when SEATS is set', async () => {
    expect(await tickOnce({ SEATS: '40' })).toEqual([]);
  });
});
