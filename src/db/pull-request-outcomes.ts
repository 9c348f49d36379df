import type { OutcomeColumns } from '../outcomes/outcome-comparison.js';
import type { PullRequestOutcome, PullRequestTimeline } from '../outcomes/pull-request-outcome.js';
import type { Db } from './client.js';
import { statement } from './statement-cache.js';

/*
 * What processing reads to decide a merged PR's outcome (its timeline), and the outcome rows it
 * writes. Every read is by index: the PR's id, its commits' link rows, `commits_reverts_sha_idx`,
 * `pull_requests_reverts_pull_request_idx`.
 */

const DAY_END = 'T99';

type TimelineRow = {
  id: number;
  repositoryId: number;
  reference: string;
  authorLogin: string;
  createdAt: string;
  mergedAt: string;
  openedAsDraft: number | null;
  firstReadyForReviewAt: string | null;
  firstConvertedToDraftAt: string | null;
};

/**
 * The stored timeline of a merged PR (null when it is not merged): commits' author dates, reviews,
 * draft history, and the reverts that landed on it (a merged PR whose body names it, a commit
 * whose message names one of its commits or its merge commit, landed in a merged PR or pushed to
 * the default branch). Only reverts in the PR's own repository count (GitHub's revert PRs are
 * opened there; a body naming another org's PR must not touch it). The PR itself and its own
 * commits never count as its revert.
 */
export function pullRequestTimeline(db: Db, pullRequestId: number, creditedLogin: string): PullRequestTimeline | null {
  const pr = statement(
    db,
    `SELECT p.id AS id, p.repository_id AS repositoryId, lower(r.full_name) || '#' || p.number AS reference, p.author_login AS authorLogin,
            p.created_at AS createdAt, p.merged_at AS mergedAt, p.opened_as_draft AS openedAsDraft,
            p.first_ready_for_review_at AS firstReadyForReviewAt, p.first_converted_to_draft_at AS firstConvertedToDraftAt
     FROM pull_requests p JOIN repositories r ON r.id = p.repository_id WHERE p.id = ? AND p.merged_at IS NOT NULL`,
  ).get(pullRequestId) as TimelineRow | undefined;
  if (!pr) return null;
  const commitRows = statement(
    db,
    'SELECT c.authored_at AS authoredAt FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ?',
  ).all(pullRequestId) as { authoredAt: string | null }[];
  const reviews = (
    statement(
      db,
      `SELECT reviewer_login AS reviewerLogin, reviewer_is_bot AS reviewerIsBot, state, submitted_at AS submittedAt
       FROM pull_request_reviews WHERE pull_request_id = ?`,
    ).all(pullRequestId) as { reviewerLogin: string | null; reviewerIsBot: number; state: string; submittedAt: string }[]
  ).map((r) => ({ ...r, reviewerIsBot: Boolean(r.reviewerIsBot) }));

  const reverts = statement(
    db,
    `SELECT lower(r.full_name) || '#' || p.number AS "by", p.merged_at AS "at"
     FROM pull_requests p INDEXED BY pull_requests_reverts_pull_request_idx JOIN repositories r ON r.id = p.repository_id
     WHERE p.reverts_pull_request = ? AND p.repository_id = ? AND p.merged_at IS NOT NULL AND p.id <> ?`,
  ).all(pr.reference, pr.repositoryId, pr.id) as { by: string; at: string }[];
  reverts.push(...commitReverts(db, pr));

  return {
    authorLogins: [pr.authorLogin, creditedLogin],
    createdAt: pr.createdAt,
    mergedAt: pr.mergedAt,
    openedAsDraft: pr.openedAsDraft === null ? null : Boolean(pr.openedAsDraft),
    firstReadyForReviewAt: pr.firstReadyForReviewAt,
    firstConvertedToDraftAt: pr.firstConvertedToDraftAt,
    commitAuthoredAt: commitRows.map((c) => c.authoredAt),
    reviews,
    reverts,
  };
}

/**
 * Commits of the PR's repository that revert one of its commits or its merge commit and landed: in
 * a merged PR (not this one), or pushed to the default branch. One statement per PR, along
 * `commits_reverts_sha_idx`.
 */
