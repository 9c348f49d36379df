import { sql } from 'drizzle-orm';
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

export async function storeTimelinePr(db: Db, pr: TimelinePr): Promise<void> {
  const repo = pr.repository ?? WIDGETS_REPO;
  await db.transaction(async (tx) => {
    await upsertRepository(tx, { id: repo.id, ownerLogin: repo.owner, name: repo.name, fullName: `${repo.owner}/${repo.name}`, private: true }, 4242, pr.createdAt);
    await upsertPullRequest(tx, {
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
    await recordDraftChange(tx, { pullRequestId: pr.id, action: 'opened', at: pr.createdAt, draft: pr.draft !== undefined });
    if (pr.draft) await recordDraftChange(tx, { pullRequestId: pr.id, action: 'ready_for_review', at: pr.draft.readyAt, draft: false });
    const ids: number[] = [];
    for (const c of pr.commits) {
      ids.push(await upsertCommit(tx, { repositoryId: repo.id, sha: c.sha, message: c.message ?? `Work on #${pr.number}`, authorLogin: pr.author, authoredAt: c.authoredAt, committedAt: pr.mergedAt, claudeCodeTrailer: false }));
    }
    await linkPullRequestCommits(tx, pr.id, ids);
    for (const r of pr.reviews ?? []) {
      await recordReview(tx, { id: r.id, pullRequestId: pr.id, reviewerLogin: r.reviewer, reviewerIsBot: r.bot ?? false, state: r.state, submittedAt: r.at });
    }
    await markPullRequestEnriched(tx, pr.id, pr.mergedAt);
  });
}

/** A commit pushed straight to the default branch. */
export async function storePushedCommit(db: Db, c: { sha: string; message: string; pushedAt: string; repository?: typeof WIDGETS_REPO }): Promise<void> {
  const repo = c.repository ?? WIDGETS_REPO;
  await db.transaction(async (tx) => {
    await upsertRepository(tx, { id: repo.id, ownerLogin: repo.owner, name: repo.name, fullName: `${repo.owner}/${repo.name}`, private: true }, 4242, c.pushedAt);
    await upsertCommit(tx, { repositoryId: repo.id, sha: c.sha, message: c.message, authoredAt: c.pushedAt, pushedToDefaultBranch: true, pushedAt: c.pushedAt, claudeCodeTrailer: false });
  });
}

/** A 40-hex sha made from a number, distinct per call site. */
export function sha(n: number): string {
  return (n + ++nextId * 1_000_000).toString(16).padStart(40, '0');
}

/**
 * A team's quarter of merged PRs for the outcomes surfaces: people a, b and c with three PRs of each
 * kind (with Claude Code 4 h faster in cycle time, each at their own pace), d with only two with
 * Claude Code (not enough for the same-author comparison), and a bot's PR. Which PRs count with
 * Claude Code and the spend are written as processing's results (the attribution itself is tested
 * elsewhere); PR 101 (a, with Claude Code) is reverted by PR 199.
 */
export async function storeOutcomesTeam(db: Db): Promise<number[]> {
  const people = [
    { login: 'a', pace: 8, withPrs: 3 },
    { login: 'b', pace: 12, withPrs: 3 },
    { login: 'c', pace: 20, withPrs: 3 },
    { login: 'd', pace: 10, withPrs: 2 },
  ];
  const withClaudeCode: number[] = [];
  let n = 100;
  for (const [i, p] of people.entries()) {
    for (let k = 0; k < 3 + p.withPrs; k++) {
      const isWith = k < p.withPrs;
      const number = ++n;
      const day = `2026-11-0${2 + (k % 5)}`;
      const cycle = (isWith ? p.pace - 4 : p.pace) + (k % 3) * 0.5;
      const firstCommit = Date.parse(`${day}T06:00:00Z`) - i * 60_000;
      await storeTimelinePr(db, {
        id: number,
        number,
        author: p.login,
        createdAt: new Date(firstCommit + 3600_000).toISOString(),
        mergedAt: new Date(firstCommit + cycle * 3600_000).toISOString(),
        commits: [{ sha: sha(number), authoredAt: new Date(firstCommit).toISOString() }],
        reviews: [{ id: number * 10, reviewer: people[(i + 1) % people.length]!.login, state: k === 0 ? 'CHANGES_REQUESTED' : 'APPROVED', at: new Date(firstCommit + 2 * 3600_000).toISOString() }],
      });
      if (isWith) withClaudeCode.push(number);
    }
  }
  await storeTimelinePr(db, {
    id: 150,
    number: 150,
    author: 'renovate[bot]',
    authorIsBot: true,
    createdAt: '2026-11-03T06:00:00.000Z',
    mergedAt: '2026-11-03T07:00:00.000Z',
    commits: [{ sha: sha(150), authoredAt: '2026-11-03T05:00:00.000Z' }],
  });
  await storeTimelinePr(db, {
    id: 199,
    number: 199,
    author: 'b',
    body: 'Reverts acme/widgets#101',
    createdAt: '2026-11-06T10:00:00.000Z',
    mergedAt: '2026-11-06T11:00:00.000Z',
    commits: [{ sha: sha(199), authoredAt: '2026-11-06T09:00:00.000Z' }],
  });
  return withClaudeCode;
}

/** After processing: the team's PRs with Claude Code (`numbers`), and $12 of spend on 2026-11-02 buying them. */
export async function markOutcomesTeamWithClaudeCode(db: Db, numbers: number[]): Promise<void> {
  for (const number of numbers) {
    await db.run(sql`UPDATE attributions SET with_claude_code = TRUE, lines_with_claude_code = lines_added WHERE org = 'acme' AND number = ${number}`);
  }
  await db.run(
    sql`UPDATE daily_org_metrics SET cost_micro_usd = CASE WHEN day = '2026-11-02' THEN 12000000 ELSE 0 END,
         pull_requests_with_claude_code = CASE WHEN day = '2026-11-02' THEN ${numbers.length} ELSE 0 END,
         lines_with_claude_code = CASE WHEN day = '2026-11-02' THEN 600 ELSE 0 END
       WHERE org = 'acme'`,
  );
}
