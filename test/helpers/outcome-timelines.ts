import type { Db } from '../../src/db/client.js';
import {
  linkPullRequestCommits,
  markPullRequestEnriched,
  recordDraftChange,
  recordReview,
  upsertCommit,
  upsertPullRequest,
  upsertRepository,
} from '../../src/db/github-activity.js';

/*
 * Merged PRs with hand-built timelines, written through the store's own functions (as webhooks and
 * enrichment would), for processing and the outcomes API to work on.
 */

export interface TimelinePr {
  repository?: { id: number; owner: string; name: string };
  id: number;
  number: number;
  author: string;
  authorIsBot?: boolean;
  body?: string | null;
  createdAt: string;
  mergedAt: string;
  mergeCommitSha?: string;
  draft?: { readyAt: string };
  /** The PR's commits: sha, author date, message. */
  commits: { sha: string; authoredAt: string; message?: string }[];
  reviews?: { id: number; reviewer: string; bot?: boolean; state: string; at: string }[];
}

export const WIDGETS_REPO = { id: 7001, owner: 'acme', name: 'widgets' };

let nextId = 0;

export function storeTimelinePr(db: Db, pr: TimelinePr): void {
  const repo = pr.repository ?? WIDGETS_REPO;
  db.transaction((tx) => {
    upsertRepository(tx, { id: repo.id, ownerLogin: repo.owner, name: repo.name, fullName: `${repo.owner}/${repo.name}`, private: true }, 4242, pr.createdAt);
    upsertPullRequest(tx, {
      id: pr.id,
      repositoryId: repo.id,
      number: pr.number,
      authorId: null,
      authorLogin: pr.author,
      authorIsBot: pr.authorIsBot ?? false,
      title: `PR ${pr.number}`,
      body: pr.body ?? null,
      baseRef: 'main',
      headRef: `feature/${pr.number}`,
      headSha: pr.commits.at(-1)?.sha ?? null,
      draft: false,
      state: 'closed',
      createdAt: pr.createdAt,
      githubUpdatedAt: pr.mergedAt,
      closedAt: pr.mergedAt,
      mergedAt: pr.mergedAt,
      mergeCommitSha: pr.mergeCommitSha ?? null,
      additions: 10,
      deletions: 0,
      changedFiles: 1,
    });
    recordDraftChange(tx, { pullRequestId: pr.id, action: 'opened', at: pr.createdAt, draft: pr.draft !== undefined });
    if (pr.draft) recordDraftChange(tx, { pullRequestId: pr.id, action: 'ready_for_review', at: pr.draft.readyAt, draft: false });
    const ids = pr.commits.map((c) =>
      upsertCommit(tx, { repositoryId: repo.id, sha: c.sha, message: c.message ?? `Work on #${pr.number}`, authorLogin: pr.author, authoredAt: c.authoredAt, committedAt: pr.mergedAt, claudeCodeTrailer: false }),
    );
    linkPullRequestCommits(tx, pr.id, ids);
    for (const r of pr.reviews ?? []) {
      recordReview(tx, { id: r.id, pullRequestId: pr.id, reviewerLogin: r.reviewer, reviewerIsBot: r.bot ?? false, state: r.state, submittedAt: r.at });
    }
    markPullRequestEnriched(tx, pr.id, pr.mergedAt);
  });
}

/** A commit pushed straight to the default branch. */
export function storePushedCommit(db: Db, c: { sha: string; message: string; pushedAt: string; repository?: typeof WIDGETS_REPO }): void {
  const repo = c.repository ?? WIDGETS_REPO;
  db.transaction((tx) => {
    upsertRepository(tx, { id: repo.id, ownerLogin: repo.owner, name: repo.name, fullName: `${repo.owner}/${repo.name}`, private: true }, 4242, c.pushedAt);
    upsertCommit(tx, { repositoryId: repo.id, sha: c.sha, message: c.message, authoredAt: c.pushedAt, pushedToDefaultBranch: true, pushedAt: c.pushedAt, claudeCodeTrailer: false });
  });
}

/** A 40-hex sha made from a number, distinct per call site. */
export function sha(n: number): string {
  return (n + ++nextId * 1_000_000).toString(16).padStart(40, '0');
}
