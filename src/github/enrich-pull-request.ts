import type { ProbotOctokit } from 'probot';
import { hasClaudeCodeTrailer, isClaudeBotLogin } from '../attribution/claude-code-markers.js';
import { summarizeFileChange } from '../attribution/file-change.js';
import type { Db } from '../db/client.js';
import {
  directPushesOfPullRequest,
  linkPullRequestCommits,
  markCommitEnriched,
  markPullRequestEnriched,
  recordReview,
  replaceChangedFiles,
  toIso,
  upsertCommit,
} from '../db/github-activity.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { pullRequests } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { markForProcessing } from '../db/processing-marks.js';
import { writeWhenFree } from '../db/store-busy.js';
import type { EnrichPullRequestPayload } from '../jobs/job-kinds.js';
import { JOB_WRITE_WAIT_MS } from '../jobs/job-worker.js';

/** Reviews read of one PR (10 pages): what outcomes need is the first ones and those requesting changes. */
export const MAX_REVIEWS = 1_000;

/** PRs with more commits are enriched from the PR's diff alone (one API call per commit otherwise). */
export const MAX_COMMITS_WITH_DIFFS = 50;

/** What an enrichment job works with: the store, the installation's client, the key that fingerprints lines, its payload. */
export interface Enrichment<P> {
  db: Db;
  octokit: ProbotOctokit;
  fingerprintKey: string;
  payload: P;
  now: () => Date;
}

/** The parts of a REST commit (`pulls.listCommits`, `repos.getCommit`) the store keeps. */
export interface RestCommit {
  sha: string;
  commit: {
    message: string;
    author: { name?: string; email?: string; date?: string } | null;
    committer: { name?: string; email?: string; date?: string } | null;
  };
  author: { login: string } | null;
  committer: { login: string } | null;
}

export function commitInputFromRest(repositoryId: number, c: RestCommit) {
  return {
    repositoryId,
    sha: c.sha,
    message: c.commit.message,
    authorName: c.commit.author?.name,
    authorEmail: c.commit.author?.email,
    authorLogin: c.author?.login,
    committerName: c.commit.committer?.name,
    committerEmail: c.commit.committer?.email,
    committerLogin: c.committer?.login,
    authoredAt: c.commit.author?.date ? toIso(c.commit.author.date) : null,
    committedAt: c.commit.committer?.date ? toIso(c.commit.committer.date) : null,
    claudeCodeTrailer: hasClaudeCodeTrailer(c.commit.message),
  };
}

/**
 * Fetches a merged PR's commits, changed files, reviews and each commit's own diff, and stores the
 * commits, the reviews, the PR↔commit links and, per file, the counts and fingerprints of the effective added lines
 * and of the effective lines the PR deleted (never the code). GitHub lists at most 250 commits and 3,000 files of one PR; beyond that the
 * PR is counted from what it lists.
 */
