import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobs, pullRequests } from '../../src/db/schema.js';
import { StoreBusyError } from '../../src/db/store-busy.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { enqueueJob } from '../../src/jobs/job-queue.js';
import { JobWorker, STORE_BUSY_RETRY_MS } from '../../src/jobs/job-worker.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, installationPayload, pullRequestPayload, pushPayload } from '../helpers/github-payloads.js';
import { nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb, testEngine } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * Another process (the command line, a backup) holds SQLite's write lock while a job stores what
 * it fetched from GitHub. The job's write waits for the lock with timers instead of failing at
 * once and burning an attempt; a job whose wait runs out is run again later with its attempt given back.
 */

const history = recordedCommits('rate-limiter-http-json-details-hooks');
const claudeCommit = history[1]!;
const NOW = new Date('2026-11-21T21:10:05Z');
const RUN_AT = NOW.getTime() + 10 * 60_000;

let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
/** A second SQLite connection to the same file (another process); none on PostgreSQL, which has no database-wide write lock. */
let holder: Database.Database | undefined;

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
  holder = testEngine() === 'sqlite' ? new Database(t.path) : undefined;
});

afterEach(async () => {
  if (holder?.inTransaction) holder.exec('ROLLBACK');
  holder?.close();
  await t.cleanup();
});

describe('a job storing its result while another connection holds the write lock', () => {
  // SQLite only: PostgreSQL has no write lock held by a whole connection; its writers lock rows.
  it.skipIf(testEngine() === 'postgres')('waits for the lock and enriches the pull request on its first attempt', async () => {
    const other = holder!;
    await probot.receive({ id: 'd-installation', name: 'installation', payload: installationPayload('created') } as never);
    await probot.receive({ id: 'd-opened', name: 'pull_request', payload: pullRequestPayload('opened', PR42) } as never);
    await probot.receive({ id: 'd-push', name: 'push', payload: pushPayload('feature/rate-limit', [claudeCommit], { distinct: true }) } as never);
    await probot.receive({ id: 'd-closed', name: 'pull_request', payload: pullRequestPayload('closed', PR42_MERGED) } as never);
    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [claudeCommit], DANA.login);

    // The lock is taken once the job is claimed, and let go only after GitHub has answered every
    // request and the job's write has met the lock.
    let heldMs = 0;
    const worker = new JobWorker({
      db: t.db,
      log: silentLog,
      pollIntervalMs: 1000,
      now: () => RUN_AT,
      random: () => 0.5,
      handlers: githubJobHandlers({
        db: t.db,
        octokitFor: async (id) => {
          other.exec('BEGIN IMMEDIATE');
          const taken = performance.now();
          const release = setInterval(() => {
            if (!nock.isDone() || performance.now() - taken < 300) return;
            clearInterval(release);
            other.exec('COMMIT');
            heldMs = performance.now() - taken;
          }, 20);
          return probot.auth(id);
        },
        fingerprintKey: TEST_FINGERPRINT_KEY,
        log: silentLog,
        now: () => NOW,
      }),
    });
    expect(await worker.runDueJobs()).toBe(1);

    expect(heldMs).toBeGreaterThanOrEqual(300);
    expect((await t.db.select().from(jobs).limit(1))[0]).toMatchObject({ kind: 'enrich-pull-request', status: 'done', attempts: 1, lastError: null });
    expect((await t.db.select().from(pullRequests).where(eq(pullRequests.id, PR42.id)).limit(1))[0]?.enrichedAt).toBe(NOW.toISOString());
  });

  it('is postponed without using an attempt when the store stays busy past the wait, however often', async () => {
    await t.db.transaction((tx) => enqueueJob(tx, { kind: 'org-member-count', payload: { installationId: 1, org: 'busy' }, maxAttempts: 3 }, RUN_AT));
    let runs = 0;
    let now = RUN_AT;
    const worker = new JobWorker({
      db: t.db,
      log: silentLog,
      pollIntervalMs: 1000,
      now: () => now,
      random: () => 0.5,
      handlers: {
        'org-member-count': async () => {
          runs++;
          if (runs <= 5) throw new StoreBusyError(5_000);
        },
      },
    });

    for (let i = 1; i <= 5; i++) {
      expect(await worker.runDueJobs()).toBe(1);
      const [job] = await t.db.select().from(jobs).limit(1);
      expect(job).toMatchObject({ status: 'pending', attempts: 0, runAfter: now + STORE_BUSY_RETRY_MS });
      expect(job?.lastError).toContain('busy with another writer');
      // Not due again before its delay.
      expect(await worker.runDueJobs()).toBe(0);
      now += STORE_BUSY_RETRY_MS;
    }
    // Five busy runs later (more than maxAttempts), the job still runs and is done on its first counted attempt.
    expect(await worker.runDueJobs()).toBe(1);
    expect((await t.db.select().from(jobs).limit(1))[0]).toMatchObject({ status: 'done', attempts: 1, lastError: null });
    expect(runs).toBe(6);
  });
});
