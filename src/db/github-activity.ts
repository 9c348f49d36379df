import { and, eq, sql } from 'drizzle-orm';
import type { FileChangeSummary } from '../attribution/file-change.js';
import { revertedPullRequestOf, revertedShaOf } from '../outcomes/revert-links.js';
import type { Tx } from './client.js';
import {
  addedLineFingerprints,
  changedFiles,
  commits,
  deletedLineFingerprints,
  githubUsers,
  installations,
  pullRequestCommits,
  pullRequestReviews,
  pullRequests,
  repositories,
} from './schema.js';

/*
 * Idempotent writes of what GitHub tells us. Every function may run twice with the same input, or
 * with inputs in any order, and leaves the same rows: webhooks are redelivered and arrive out of order.
 */

export function toIso(time: string | number | Date): string {
  return new Date(time).toISOString();
}

export interface InstallationInput {
  id: number;
  accountId: number;
  accountLogin: string;
  accountType: string;
  repositorySelection: string | null;
  status: 'active' | 'suspended' | 'deleted';
  createdAt: string;
  updatedAt: string;
}

export async function upsertInstallation(tx: Tx, input: InstallationInput): Promise<void> {
  await tx
    .insert(installations)
    .values(input)
    .onConflictDoUpdate({
      target: installations.id,
      set: {
        accountId: input.accountId,
        accountLogin: input.accountLogin,
        accountType: input.accountType,
        repositorySelection: input.repositorySelection,
        status: input.status,
        updatedAt: input.updatedAt,
      },
      // A "deleted" is final even if a late "created"/"unsuspend" for the same installation id arrives after it.
      setWhere: sql`${installations.status} <> 'deleted' OR ${input.status} = 'deleted'`,
    });
}

export interface RepositoryInput {
  id: number;
  ownerLogin: string;
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch?: string | null | undefined;
}

export async function upsertRepository(tx: Tx, repo: RepositoryInput, installationId: number | null, now: string): Promise<void> {
  await tx
    .insert(repositories)
    .values({
      id: repo.id,
      installationId,
      ownerLogin: repo.ownerLogin,
      name: repo.name,
      fullName: repo.fullName,
      private: repo.private,
      defaultBranch: repo.defaultBranch ?? null,
      covered: true,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: repositories.id,
      set: {
        ownerLogin: repo.ownerLogin,
        name: repo.name,
        fullName: repo.fullName,
        private: repo.private,
        // Installation payloads list repositories without their default branch: keep the one we know.
        defaultBranch: sql`coalesce(${repo.defaultBranch ?? null}, ${repositories.defaultBranch})`,
        installationId: sql`coalesce(${installationId}, ${repositories.installationId})`,
        updatedAt: now,
      },
    });
}

/** Repositories an installation covers (installation created, repositories added). */
export async function coverRepositories(tx: Tx, installationId: number, repos: RepositoryInput[], now: string): Promise<void> {
  for (const repo of repos) {
    await upsertRepository(tx, repo, installationId, now);
    await tx.update(repositories).set({ covered: true, installationId }).where(eq(repositories.id, repo.id));
  }
}

/** Repositories removed from an installation: their history stays, new activity is no longer expected. */
export async function uncoverRepositories(tx: Tx, installationId: number, repos: RepositoryInput[], now: string): Promise<void> {
  for (const repo of repos) {
    await upsertRepository(tx, repo, installationId, now);
    await tx.update(repositories).set({ covered: false }).where(eq(repositories.id, repo.id));
  }
}

export async function uncoverInstallationRepositories(tx: Tx, installationId: number, now: string): Promise<void> {
  await tx
    .update(repositories)
    .set({ covered: false, updatedAt: now })
    .where(eq(repositories.installationId, installationId));
}

export interface GitHubUserInput {
  id: number;
  login: string;
  type: string;
}

export async function upsertGitHubUser(tx: Tx, user: GitHubUserInput, now: string): Promise<void> {
  await tx
    .insert(githubUsers)
    .values({ ...user, updatedAt: now })
    .onConflictDoUpdate({ target: githubUsers.id, set: { login: user.login, type: user.type, updatedAt: now } });
}