export async function enrichPullRequest({ db, octokit, fingerprintKey, payload, now }: Enrichment<EnrichPullRequestPayload>): Promise<void> {
  const params = { owner: payload.owner, repo: payload.repo, pull_number: payload.number, per_page: 100 };
  const restCommits = await octokit.paginate(octokit.rest.pulls.listCommits, params);
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, params);
  // Reviews too (webhooks may have been missed, and backfilled PRs had none), for the outcomes.
  let reviewPages = 0;
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, params, (response, done) => {
    if (++reviewPages * params.per_page >= MAX_REVIEWS) done();
    return response.data;
  });
  const summaries = files.map((f) => summarizeFileChange(f, fingerprintKey));
  // Each commit's own diff, so a commit Claude Code made (or that carries its trailer) can be
  // counted line by line when no finer evidence exists. Very long PRs keep only the PR's diff.
  const commitDiffs = new Map<string, { files: ReturnType<typeof summarizeFileChange>[]; additions: number; deletions: number }>();
  if (restCommits.length <= MAX_COMMITS_WITH_DIFFS) {
    for (const c of restCommits) {
      const { data } = await octokit.rest.repos.getCommit({ owner: payload.owner, repo: payload.repo, ref: c.sha });
      commitDiffs.set(c.sha, {
        // What a PR deletes is read from its own diff; its commits' deletions are not needed.
        files: (data.files ?? []).map((f) => summarizeFileChange(f, fingerprintKey, { deletedLines: false })),
        additions: data.stats?.additions ?? 0,
        deletions: data.stats?.deletions ?? 0,
      });
    }
  }

  // A PR Claude Code's bot opened is credited to the person who asked for it; when its commits do
  // not name them, to whoever merged it. Only `pulls.get` says who merged (PR lists do not).
  const [stored] = await db
    .select({ authorLogin: pullRequests.authorLogin, mergedByLogin: pullRequests.mergedByLogin })
    .from(pullRequests)
    .where(eq(pullRequests.id, payload.pullRequestId))
    .limit(1);
  let mergedByLogin: string | null = null;
  if (stored && isClaudeBotLogin(stored.authorLogin) && !stored.mergedByLogin) {
    const { data } = await octokit.rest.pulls.get({ owner: payload.owner, repo: payload.repo, pull_number: payload.number });
    mergedByLogin = data.merged_by?.login ?? null;
  }

  // Another process's write lock (SQLite) is waited for with timers; past the wait the job is postponed (job-worker.ts).
  await writeWhenFree(() => db.transaction(async (tx) => {
    if (mergedByLogin) await tx.update(pullRequests).set({ mergedByLogin }).where(eq(pullRequests.id, payload.pullRequestId));
    const [pr] = await tx
      .select({ repositoryId: pullRequests.repositoryId, mergedAt: pullRequests.mergedAt })
      .from(pullRequests)
      .where(eq(pullRequests.id, payload.pullRequestId))
      .limit(1);
    if (!pr) throw new Error(`pull request ${payload.owner}/${payload.repo}#${payload.number} is not stored`);
    const commitIds: number[] = [];
    for (const c of restCommits) {
      const id = await upsertCommit(tx, commitInputFromRest(pr.repositoryId, c as RestCommit));
      const diff = commitDiffs.get(c.sha);
      if (diff) {
        await replaceChangedFiles(tx, { commitId: id }, diff.files);
        await markCommitEnriched(tx, id, { additions: diff.additions, deletions: diff.deletions }, now().toISOString());
      }
      commitIds.push(id);
    }
    await linkPullRequestCommits(tx, payload.pullRequestId, commitIds);
    for (const review of reviews) {
      // A pending review (not submitted) has no time and is not a review yet.
      if (!review.submitted_at) continue;
      await recordReview(tx, {
        id: review.id,
        pullRequestId: payload.pullRequestId,
        reviewerLogin: review.user?.login ?? null,
        reviewerIsBot: review.user?.type === 'Bot',
        state: review.state,
        submittedAt: toIso(review.submitted_at),
      });
    }
    await replaceChangedFiles(tx, { pullRequestId: payload.pullRequestId }, summaries);
    await markPullRequestEnriched(tx, payload.pullRequestId, now().toISOString());
    await learnIdentityLinks(tx, payload.owner, { shas: restCommits.map((c) => c.sha) }, now().toISOString());
    // Processing attributes the PR within PROCESS_DELAY_SECONDS (the incremental runner).
    if (pr.mergedAt) {
      // Commits of this PR counted so far as pushed straight to the default branch count with the PR
      // now: their attributions are dropped on their own push days.
      const pushes = await directPushesOfPullRequest(tx, payload.pullRequestId);
      await markForProcessing(
        tx,
        [
          { org: payload.owner, kind: 'subject', key: `pull_request:${payload.pullRequestId}`, day: pr.mergedAt.slice(0, 10) },
          ...pushes.map((c) => ({ org: payload.owner, kind: 'subject' as const, key: `commit:${c.id}`, day: c.pushedAt.slice(0, 10) })),
        ],
        now().toISOString(),
      );
    }
  }), { maxWaitMs: JOB_WRITE_WAIT_MS });
}
