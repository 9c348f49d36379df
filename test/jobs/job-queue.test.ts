import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Db } from '../../src/db/client.js';
import { jobs } from '../../src/db/schema.js';
import { writeWhenFree } from '../../src/db/store-busy.js';
import { claimNextJob, countJobsByStatus, enqueueJob, enqueueJobOnce, failJob, jobStates, lastFailedJobs, LEASE_MS, postponeJob, retryFailedJobs } from '../../src/jobs/job-queue.js';
import { createTestDb, testEngine } from '../helpers/test-db.js';

const T0 = Date.parse('2026-11-21T21:10:05Z');
let t: Awaited<ReturnType<typeof createTestDb>>;

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

describe('job kinds', () => {
  it('derives each job’s dedupe key from its kind and payload', async () => {
    const keys = [
      await enqueueJob(t.db, { kind: 'enrich-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } }, T0),
      await enqueueJob(t.db, { kind: 'enrich-commit', payload: { installationId: 1, repositoryId: 9, commitId: 3, owner: 'acme', repo: 'widgets', sha: 'abc123' } }, T0),
      await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'Acme' } }, T0),
    ];
    await enqueueJobOnce(t.db, { kind: 'label-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } }, T0);
    expect(keys).toEqual(['enrich-pull-request:42', 'enrich-commit:9:abc123', 'org-member-count:acme']);
    expect(await t.db.select({ kind: jobs.kind, dedupeKey: jobs.dedupeKey }).from(jobs).orderBy(jobs.id)).toEqual([
      { kind: 'enrich-pull-request', dedupeKey: 'enrich-pull-request:42' },
      { kind: 'enrich-commit', dedupeKey: 'enrich-commit:9:abc123' },
      { kind: 'org-member-count', dedupeKey: 'org-member-count:acme' },
      { kind: 'label-pull-request', dedupeKey: 'label-pull-request:42' },
    ]);
  });

  it('queues a label once, ever', async () => {
    const label = { kind: 'label-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } } as const;
    expect(await enqueueJobOnce(t.db, label, T0)).toBe(true);
    await failJob(t.db, (await claimNextJob(t.db, T0))!.id, 'gone', T0);
    expect(await enqueueJobOnce(t.db, label, T0 + 1)).toBe(false);
    expect(await jobStates(t.db, ['label-pull-request:42'])).toEqual([{ dedupeKey: 'label-pull-request:42', status: 'failed', runAfter: T0, lastError: 'gone' }]);
  });
});

describe('retryFailedJobs', () => {
  it('re-arms the failed jobs and leaves the others alone', async () => {
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'acme' } }, T0);
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 2, org: 'globex' } }, T0);
    await failJob(t.db, (await claimNextJob(t.db, T0))!.id, '404 Not Found', T0);
    expect((await lastFailedJobs(t.db, 20)).map((j) => [j.dedupeKey, j.attempts, j.lastError])).toEqual([['org-member-count:acme', 1, '404 Not Found']]);

    expect(await retryFailedJobs(t.db, T0 + 60_000)).toBe(1);
    expect(await lastFailedJobs(t.db, 20)).toEqual([]);
    expect(await t.db.select().from(jobs).orderBy(jobs.id)).toMatchObject([
      { dedupeKey: 'org-member-count:acme', status: 'pending', attempts: 0, runAfter: T0 + 60_000, lastError: null, finishedAt: null },
      { dedupeKey: 'org-member-count:globex', status: 'pending', attempts: 0, runAfter: T0 },
    ]);
    expect(await retryFailedJobs(t.db, T0 + 120_000)).toBe(0);
  });
});

describe('countJobsByStatus', () => {
  it('counts all jobs, or those of one org by the owner or org of their payload, whatever its case', async () => {
    await enqueueJob(t.db, { kind: 'enrich-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'Acme', repo: 'widgets', number: 7 } }, T0);
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'acme' } }, T0 + 1);
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 2, org: 'globex' } }, T0 + 2);
    // The oldest (acme's pull request) is claimed and fails; acme's member count is claimed and still running.
    await failJob(t.db, (await claimNextJob(t.db, T0 + 10))!.id, 'gone', T0 + 10);
    await claimNextJob(t.db, T0 + 10);
    expect(await countJobsByStatus(t.db)).toEqual({ pending: 1, running: 1, done: 0, failed: 1 });
    expect(await countJobsByStatus(t.db, { org: 'ACME' })).toEqual({ pending: 0, running: 1, done: 0, failed: 1 });
    expect(await countJobsByStatus(t.db, { org: 'globex' })).toEqual({ pending: 1, running: 0, done: 0, failed: 0 });
    expect(await countJobsByStatus(t.db, { org: 'initech' })).toEqual({ pending: 0, running: 0, done: 0, failed: 0 });
  });
});

