import { eq } from 'drizzle-orm';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedFiles, jobs, pullRequests } from '../../src/db/schema.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { enqueueJob, LEASE_MS } from '../../src/jobs/job-queue.js';
import { BASE_BACKOFF_MS, JobWorker, retryDelayFor, STORE_BUSY_RETRY_MS } from '../../src/jobs/job-worker.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, installationPayload, pullRequestPayload } from '../helpers/github-payloads.js';
import { GITHUB_API, nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

const claudeCommit = recordedCommits('rate-limiter-http-json-details-hooks')[1]!;
const repoRef = { owner: 'acme', repo: 'widgets', number: 42 };
const T0 = Date.parse('2026-11-21T21:10:05Z');

let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let clock = T0;

function makeWorker() {
  return new JobWorker({
    db: t.db,
    log: silentLog,
    pollIntervalMs: 1000,
    now: () => clock,
    random: () => 0.5,
    handlers: githubJobHandlers({ db: t.db, octokitFor: (id) => probot.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog }),
  });
}

async function mergePr42() {
  await probot.receive({ id: 'i', name: 'installation', payload: installationPayload('created') } as never);
  await probot.receive({ id: 'm', name: 'pull_request', payload: pullRequestPayload('closed', PR42_MERGED) } as never);
}

const job = async () => (await t.db.select().from(jobs).limit(1))[0]!;

beforeEach(async () => {
  clock = T0;
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => new Date(T0));
});

afterEach(async () => {
  await t.cleanup();
});

