import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pullRequestOutcomes } from '../../src/db/schema.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { sha, storePushedCommit, storeTimelinePr } from '../helpers/outcome-timelines.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/* Processing writes each merged PR's outcome, and credits a revert to the PR it reverts. */

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

const outcome = async (id: number) => (await t.db.select().from(pullRequestOutcomes).where(eq(pullRequestOutcomes.pullRequestId, id)))[0];
const process = (fromDay: string, toDay: string) => runProcessing(t.db, { org: 'acme', fromDay, toDay, now: () => new Date('2026-11-20T00:00:00Z') });

describe('outcomes in processing', () => {
  it('stores the times of a merged PR, its review rounds, and the revert PR that reverted it', async () => {
    const work = sha(1);
    await storeTimelinePr(t.db, {
      id: 1,
      number: 1,
      author: 'dana',
      createdAt: '2026-11-02T10:00:00.000Z',
      mergedAt: '2026-11-02T15:00:00.000Z',
      commits: [{ sha: work, authoredAt: '2026-11-02T09:00:00.000Z' }],
      reviews: [
        { id: 11, reviewer: 'dana', state: 'COMMENTED', at: '2026-11-02T10:30:00.000Z' },
        { id: 12, reviewer: 'renovate[bot]', bot: true, state: 'APPROVED', at: '2026-11-02T10:40:00.000Z' },
        { id: 13, reviewer: 'lee', state: 'CHANGES_REQUESTED', at: '2026-11-02T12:00:00.000Z' },
        { id: 14, reviewer: 'lee', state: 'APPROVED', at: '2026-11-02T14:00:00.000Z' },
      ],
    });
    // GitHub's Revert button: a PR whose body names #1, merged two days later.
    await storeTimelinePr(t.db, {
      id: 2,
      number: 2,
      author: 'lee',
      body: 'Reverts acme/widgets#1',
      createdAt: '2026-11-04T10:00:00.000Z',
      mergedAt: '2026-11-04T11:00:00.000Z',
      commits: [{ sha: sha(2), authoredAt: '2026-11-04T09:55:00.000Z', message: `Revert "PR 1"\n\nThis reverts commit ${work}.` }],
    });
    await process('2026-11-01', '2026-11-05');
    expect(await outcome(1)).toMatchObject({
      org: 'acme',
      day: '2026-11-02',
      firstCommitAt: '2026-11-02T09:00:00.000Z',
      cycleTimeSeconds: 6 * 3600,
      codingTimeSeconds: 3600,
      pickupTimeSeconds: 2 * 3600,
      reviewTimeSeconds: 3 * 3600,
      reviewRounds: 1,
      revertedBy: 'acme/widgets#2',
      revertedAt: '2026-11-04T11:00:00.000Z',
    });
    // The revert PR is not reverted by its own commit.
    expect(await outcome(2)).toMatchObject({ revertedBy: null, pickupTimeSeconds: null });
  });

  it('credits a commit pushed to the default branch that reverts the merge commit, and a revert landing after the range of the PR', async () => {
    const merge = sha(3);
    await storeTimelinePr(t.db, {
      id: 3,
      number: 3,
      author: 'sam',
      createdAt: '2026-11-02T10:00:00.000Z',
      mergedAt: '2026-11-02T12:00:00.000Z',
      mergeCommitSha: merge,
      commits: [{ sha: sha(30), authoredAt: '2026-11-02T08:00:00.000Z' }],
    });
    await process('2026-11-01', '2026-11-05');
    expect((await outcome(3))?.revertedBy).toBeNull();

    const revert = sha(31);
    await storePushedCommit(t.db, { sha: revert, message: `Revert "PR 3"\n\nThis reverts commit ${merge}, reversing\nchanges made to ${sha(32)}.`, pushedAt: '2026-11-12T09:00:00.000Z' });
    // A later run over a range that no longer holds PR 3's merge.
    await process('2026-11-10', '2026-11-14');
    expect(await outcome(3)).toMatchObject({ day: '2026-11-02', revertedBy: revert, revertedAt: '2026-11-12T09:00:00.000Z' });
  });

  it("ignores a PR of another repository or org whose body names the PR, and a draft's pickup starts when it was ready", async () => {
    await storeTimelinePr(t.db, {
      id: 5,
      number: 5,
      author: 'dana',
      draft: { readyAt: '2026-11-02T13:00:00.000Z' },
      createdAt: '2026-11-02T10:00:00.000Z',
      mergedAt: '2026-11-02T16:00:00.000Z',
      commits: [{ sha: sha(5), authoredAt: '2026-11-02T09:00:00.000Z' }],
      reviews: [{ id: 51, reviewer: 'lee', state: 'APPROVED', at: '2026-11-02T14:00:00.000Z' }],
    });
    await storeTimelinePr(t.db, {
      repository: { id: 9100, owner: 'mallory', name: 'widgets' },
      id: 6,
      number: 6,
      author: 'mallory',
      body: 'Reverts acme/widgets#5',
      createdAt: '2026-11-03T10:00:00.000Z',
      mergedAt: '2026-11-03T11:00:00.000Z',
      commits: [{ sha: sha(6), authoredAt: '2026-11-03T09:00:00.000Z' }],
    });
    await process('2026-11-01', '2026-11-05');
    expect(await outcome(5)).toMatchObject({ pickupTimeSeconds: 3600, revertedBy: null });
    await runProcessing(t.db, { org: 'mallory', fromDay: '2026-11-01', toDay: '2026-11-05' });
    expect((await outcome(5))?.revertedBy).toBeNull();
  });

  it('running twice gives the same rows', async () => {
    await storeTimelinePr(t.db, {
      id: 7,
      number: 7,
      author: 'dana',
      createdAt: '2026-11-02T10:00:00.000Z',
      mergedAt: '2026-11-02T16:00:00.000Z',
      commits: [{ sha: sha(7), authoredAt: '2026-11-02T09:00:00.000Z' }],
    });
    await process('2026-11-01', '2026-11-05');
    const first = await t.db.select().from(pullRequestOutcomes).orderBy(pullRequestOutcomes.pullRequestId);
    await process('2026-11-01', '2026-11-05');
    expect(await t.db.select().from(pullRequestOutcomes).orderBy(pullRequestOutcomes.pullRequestId)).toEqual(first);
  });
});