export interface PullRequestInput {
  id: number;
  repositoryId: number;
  number: number;
  authorId: number | null;
  authorLogin: string;
  authorIsBot: boolean;
  title: string;
  body: string | null;
  baseRef: string;
  headRef: string;
  headSha: string | null;
  draft: boolean;
  state: string;
  createdAt: string;
  githubUpdatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  /** Who merged it, when the payload says (`merged_by`). */
  mergedByLogin?: string | null | undefined;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
}

/**
 * Applies a pull request as a payload described it. A payload older than the one already applied
 * (GitHub's `updated_at`) changes nothing, so out-of-order deliveries converge on the newest state;
 * a merge, once seen, is never undone. Returns whether the stored PR is merged.
 */
export async function upsertPullRequest(tx: Tx, pr: PullRequestInput): Promise<{ merged: boolean }> {
  const values = { ...pr, revertsPullRequest: revertedPullRequestOf(pr.body) };
  const { id, ...rest } = values;
  await tx
    .insert(pullRequests)
    .values(values)
    .onConflictDoUpdate({
      target: pullRequests.id,
      set: {
        ...rest,
        // Counts are absent from some payloads (e.g. reviews): never overwrite a known value with null.
        additions: sql`coalesce(excluded.additions, ${pullRequests.additions})`,
        deletions: sql`coalesce(excluded.deletions, ${pullRequests.deletions})`,
        changedFiles: sql`coalesce(excluded.changed_files, ${pullRequests.changedFiles})`,
        mergedAt: sql`coalesce(${pullRequests.mergedAt}, excluded.merged_at)`,
        mergeCommitSha: sql`coalesce(excluded.merge_commit_sha, ${pullRequests.mergeCommitSha})`,
        mergedByLogin: sql`coalesce(excluded.merged_by_login, ${pullRequests.mergedByLogin})`,
        body: sql`excluded.body`,
      },
      setWhere: sql`excluded.github_updated_at >= ${pullRequests.githubUpdatedAt}`,
    });
  const [row] = await tx.select({ mergedAt: pullRequests.mergedAt }).from(pullRequests).where(eq(pullRequests.id, id)).limit(1);
  return { merged: row?.mergedAt != null };
}

/**
 * A PR's draft history as its deliveries show it: whether `opened` showed a draft, and the earliest
 * `ready_for_review` and `converted_to_draft`. Earliest wins, so any order of deliveries (and any
 * redelivery) leaves the same row; the PR row itself must exist.
 */
export async function recordDraftChange(
  tx: Tx,
  change: { pullRequestId: number; action: string; at: string; draft: boolean },
): Promise<void> {
  const earliest = (column: typeof pullRequests.firstReadyForReviewAt | typeof pullRequests.firstConvertedToDraftAt) =>
    tx.dialect.least(sql`coalesce(${column}, ${change.at})`, sql`${change.at}`);
  const set =
    change.action === 'opened'
      ? // Bound through the column, which encodes the boolean as each engine stores it.
        { openedAsDraft: sql`coalesce(${pullRequests.openedAsDraft}, ${sql.param(change.draft, pullRequests.openedAsDraft)})` }
      : change.action === 'ready_for_review'
        ? { firstReadyForReviewAt: earliest(pullRequests.firstReadyForReviewAt) }
        : change.action === 'converted_to_draft'
          ? { firstConvertedToDraftAt: earliest(pullRequests.firstConvertedToDraftAt) }
          : null;
  if (set) await tx.update(pullRequests).set(set).where(eq(pullRequests.id, change.pullRequestId));
}

export interface ReviewInput {
  id: number;
  pullRequestId: number;
  reviewerLogin: string | null;
  /** The reviewer's account is a bot (GitHub's user `type`). */
  reviewerIsBot?: boolean | undefined;
  state: string;
  submittedAt: string;
}