function commitReverts(db: Db, pr: TimelineRow): { by: string; at: string }[] {
  const shas = `SELECT tc.sha FROM pull_request_commits tpc JOIN commits tc ON tc.id = tpc.commit_id WHERE tpc.pull_request_id = @id
                UNION SELECT lower(merge_commit_sha) FROM pull_requests WHERE id = @id AND merge_commit_sha IS NOT NULL`;
  return statement(
    db,
    `SELECT lower(r.full_name) || '#' || p.number AS "by", p.merged_at AS "at"
     -- By the revert link: the repository's index would walk every commit of the repository.
     FROM commits c INDEXED BY commits_reverts_sha_idx JOIN pull_request_commits pc ON pc.commit_id = c.id JOIN pull_requests p ON p.id = pc.pull_request_id
       JOIN repositories r ON r.id = p.repository_id
     WHERE c.reverts_sha IN (${shas}) AND c.repository_id = @repositoryId AND p.merged_at IS NOT NULL AND p.id <> @id
     UNION ALL
     SELECT CASE WHEN p.id IS NULL THEN c.sha ELSE lower(r.full_name) || '#' || p.number END, coalesce(p.merged_at, c.pushed_at)
     FROM commits c INDEXED BY commits_reverts_sha_idx
       LEFT JOIN pull_requests p ON p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha AND p.merged_at IS NOT NULL
       LEFT JOIN repositories r ON r.id = p.repository_id
     WHERE c.reverts_sha IN (${shas}) AND c.repository_id = @repositoryId AND c.pushed_to_default_branch = 1 AND c.pushed_at IS NOT NULL
       AND (p.id IS NULL OR p.id <> @id)`,
  ).all({ id: pr.id, repositoryId: pr.repositoryId }) as { by: string; at: string }[];
}

/**
 * PRs of the org merged before `fromDay` that a revert landed in [fromDay, toDay] names (its PR
 * body, or a commit of it or its merge commit): their outcome changes although they are not in the
 * range. Revert commits and revert PRs are few; both are found through their own indexes.
 */