describe('postponeJob', () => {
  it('gives back the attempt its claim counted, never below zero', async () => {
    await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'acme' } }, T0);
    const claimed = (await claimNextJob(t.db, T0))!;
    expect(claimed.attempts).toBe(1);
    await postponeJob(t.db, claimed.id, 'busy', T0 + 2_000, T0);
    expect(await t.db.select({ status: jobs.status, attempts: jobs.attempts, runAfter: jobs.runAfter }).from(jobs)).toEqual([{ status: 'pending', attempts: 0, runAfter: T0 + 2_000 }]);
    await postponeJob(t.db, claimed.id, 'busy', T0 + 4_000, T0);
    expect(await t.db.select({ attempts: jobs.attempts }).from(jobs)).toEqual([{ attempts: 0 }]);
  });
});

describe('claimNextJob with several workers', () => {
  /** 20 jobs due one millisecond apart, so the oldest-first order is known: org-01 … org-20. */
  async function enqueueTwenty() {
    for (let i = 1; i <= 20; i++) {
      await enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: i, org: `org-${String(i).padStart(2, '0')}` } }, T0 + i);
    }
    return Array.from({ length: 20 }, (_, i) => `org-member-count:org-${String(i + 1).padStart(2, '0')}`);
  }

  /** Claims until nothing is due, as a worker's loop does (waiting out SQLite's write lock of the other connection). */
  async function claimAll(db: Db, now: number): Promise<string[]> {
    const claimed: string[] = [];
    for (;;) {
      const job = await writeWhenFree(() => claimNextJob(db, now), { maxWaitMs: 10_000 });
      if (!job) return claimed;
      expect(job).toMatchObject({ status: 'running', attempts: 1, lockedUntil: now + LEASE_MS });
      claimed.push(job.dedupeKey);
    }
  }

  it('never hands one job to two workers claiming at once from two processes', async () => {
    const keys = await enqueueTwenty();
    // A second handle on the same database: another replica, with connections of its own.
    const other = await createDb(t.url);
    try {
      const now = T0 + 1_000;
      const [mine, theirs] = await Promise.all([claimAll(t.db, now), claimAll(other, now)]);
      expect(mine.length + theirs.length).toBe(20);
      expect([...mine, ...theirs].sort()).toEqual(keys);
      // Both took part, each in oldest-first order.
      expect(mine.length).toBeGreaterThan(0);
      expect(theirs.length).toBeGreaterThan(0);
      expect(mine).toEqual([...mine].sort());
      expect(theirs).toEqual([...theirs].sort());
      expect(await t.db.select({ status: jobs.status, attempts: jobs.attempts }).from(jobs)).toEqual(Array.from({ length: 20 }, () => ({ status: 'running', attempts: 1 })));
    } finally {
      await closeDb(other);
    }
  });

  // PostgreSQL only: on SQLite an open transaction holds the whole database's write lock, so the
  // other connection's claim waits for it (busy) instead of skipping a row.
  it.skipIf(testEngine() === 'sqlite')('skips a job another worker has claimed but not committed yet, without waiting for it', async () => {
    const keys = await enqueueTwenty();
    const other = await createDb(t.url);
    try {
      const now = T0 + 1_000;
      await t.db.transaction(async () => {
        // This claim's row stays locked until the transaction commits.
        const first = await claimNextJob(t.db, now);
        // Without SKIP LOCKED the other replica would wait here for that commit (and this test for it: a deadlock).
        const second = await claimNextJob(other, now);
        expect([first?.dedupeKey, second?.dedupeKey]).toEqual([keys[0], keys[1]]);
      });
      expect((await claimNextJob(other, now))?.dedupeKey).toBe(keys[2]);
    } finally {
      await closeDb(other);
    }
  });
});
