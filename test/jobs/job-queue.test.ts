import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/schema.js';
import { claimNextJob, enqueueJob, enqueueJobOnce, failJob, jobStates, lastFailedJobs, retryFailedJobs } from '../../src/jobs/job-queue.js';
import { createTestDb } from '../helpers/test-db.js';

const T0 = Date.parse('2026-11-21T21:10:05Z');
let t: ReturnType<typeof createTestDb>;

beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

describe('job kinds', () => {
  it('derives each job’s dedupe key from its kind and payload', () => {
    const keys = [
      enqueueJob(t.db, { kind: 'enrich-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } }, T0),
      enqueueJob(t.db, { kind: 'enrich-commit', payload: { installationId: 1, repositoryId: 9, commitId: 3, owner: 'acme', repo: 'widgets', sha: 'abc123' } }, T0),
      enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'Acme' } }, T0),
    ];
    enqueueJobOnce(t.db, { kind: 'label-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } }, T0);
    expect(keys).toEqual(['enrich-pull-request:42', 'enrich-commit:9:abc123', 'org-member-count:acme']);
    expect(t.db.select({ kind: jobs.kind, dedupeKey: jobs.dedupeKey }).from(jobs).all()).toEqual([
      { kind: 'enrich-pull-request', dedupeKey: 'enrich-pull-request:42' },
      { kind: 'enrich-commit', dedupeKey: 'enrich-commit:9:abc123' },
      { kind: 'org-member-count', dedupeKey: 'org-member-count:acme' },
      { kind: 'label-pull-request', dedupeKey: 'label-pull-request:42' },
    ]);
  });

  it('queues a label once, ever', () => {
    const label = { kind: 'label-pull-request', payload: { installationId: 1, pullRequestId: 42, owner: 'acme', repo: 'widgets', number: 7 } } as const;
    expect(enqueueJobOnce(t.db, label, T0)).toBe(true);
    failJob(t.db, claimNextJob(t.db, T0)!.id, 'gone', T0);
    expect(enqueueJobOnce(t.db, label, T0 + 1)).toBe(false);
    expect(jobStates(t.db, ['label-pull-request:42'])).toEqual([{ dedupeKey: 'label-pull-request:42', status: 'failed', runAfter: T0, lastError: 'gone' }]);
  });
});

describe('retryFailedJobs', () => {
  it('re-arms the failed jobs and leaves the others alone', () => {
    enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 1, org: 'acme' } }, T0);
    enqueueJob(t.db, { kind: 'org-member-count', payload: { installationId: 2, org: 'globex' } }, T0);
    failJob(t.db, claimNextJob(t.db, T0)!.id, '404 Not Found', T0);
    expect(lastFailedJobs(t.db, 20).map((j) => [j.dedupeKey, j.attempts, j.lastError])).toEqual([['org-member-count:acme', 1, '404 Not Found']]);

    expect(retryFailedJobs(t.db, T0 + 60_000)).toBe(1);
    expect(lastFailedJobs(t.db, 20)).toEqual([]);
    expect(t.db.select().from(jobs).all()).toMatchObject([
      { dedupeKey: 'org-member-count:acme', status: 'pending', attempts: 0, runAfter: T0 + 60_000, lastError: null, finishedAt: null },
      { dedupeKey: 'org-member-count:globex', status: 'pending', attempts: 0, runAfter: T0 },
    ]);
    expect(retryFailedJobs(t.db, T0 + 120_000)).toBe(0);
  });
});
