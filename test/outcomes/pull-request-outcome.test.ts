import { describe, expect, it } from 'vitest';
import { pullRequestOutcome, type PullRequestTimeline } from '../../src/outcomes/pull-request-outcome.js';

/* Hand-built PR timelines, one per case the spec names (spec: Outcomes). Times are minutes after 09:00. */

const at = (minutes: number) => new Date(Date.parse('2026-11-02T09:00:00Z') + minutes * 60_000).toISOString();
const HOUR = 3600;

function timeline(over: Partial<PullRequestTimeline> = {}): PullRequestTimeline {
  return {
    authorLogins: ['dana', 'dana'],
    createdAt: at(60),
    mergedAt: at(300),
    openedAsDraft: false,
    firstReadyForReviewAt: null,
    firstConvertedToDraftAt: null,
    commitAuthoredAt: [at(30), at(0), at(50)],
    reviews: [{ reviewerLogin: 'lee', reviewerIsBot: false, state: 'APPROVED', submittedAt: at(120) }],
    reverts: [],
    ...over,
  };
}

describe('pullRequestOutcome', () => {
  it('a plain PR: first commit → opened → first review → merge', () => {
    expect(pullRequestOutcome(timeline())).toEqual({
      firstCommitAt: at(0),
      cycleTimeSeconds: 5 * HOUR,
      codingTimeSeconds: 1 * HOUR,
      pickupTimeSeconds: 1 * HOUR,
      reviewTimeSeconds: 3 * HOUR,
      reviewRounds: 0,
      revertedBy: null,
      revertedAt: null,
    });
  });

  it('a draft: pickup starts when it was first marked ready for review', () => {
    const o = pullRequestOutcome(timeline({ openedAsDraft: true, firstReadyForReviewAt: at(90) }));
    expect(o.pickupTimeSeconds).toBe(30 * 60);
    expect(o.codingTimeSeconds).toBe(HOUR);
  });

  it('a draft whose opened delivery was missed: the first draft change seen tells', () => {
    // ready_for_review seen first: it opened as a draft.
    expect(pullRequestOutcome(timeline({ openedAsDraft: null, firstReadyForReviewAt: at(90) })).pickupTimeSeconds).toBe(30 * 60);
    // converted_to_draft first, ready later: it opened ready, pickup starts at the opening.
    expect(pullRequestOutcome(timeline({ openedAsDraft: null, firstConvertedToDraftAt: at(70), firstReadyForReviewAt: at(90) })).pickupTimeSeconds).toBe(HOUR);
  });

  it('a draft reviewed before it was ready: no negative pickup', () => {
    const o = pullRequestOutcome(timeline({ openedAsDraft: true, firstReadyForReviewAt: at(200) }));
    expect(o.pickupTimeSeconds).toBe(0);
    expect(o.reviewTimeSeconds).toBe(3 * HOUR);
  });

  it('self-reviews and bot reviews are not a pickup; requests for changes by others are rounds', () => {
    const o = pullRequestOutcome(
      timeline({
        authorLogins: ['claude[bot]', 'Dana'],
        reviews: [
          { reviewerLogin: 'copilot-pull-request-reviewer[bot]', reviewerIsBot: true, state: 'CHANGES_REQUESTED', submittedAt: at(61) },
          { reviewerLogin: 'dana', reviewerIsBot: false, state: 'COMMENTED', submittedAt: at(62) },
          { reviewerLogin: 'claude[bot]', reviewerIsBot: false, state: 'COMMENTED', submittedAt: at(63) },
          { reviewerLogin: 'lee', reviewerIsBot: false, state: 'CHANGES_REQUESTED', submittedAt: at(180) },
          { reviewerLogin: 'sam', reviewerIsBot: false, state: 'changes_requested', submittedAt: at(240) },
          { reviewerLogin: 'lee', reviewerIsBot: false, state: 'APPROVED', submittedAt: at(270) },
          // After the merge: not part of this PR's review.
          { reviewerLogin: 'kim', reviewerIsBot: false, state: 'CHANGES_REQUESTED', submittedAt: at(400) },
        ],
      }),
    );
    expect(o).toMatchObject({ pickupTimeSeconds: 2 * HOUR, reviewTimeSeconds: 2 * HOUR, reviewRounds: 2 });
  });

  it('reviews listed in any order (one arrived before the PR event): the earliest counts', () => {
    const reviews = [
      { reviewerLogin: 'lee', reviewerIsBot: false, state: 'APPROVED', submittedAt: at(200) },
      { reviewerLogin: 'sam', reviewerIsBot: false, state: 'COMMENTED', submittedAt: at(90) },
    ];
    expect(pullRequestOutcome(timeline({ reviews })).pickupTimeSeconds).toBe(30 * 60);
    expect(pullRequestOutcome(timeline({ reviews: reviews.reverse() })).pickupTimeSeconds).toBe(30 * 60);
  });

  it('no review by someone else: pickup and review time unknown, cycle time still known', () => {
    const o = pullRequestOutcome(timeline({ reviews: [] }));
    expect(o).toMatchObject({ pickupTimeSeconds: null, reviewTimeSeconds: null, cycleTimeSeconds: 5 * HOUR, reviewRounds: 0 });
  });

  it('force-pushed commits keep their old author dates: the first commit is the earliest of them', () => {
    // Rebased on the day of the merge, written two days before: the work began then.
    const o = pullRequestOutcome(timeline({ commitAuthoredAt: [at(-2 * 24 * 60), at(250)] }));
    expect(o.firstCommitAt).toBe(at(-2 * 24 * 60));
    expect(o.cycleTimeSeconds).toBe(2 * 24 * HOUR + 5 * HOUR);
    expect(o.codingTimeSeconds).toBe(2 * 24 * HOUR + HOUR);
  });

  it('author dates after the merge or before git existed are ignored; commits all after opening mean no coding time', () => {
    expect(pullRequestOutcome(timeline({ commitAuthoredAt: ['1970-01-01T00:00:00.000Z', at(9_999), at(100), null] }))).toMatchObject({
      firstCommitAt: at(100),
      cycleTimeSeconds: (200 * 60),
      codingTimeSeconds: 0,
    });
    expect(pullRequestOutcome(timeline({ commitAuthoredAt: [] }))).toMatchObject({ firstCommitAt: null, cycleTimeSeconds: null, codingTimeSeconds: null });
  });

  it('reverted: by the earliest revert that landed after the merge', () => {
    const o = pullRequestOutcome(
      timeline({
        reverts: [
          { by: 'acme/widgets#50', at: at(2_000) },
          { by: 'ab'.repeat(20), at: at(1_000) },
          { by: 'acme/widgets#7', at: at(10) },
        ],
      }),
    );
    expect(o).toMatchObject({ revertedBy: 'ab'.repeat(20), revertedAt: at(1_000) });
  });
});