/** Records a review and keeps the PR's first review time the earliest seen, whatever the order. */
export async function recordReview(tx: Tx, review: ReviewInput): Promise<void> {
  const reviewerIsBot = review.reviewerIsBot ?? false;
  await tx
    .insert(pullRequestReviews)
    .values({ ...review, reviewerIsBot })
    .onConflictDoUpdate({
      target: pullRequestReviews.id,
      set: { state: review.state, submittedAt: review.submittedAt, reviewerLogin: review.reviewerLogin, reviewerIsBot },
    });
  await tx
    .update(pullRequests)
    .set({
      firstReviewedAt: sql`(SELECT min(${pullRequestReviews.submittedAt}) FROM ${pullRequestReviews} WHERE ${pullRequestReviews.pullRequestId} = ${review.pullRequestId})`,
    })
    .where(eq(pullRequests.id, review.pullRequestId));
}

export interface CommitInput {
  repositoryId: number;
  sha: string;
  message: string;
  authorName?: string | null | undefined;
  authorEmail?: string | null | undefined;
  authorLogin?: string | null | undefined;
  committerName?: string | null | undefined;
  committerEmail?: string | null | undefined;
  committerLogin?: string | null | undefined;
  authoredAt?: string | null | undefined;
  committedAt?: string | null | undefined;
  claudeCodeTrailer: boolean;
  /** Set by push events to the default branch; other sources leave it as it was. */
  pushedToDefaultBranch?: boolean | undefined;
  pushedAt?: string | null | undefined;
}

/**
 * Stores a commit, merging what each source knows: a push names the branch it landed on, the REST
 * API knows GitHub logins. Known values are never replaced by unknown ones. Returns the row id.
 */
export async function upsertCommit(tx: Tx, c: CommitInput): Promise<number> {
  const keep = <T>(incoming: T | null | undefined, column: unknown) =>
    sql`coalesce(${incoming ?? null}, ${column})`;
  const [row] = await tx
    .insert(commits)
    .values({
      repositoryId: c.repositoryId,
      sha: c.sha,
      message: c.message,
      authorName: c.authorName ?? null,
      authorEmail: c.authorEmail ?? null,
      authorLogin: c.authorLogin ?? null,
      committerName: c.committerName ?? null,
      committerEmail: c.committerEmail ?? null,
      committerLogin: c.committerLogin ?? null,
      authoredAt: c.authoredAt ?? null,
      committedAt: c.committedAt ?? null,
      claudeCodeTrailer: c.claudeCodeTrailer,
      revertsSha: revertedShaOf(c.message),
      pushedToDefaultBranch: c.pushedToDefaultBranch ?? false,
      pushedAt: c.pushedAt ?? null,
    })
    .onConflictDoUpdate({
      target: [commits.repositoryId, commits.sha],
      set: {
        message: c.message,
        claudeCodeTrailer: c.claudeCodeTrailer,
        revertsSha: revertedShaOf(c.message),
        authorName: keep(c.authorName, commits.authorName),
        authorEmail: keep(c.authorEmail, commits.authorEmail),
        authorLogin: keep(c.authorLogin, commits.authorLogin),
        committerName: keep(c.committerName, commits.committerName),
        committerEmail: keep(c.committerEmail, commits.committerEmail),
        committerLogin: keep(c.committerLogin, commits.committerLogin),
        authoredAt: keep(c.authoredAt, commits.authoredAt),
        committedAt: keep(c.committedAt, commits.committedAt),
        pushedToDefaultBranch: c.pushedToDefaultBranch
          ? sql`TRUE`
          : sql`${commits.pushedToDefaultBranch}`,
        // The first push to the default branch is when the commit landed there.
        pushedAt: c.pushedToDefaultBranch
          ? sql`coalesce(${tx.dialect.least(commits.pushedAt, sql`${c.pushedAt ?? null}`)}, ${c.pushedAt ?? null}, ${commits.pushedAt})`
          : sql`${commits.pushedAt}`,
      },
    })
    .returning({ id: commits.id });
  return row!.id;
}

export async function linkPullRequestCommits(tx: Tx, pullRequestId: number, commitIds: number[]): Promise<void> {
  for (const commitId of commitIds) {
    await tx.insert(pullRequestCommits).values({ pullRequestId, commitId }).onConflictDoNothing();
  }
}