export function revertedBefore(db: Db, org: string, fromDay: string, toDay: string): number[] {
  const rows = statement(
    db,
    `WITH landed AS MATERIALIZED (
       -- Revert commits (few, by their index) that landed in the range: pushed to the default branch, or in a PR merged then.
       SELECT c.repository_id AS repositoryId, c.reverts_sha AS sha
       FROM commits c INDEXED BY commits_reverts_sha_idx JOIN repositories r ON r.id = c.repository_id
       WHERE c.reverts_sha IS NOT NULL AND lower(r.owner_login) = lower(@org) AND (
         (c.pushed_to_default_branch = 1 AND c.pushed_at >= @from AND c.pushed_at < @to)
         OR EXISTS (SELECT 1 FROM pull_request_commits pc JOIN pull_requests p ON p.id = pc.pull_request_id
                    WHERE pc.commit_id = c.id AND p.merged_at >= @from AND p.merged_at < @to)))
     SELECT t.id AS id
     FROM pull_requests p INDEXED BY pull_requests_reverts_pull_request_idx JOIN repositories r ON r.id = p.repository_id
       JOIN pull_requests t ON t.repository_id = p.repository_id AND t.number = CAST(substr(p.reverts_pull_request, instr(p.reverts_pull_request, '#') + 1) AS INTEGER)
     WHERE p.reverts_pull_request IS NOT NULL AND substr(p.reverts_pull_request, 1, instr(p.reverts_pull_request, '#') - 1) = lower(r.full_name)
       AND lower(r.owner_login) = lower(@org) AND p.merged_at >= @from AND p.merged_at < @to AND t.merged_at < @from
     UNION
     -- From the few revert commits outward (CROSS JOIN keeps that order).
     SELECT pc.pull_request_id FROM landed v
       CROSS JOIN commits tc ON tc.repository_id = v.repositoryId AND tc.sha = v.sha
       CROSS JOIN pull_request_commits pc INDEXED BY pull_request_commits_commit_id_idx ON pc.commit_id = tc.id
       CROSS JOIN pull_requests t ON t.id = pc.pull_request_id
     WHERE t.merged_at < @from
     UNION
     SELECT t.id FROM landed v CROSS JOIN pull_requests t INDEXED BY pull_requests_merge_commit_sha_idx ON t.merge_commit_sha = v.sha AND t.repository_id = v.repositoryId
     WHERE t.merged_at < @from`,
  ).all({ org, from: fromDay, to: toDay + DAY_END }) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Who a PR merged before the range is credited to, from its attribution (null when it has none). */
export function creditedLoginOf(db: Db, pullRequestId: number): { org: string; authorLogin: string; day: string } | null {
  return (
    (statement(db, 'SELECT org, author_login AS authorLogin, day FROM attributions WHERE subject = ?').get(`pull_request:${pullRequestId}`) as
      | { org: string; authorLogin: string; day: string }
      | undefined) ?? null
  );
}

export interface OutcomeRow extends PullRequestOutcome {
  pullRequestId: number;
  org: string;
  day: string;
}

/** Writes outcome rows (one transaction; processing passes a batch). */
export function saveOutcomes(db: Db, rows: OutcomeRow[]): void {
  const upsert = statement(
    db,
    `INSERT INTO pull_request_outcomes (pull_request_id, org, day, first_commit_at, cycle_time_seconds, coding_time_seconds,
       pickup_time_seconds, review_time_seconds, review_rounds, reverted_by, reverted_at)
     VALUES (@pullRequestId, @org, @day, @firstCommitAt, @cycleTimeSeconds, @codingTimeSeconds,
       @pickupTimeSeconds, @reviewTimeSeconds, @reviewRounds, @revertedBy, @revertedAt)
     ON CONFLICT (pull_request_id) DO UPDATE SET
       org = excluded.org, day = excluded.day, first_commit_at = excluded.first_commit_at,
       cycle_time_seconds = excluded.cycle_time_seconds, coding_time_seconds = excluded.coding_time_seconds,
       pickup_time_seconds = excluded.pickup_time_seconds, review_time_seconds = excluded.review_time_seconds,
       review_rounds = excluded.review_rounds, reverted_by = excluded.reverted_by, reverted_at = excluded.reverted_at`,
  );
  db.$client.transaction(() => {
    for (const row of rows) upsert.run(row);
  })();
}

/**
 * The org's merged PRs of [fromDay, toDay] (by merge day) with their outcome, bots apart, optionally
 * of one repository (`owner/name`) or one person (the login the PR counts for), as columns. Read
 * from `attributions_outcomes_idx` alone (it covers every column read), each outcome by its primary
 * key, the PR itself only for a reverted one (its time to revert). SQLite hands each column over as one JSON array: making an
 * object per row cost three times as much as the rest of the read.
 */
export function outcomeColumns(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  slice: { repository?: string | undefined; login?: string | undefined } = {},
): OutcomeColumns {
  const repository = slice.repository?.toLowerCase() ?? null;
  const login = slice.login?.toLowerCase() ?? null;
  const row = statement(
    db,
    `SELECT json_group_array(a.author_login), json_group_array(a.day), json_group_array(a.with_claude_code), json_group_array(a.lines_added),
            json_group_array(o.cycle_time_seconds), json_group_array(o.coding_time_seconds),
            json_group_array(o.pickup_time_seconds), json_group_array(o.review_time_seconds),
            json_group_array(o.reverted_by IS NOT NULL),
            json_group_array(CASE WHEN o.reverted_at IS NULL THEN NULL ELSE
              (SELECT round((julianday(o.reverted_at) - julianday(p.merged_at)) * 86400) FROM pull_requests p WHERE p.id = a.pull_request_id) END)
     FROM attributions a INDEXED BY attributions_outcomes_idx JOIN pull_request_outcomes o ON o.pull_request_id = a.pull_request_id
     WHERE a.org = ? AND a.day >= ? AND a.day <= ? AND a.is_bot = 0 AND a.pull_request_id IS NOT NULL
       AND (? IS NULL OR a.repository = ?) AND (? IS NULL OR lower(a.author_login) = ?)`,
  )
    .raw(true)
    .get(org, fromDay, toDay, repository, repository, login, login) as string[];
  const [logins, days, withClaudeCode, linesAdded, cycle, coding, pickup, review, reverted, timeToRevert] = row.map((json) => JSON.parse(json) as unknown[]);
  const seconds = (values: unknown[]) => Float64Array.from(values as (number | null)[], (v) => (v === null ? NaN : v));
  return {
    count: logins!.length,
    login: logins as string[],
    day: days as string[],
    withClaudeCode: Uint8Array.from(withClaudeCode as number[]),
    linesAdded: linesAdded as number[],
    times: { cycle_time_hours: seconds(cycle!), coding_time_hours: seconds(coding!), pickup_time_hours: seconds(pickup!), review_time_hours: seconds(review!) },
    reverted: Uint8Array.from(reverted as number[]),
    timeToRevertSeconds: seconds(timeToRevert!),
  };
}
