/*
 * The delivery outcome of one merged pull request (spec: Outcomes), from its timeline as stored:
 * its commits' author dates, when it was opened (and made ready for review, if a draft), its
 * reviews, its merge, and the earliest revert that landed after it. Pure: processing gathers the
 * timeline, this decides the times.
 */

export interface PullRequestTimeline {
  /** Everyone the PR counts for: its author, and whoever it is credited to (a PR Claude Code's bot opened). */
  authorLogins: string[];
  createdAt: string;
  mergedAt: string;
  /** Whether the `opened` delivery showed a draft; null when that delivery was not seen. */
  openedAsDraft: boolean | null;
  firstReadyForReviewAt: string | null;
  firstConvertedToDraftAt: string | null;
  /** Author dates of the PR's commits (as listed when it merged: force-pushed-away commits are gone). */
  commitAuthoredAt: (string | null)[];
  reviews: { reviewerLogin: string | null; reviewerIsBot: boolean; state: string; submittedAt: string }[];
  /** Reverts that landed: the reverting PR (`owner/repo#N`) or commit sha, and when it landed. */
  reverts: { by: string; at: string }[];
}

export interface PullRequestOutcome {
  firstCommitAt: string | null;
  cycleTimeSeconds: number | null;
  codingTimeSeconds: number | null;
  pickupTimeSeconds: number | null;
  reviewTimeSeconds: number | null;
  reviewRounds: number;
  revertedBy: string | null;
  revertedAt: string | null;
}

/** Git did not exist before this day: an author date before it is made up, and not a first commit. */
const GIT_EPOCH_MS = Date.parse('2005-04-07T00:00:00Z');

const seconds = (fromMs: number, toMs: number) => Math.max(0, Math.round((toMs - fromMs) / 1000));

/**
 * Whether the PR was a draft when opened. When the `opened` delivery was missed, the first draft
 * change seen tells: a `ready_for_review` first means it started as a draft, a `converted_to_draft`
 * first means it started ready.
 */
function openedAsDraft(t: PullRequestTimeline): boolean {
  if (t.openedAsDraft !== null) return t.openedAsDraft;
  if (t.firstReadyForReviewAt === null) return false;
  return t.firstConvertedToDraftAt === null || t.firstReadyForReviewAt < t.firstConvertedToDraftAt;
}

/**
 * - first commit: the earliest author date of its commits, ignoring dates after the merge or before
 *   git existed (clocks and forged dates); a rebased or force-pushed commit keeps its old author
 *   date, which is when the work began.
 * - cycle = first commit → merge; coding = first commit → opened (0 when every commit came later).
 * - pickup = ready for review (opened, or the first `ready_for_review` of a PR opened as a draft)
 *   → the first review before the merge by someone the PR does not count for and not a bot (0 when
 *   that review came while it was still a draft); review = that review → merge.
 * - review rounds: such reviews that requested changes.
 * - reverted: by the earliest revert that landed after the merge (one landing before it reverted
 *   something else of the same name, e.g. a reused sha of a rebased branch).
 */
export function pullRequestOutcome(t: PullRequestTimeline): PullRequestOutcome {
  const merged = Date.parse(t.mergedAt);
  const created = Date.parse(t.createdAt);
  let first: number | null = null;
  for (const at of t.commitAuthoredAt) {
    if (at === null) continue;
    const ms = Date.parse(at);
    if (!Number.isFinite(ms) || ms < GIT_EPOCH_MS || ms > merged) continue;
    if (first === null || ms < first) first = ms;
  }

  const authors = new Set(t.authorLogins.map((l) => l.toLowerCase()));
  let firstReview: number | null = null;
  let reviewRounds = 0;
  for (const r of t.reviews) {
    if (r.reviewerIsBot || r.reviewerLogin === null || authors.has(r.reviewerLogin.toLowerCase())) continue;
    const at = Date.parse(r.submittedAt);
    if (!Number.isFinite(at) || at > merged) continue;
    if (r.state.toLowerCase() === 'changes_requested') reviewRounds++;
    if (firstReview === null || at < firstReview) firstReview = at;
  }

  let revert: { by: string; at: string } | null = null;
  for (const r of t.reverts) {
    if (r.at < t.mergedAt) continue;
    if (revert === null || r.at < revert.at || (r.at === revert.at && r.by < revert.by)) revert = r;
  }

  const ready = openedAsDraft(t) && t.firstReadyForReviewAt !== null ? Date.parse(t.firstReadyForReviewAt) : created;
  return {
    firstCommitAt: first === null ? null : new Date(first).toISOString(),
    cycleTimeSeconds: first === null ? null : seconds(first, merged),
    codingTimeSeconds: first === null ? null : seconds(first, created),
    pickupTimeSeconds: firstReview === null ? null : seconds(ready, firstReview),
    reviewTimeSeconds: firstReview === null ? null : seconds(firstReview, merged),
    reviewRounds,
    revertedBy: revert?.by ?? null,
    revertedAt: revert?.at ?? null,
  };
}
