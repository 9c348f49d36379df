import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertInstallation } from '../../src/db/github-activity.js';
import { getOrgSettings, setMemberCount } from '../../src/db/org-settings.js';
import { jobs } from '../../src/db/schema.js';
import { githubApp, githubJobHandlers } from '../../src/github/app.js';
import { installationInput } from '../../src/github/handle-installation.js';
import { enqueueStaleMemberCounts } from '../../src/github/org-member-count.js';
import { createProbot } from '../../src/github/probot.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { INSTALLATION_ID, installationPayload } from '../helpers/github-payloads.js';
import { GITHUB_API, nockInstallationToken, nockOrgMembers } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { silentLog, TEST_FINGERPRINT_KEY, testCredentials } from '../helpers/test-probot.js';

/*
 * The org's GitHub member count (the seats when SEATS is not set): a job in the durable queue,
 * queued when the app is installed on an organization and then at most once per UTC day.
 */

const T0 = Date.parse('2026-11-21T21:10:05Z');
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let clock = T0;

async function probotWith(countMembers: boolean) {
  const p = createProbot({ credentials: testCredentials(), baseUrl: GITHUB_API, log: silentLog, octokitRetries: false });
  await p.load(githubApp({ db: t.db, now: () => new Date(clock), countMembers }));
  return p;
}

function worker() {
  return new JobWorker({
    db: t.db,
    log: silentLog,
    pollIntervalMs: 1000,
    now: () => clock,
    random: () => 0.5,
    handlers: githubJobHandlers({ db: t.db, octokitFor: (id) => probot.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog, now: () => new Date(clock) }),
  });
}

const install = (payload: object = installationPayload('created')) => probot.receive({ id: `i-${Math.random()}`, name: 'installation', payload } as never);
const memberJobs = async () => (await t.db.select().from(jobs).orderBy(jobs.id)).filter((j) => j.kind === 'org-member-count');

beforeEach(async () => {
  clock = T0;
  t = await createTestDb();
  probot = await probotWith(true);
});

afterEach(async () => {
  await t.cleanup();
});

describe('the member-count job', () => {
  it('is queued when the app is installed on an organization, and stores every member counted across pages', async () => {
    await install();
    expect(await memberJobs()).toMatchObject([{ status: 'pending', payload: { installationId: INSTALLATION_ID, org: 'acme' } }]);
    nockInstallationToken(INSTALLATION_ID);
    const pages = nockOrgMembers('acme', 230); // 100 + 100 + 30
    expect(await worker().runDueJobs()).toBe(1);
    expect(pages.isDone()).toBe(true);
    expect(await memberJobs()).toMatchObject([{ status: 'done', attempts: 1 }]);
    expect(await getOrgSettings(t.db, 'acme')).toMatchObject({ memberCount: 230, memberCountAt: new Date(T0).toISOString() });
  });

  it('a redelivered installation queues no second count', async () => {
    const payload = installationPayload('created');
    await probot.receive({ id: 'same', name: 'installation', payload } as never);
    await probot.receive({ id: 'same', name: 'installation', payload } as never);
    expect(await memberJobs()).toHaveLength(1);
  });

  it('is not queued for a personal account, nor when SEATS is configured', async () => {
    const personal = installationPayload('created');
    personal.installation.account = { ...personal.installation.account, login: 'dana', id: 9001, type: 'User' };
    await install(personal);
    expect(await memberJobs()).toEqual([]);

    probot = await probotWith(false);
    await install();
    expect(await memberJobs()).toEqual([]);
  });

  it('retries a GitHub failure with backoff; a 404 (no access) fails for good', async () => {
    await install();
    nockInstallationToken(INSTALLATION_ID);
    nock(GITHUB_API).get('/orgs/acme/members').query(true).reply(502, { message: 'Server Error' });
    await worker().runDueJobs();
    expect(await memberJobs()).toMatchObject([{ status: 'pending', attempts: 1 }]);
    expect((await getOrgSettings(t.db, 'acme')).memberCount).toBeNull();

    clock += 60_000;
    nockOrgMembers('acme', 7);
    await worker().runDueJobs();
    expect(await memberJobs()).toMatchObject([{ status: 'done', attempts: 2 }]);
    expect((await getOrgSettings(t.db, 'acme')).memberCount).toBe(7);

    await setMemberCount(t.db, 'acme', 7, new Date(T0 - 86_400_000));
    await enqueueStaleMemberCounts(t.db, new Date(clock));
    nock(GITHUB_API).get('/orgs/acme/members').query(true).reply(404, { message: 'Not Found' });
    await worker().runDueJobs();
    expect(await memberJobs()).toMatchObject([{ status: 'failed', lastError: '404 Not Found' }]);
    expect((await getOrgSettings(t.db, 'acme')).memberCount).toBe(7); // the last good count stays
  });
});

describe('enqueueStaleMemberCounts', () => {
  const acme = () => installationInput(installationPayload('created').installation as never, 'active');

  it('queues the active organizations whose count is missing or from an earlier UTC day, once', async () => {
    await upsertInstallation(t.db, acme());
    await upsertInstallation(t.db, { ...acme(), id: 77, accountId: 77, accountLogin: 'Globex' });
    await upsertInstallation(t.db, { ...acme(), id: 78, accountId: 78, accountLogin: 'initech', status: 'suspended' });
    await upsertInstallation(t.db, { ...acme(), id: 79, accountId: 79, accountLogin: 'dana', accountType: 'User' });
    await setMemberCount(t.db, 'globex', 40, new Date('2026-11-21T00:30:00Z'));

    expect(await enqueueStaleMemberCounts(t.db, new Date('2026-11-21T23:00:00Z'))).toEqual(['acme']);
    expect((await memberJobs()).map((j) => j.payload)).toEqual([{ installationId: INSTALLATION_ID, org: 'acme' }]);
    // Still pending: queued again, it stays one job.
    await enqueueStaleMemberCounts(t.db, new Date('2026-11-21T23:30:00Z'));
    expect(await memberJobs()).toHaveLength(1);

    // The next UTC day, globex's count is stale too.
    expect((await enqueueStaleMemberCounts(t.db, new Date('2026-11-22T02:00:00Z'))).sort()).toEqual(['acme', 'globex']);
    expect((await memberJobs()).map((j) => (j.payload as { org: string }).org).sort()).toEqual(['Globex', 'acme']);
  });
});