/** Replaces the changed files (and their added and deleted line fingerprints) of one PR or one commit. */
export async function replaceChangedFiles(
  tx: Tx,
  owner: { pullRequestId: number } | { commitId: number },
  files: FileChangeSummary[],
): Promise<void> {
  const ownerFilter =
    'pullRequestId' in owner ? eq(changedFiles.pullRequestId, owner.pullRequestId) : eq(changedFiles.commitId, owner.commitId);
  await tx.delete(changedFiles).where(ownerFilter);
  for (const file of files) {
    const [inserted] = await tx
      .insert(changedFiles)
      .values({
        pullRequestId: 'pullRequestId' in owner ? owner.pullRequestId : null,
        commitId: 'commitId' in owner ? owner.commitId : null,
        path: file.path,
        previousPath: file.previousPath,
        status: file.status,
        additions: file.additions,
        deletions: file.deletions,
        effectiveLines: file.effectiveLines,
        excludedReason: file.excludedReason,
        patchMissing: file.patchMissing,
      })
      .returning({ id: changedFiles.id });
    const { id } = inserted!;
    const rows = [...file.fingerprints].map(([fingerprint, occurrences]) => {
      const sketch = file.sketches.get(fingerprint);
      return { changedFileId: id, fingerprint, occurrences, sketch: sketch ? Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength) : null };
    });
    // SQLite limits bound parameters per statement; 300 rows × 4 columns stays well inside it.
    for (let i = 0; i < rows.length; i += 300) await tx.insert(addedLineFingerprints).values(rows.slice(i, i + 300));
    const deleted = [...file.deletedFingerprints].map(([fingerprint, occurrences]) => ({ changedFileId: id, fingerprint, occurrences }));
    for (let i = 0; i < deleted.length; i += 300) await tx.insert(deletedLineFingerprints).values(deleted.slice(i, i + 300));
  }
}

export async function markPullRequestEnriched(tx: Tx, pullRequestId: number, now: string): Promise<void> {
  await tx.update(pullRequests).set({ enrichedAt: now }).where(eq(pullRequests.id, pullRequestId));
}

export async function markCommitEnriched(
  tx: Tx,
  commitId: number,
  stats: { additions: number; deletions: number },
  now: string,
): Promise<void> {
  await tx.update(commits).set({ ...stats, enrichedAt: now }).where(eq(commits.id, commitId));
}

/** When a commit reached a default branch, when it did (a direct push's day). */
export async function commitPushedAt(tx: Tx, commitId: number): Promise<string | null> {
  const [row] = await tx.select({ pushedAt: commits.pushedAt }).from(commits).where(eq(commits.id, commitId)).limit(1);
  return row?.pushedAt ?? null;
}

/** True when a known pull request contains the commit or was merged as it. */
export async function commitBelongsToPullRequest(tx: Tx, repositoryId: number, sha: string): Promise<boolean> {
  const [viaMerge] = await tx
    .select({ id: pullRequests.id })
    .from(pullRequests)
    .where(and(eq(pullRequests.repositoryId, repositoryId), eq(pullRequests.mergeCommitSha, sha)))
    .limit(1);
  if (viaMerge) return true;
  const [viaCommits] = await tx
    .select({ id: pullRequestCommits.pullRequestId })
    .from(pullRequestCommits)
    .innerJoin(commits, eq(commits.id, pullRequestCommits.commitId))
    .where(and(eq(commits.repositoryId, repositoryId), eq(commits.sha, sha)))
    .limit(1);
  return viaCommits !== undefined;
}

/** The commits of a PR (its own, and its merge commit) that were pushed straight to the default branch: id and push time. */
export async function directPushesOfPullRequest(db: Tx, pullRequestId: number): Promise<{ id: number; pushedAt: string }[]> {
  return db.all<{ id: number; pushedAt: string }>(
    sql`SELECT c.id, c.pushed_at AS "pushedAt" FROM commits c JOIN pull_requests p ON p.repository_id = c.repository_id
        WHERE p.id = ${pullRequestId} AND c.pushed_to_default_branch = TRUE AND c.pushed_at IS NOT NULL
          AND (c.sha = p.merge_commit_sha OR EXISTS (SELECT 1 FROM pull_request_commits pc WHERE pc.pull_request_id = p.id AND pc.commit_id = c.id))
        ORDER BY c.id`,
  );
}