describe('enrichment job retries', () => {
  it('retries after a 502 with backoff, then completes', async () => {
    await mergePr42();
    nockInstallationToken(INSTALLATION_ID);
    nock(GITHUB_API).get('/repos/acme/widgets/pulls/42/commits').query(true).reply(502, { message: 'Server Error' });

    const worker = makeWorker();
    expect(await worker.runDueJobs()).toBe(1);
    expect(await job()).toMatchObject({ status: 'pending', attempts: 1, runAfter: T0 + BASE_BACKOFF_MS });
    expect((await job()).lastError).toMatch(/^502 /);

    // Not due again before its backoff ends.
    clock = T0 + BASE_BACKOFF_MS - 1;
    expect(await worker.runDueJobs()).toBe(0);

    clock = T0 + BASE_BACKOFF_MS;
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    expect(await worker.runDueJobs()).toBe(1);
    expect(await job()).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    expect(await t.db.select().from(changedFiles).where(eq(changedFiles.pullRequestId, PR42.id))).toHaveLength(2);
  });

  it('waits for the rate limit reset GitHub announces, then completes', async () => {
    await mergePr42();
    nockInstallationToken(INSTALLATION_ID);
    const resetAt = Math.floor(T0 / 1000) + 600;
    nock(GITHUB_API)
      .get('/repos/acme/widgets/pulls/42/commits')
      .query(true)
      .reply(403, { message: 'API rate limit exceeded for installation ID 4242.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) });

    const worker = makeWorker();
    await worker.runDueJobs();
    expect(await job()).toMatchObject({ status: 'pending', attempts: 1, runAfter: resetAt * 1000 + 1000 });

    clock = resetAt * 1000 + 1000;
    nock(GITHUB_API)
      .get('/repos/acme/widgets/pulls/42/commits')
      .query(true)
      .reply(429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '30' });
    await worker.runDueJobs();
    expect(await job()).toMatchObject({ status: 'pending', attempts: 2, runAfter: clock + 30_000 });

    clock += 30_000;
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    await worker.runDueJobs();
    expect(await job()).toMatchObject({ status: 'done', attempts: 3 });
    expect((await t.db.select().from(pullRequests).limit(1))[0]?.enrichedAt).not.toBeNull();
  });

  it('gives up at once on a 404 and keeps the reason', async () => {
    await mergePr42();
    nockInstallationToken(INSTALLATION_ID);
    nock(GITHUB_API).get('/repos/acme/widgets/pulls/42/commits').query(true).reply(404, { message: 'Not Found' });
    await makeWorker().runDueJobs();
    expect(await job()).toMatchObject({ status: 'failed', attempts: 1, lastError: '404 Not Found' });
  });

  it('stops after the last allowed attempt', async () => {
    await enqueueJob(t.db, { kind: 'enrich-pull-request', payload: { installationId: INSTALLATION_ID, pullRequestId: PR42.id, owner: 'acme', repo: 'widgets', number: 42 }, maxAttempts: 2 }, T0);
    nockInstallationToken(INSTALLATION_ID);
    nock(GITHUB_API).get('/repos/acme/widgets/pulls/42/commits').query(true).times(2).reply(503, {});
    const worker = makeWorker();
    await worker.runDueJobs();
    clock += 60_000;
    await worker.runDueJobs();
    expect(await job()).toMatchObject({ status: 'failed', attempts: 2 });
  });
});

describe('durability', () => {
  it('keeps a pending job across a restart and completes it after reopening the database', async () => {
    await mergePr42();
    const db = await t.reopen();
    expect((await db.select().from(jobs).limit(1))[0]).toMatchObject({ kind: 'enrich-pull-request', status: 'pending' });

    probot = await createTestProbot(db, () => new Date(T0));
    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    expect(await makeWorker().runDueJobs()).toBe(1);
    expect((await job()).status).toBe('done');
  });

  it('picks up a job whose worker died mid-run once its lease expires', async () => {
    await mergePr42();
    // A worker claims the job and the process dies before finishing it.
    let release!: () => void;
    const stuck = new JobWorker({
      db: t.db,
      log: silentLog,
      pollIntervalMs: 1000,
      now: () => clock,
      handlers: { 'enrich-pull-request': () => new Promise<void>((resolve) => (release = resolve)) },
    });
    const running = stuck.runDueJobs();
    await new Promise((r) => setTimeout(r, 10));
    expect(await job()).toMatchObject({ status: 'running', attempts: 1, lockedUntil: T0 + LEASE_MS });
    await t.reopen();

    expect(await makeWorker().runDueJobs()).toBe(0); // still leased
    clock = T0 + LEASE_MS;
    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    expect(await makeWorker().runDueJobs()).toBe(1);
    expect(await job()).toMatchObject({ status: 'done', attempts: 2 });
    release();
    await running.catch(() => undefined);
  });

  it('does not enqueue the same work twice while it is pending', async () => {
    // The same org, spelled two ways: the same dedupe key.
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'acme' } }, T0);
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 2, org: 'ACME' } }, T0 + 1);
    expect(await t.db.select().from(jobs)).toMatchObject([{ payload: { installationId: 1, org: 'acme' }, status: 'pending' }]);
  });
});

describe('retryDelayFor', () => {
  const now = T0;
  it.each([
    ['502', { status: 502 }, 1, BASE_BACKOFF_MS],
    ['500 on the third attempt', { status: 500 }, 3, BASE_BACKOFF_MS * 4],
    ['network reset', { code: 'ECONNRESET', message: 'socket hang up' }, 1, BASE_BACKOFF_MS],
    ['429 with retry-after', { status: 429, response: { headers: { 'retry-after': '12' } } }, 1, 12_000],
    ['403 rate limit without headers', { status: 403, message: 'API rate limit exceeded' }, 2, BASE_BACKOFF_MS * 2],
    ['404', { status: 404 }, 1, null],
    ['403 forbidden', { status: 403, message: 'Resource not accessible by integration' }, 1, null],
    ['a bug', new TypeError('x is undefined'), 1, null],
    ['the database busy with another writer (SQLITE_BUSY, wrapped by drizzle)', new Error('Failed query', { cause: Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }) }), 3, STORE_BUSY_RETRY_MS],
  ])('%s', (_name, error, attempt, expected) => {
    expect(retryDelayFor(error, attempt, now, () => 0.5)).toBe(expected);
  });

  it('never waits longer than an hour between attempts', () => {
    expect(retryDelayFor({ status: 500 }, 40, now, () => 0.5)).toBe(60 * 60_000);
  });
});
