import type { OutcomeColumns } from '../outcomes/outcome-comparison.js';
import type { PullRequestOutcome, PullRequestTimeline } from '../outcomes/pull-request-outcome.js';
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { pullRequestOutcomes } from './schema.js';
import { rowsToInsert } from './table-sql.js';

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
export async function pullRequestTimeline(db: Db, pullRequestId: number, creditedLogin: string): Promise<PullRequestTimeline | null> {
  const pr = await db.get<TimelineRow>(
    sql`SELECT p.id AS id, p.repository_id AS "repositoryId", lower(r.full_name) || '#' || p.number AS reference, p.author_login AS "authorLogin",
            p.created_at AS "createdAt", p.merged_at AS "mergedAt", p.opened_as_draft AS "openedAsDraft",
            p.first_ready_for_review_at AS "firstReadyForReviewAt", p.first_converted_to_draft_at AS "firstConvertedToDraftAt"
     FROM pull_requests p JOIN repositories r ON r.id = p.repository_id WHERE p.id = ${pullRequestId} AND p.merged_at IS NOT NULL`,
  );
  if (!pr) return null;
  const commitRows = await db.all<{ authoredAt: string | null }>(
    sql`SELECT c.authored_at AS "authoredAt" FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ${pullRequestId}`,
  );
  const reviews = (
    await db.all<{ reviewerLogin: string | null; reviewerIsBot: number; state: string; submittedAt: string }>(
      sql`SELECT reviewer_login AS "reviewerLogin", reviewer_is_bot AS "reviewerIsBot", state, submitted_at AS "submittedAt"
       FROM pull_request_reviews WHERE pull_request_id = ${pullRequestId}`,
    )
  ).map((r) => ({ ...r, reviewerIsBot: Boolean(r.reviewerIsBot) }));

  const reverts = await db.all<{ by: string; at: string }>(
    sql`SELECT lower(r.full_name) || '#' || p.number AS "by", p.merged_at AS "at"
     FROM pull_requests p ${db.dialect.indexHint('pull_requests_reverts_pull_request_idx')} JOIN repositories r ON r.id = p.repository_id
     WHERE p.reverts_pull_request = ${pr.reference} AND p.repository_id = ${pr.repositoryId} AND p.merged_at IS NOT NULL AND p.id <> ${pr.id}`,
  );
  reverts.push(...(await commitReverts(db, pr)));

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

/** A merged PR's stored timeline before it is known whom the PR is credited to (`withCredit` completes it). */
export type StoredTimeline = Omit<PullRequestTimeline, 'authorLogins'> & { authorLogin: string };

/** The timeline of a PR credited to `creditedLogin` (the author, or who asked Claude Code's bot for it). */
export function withCredit({ authorLogin, ...timeline }: StoredTimeline, creditedLogin: string): PullRequestTimeline {
  return { authorLogins: [authorLogin, creditedLogin], ...timeline };
}

/**
 * `pullRequestTimeline` of many PRs in five statements, whatever their number: PR id → its stored
 * timeline (a PR not merged is missing). The same reads, by the same indexes, joined to the PRs
 * asked for.
 */
export async function pullRequestTimelinesOf(db: Db, pullRequestIds: readonly number[]): Promise<Map<number, StoredTimeline>> {
  const out = new Map<number, StoredTimeline>();
  if (pullRequestIds.length === 0) return out;
  const { anyOf, indexHint } = db.dialect;
  const ids = [...pullRequestIds];
  for (const pr of await db.all<TimelineRow>(
    sql`SELECT p.id AS id, p.repository_id AS "repositoryId", lower(r.full_name) || '#' || p.number AS reference, p.author_login AS "authorLogin",
            p.created_at AS "createdAt", p.merged_at AS "mergedAt", p.opened_as_draft AS "openedAsDraft",
            p.first_ready_for_review_at AS "firstReadyForReviewAt", p.first_converted_to_draft_at AS "firstConvertedToDraftAt"
     FROM pull_requests p JOIN repositories r ON r.id = p.repository_id WHERE ${anyOf(sql`p.id`, ids)} AND p.merged_at IS NOT NULL`,
  )) {
    out.set(pr.id, {
      authorLogin: pr.authorLogin,
      createdAt: pr.createdAt,
      mergedAt: pr.mergedAt,
      openedAsDraft: pr.openedAsDraft === null ? null : Boolean(pr.openedAsDraft),
      firstReadyForReviewAt: pr.firstReadyForReviewAt,
      firstConvertedToDraftAt: pr.firstConvertedToDraftAt,
      commitAuthoredAt: [],
      reviews: [],
      reverts: [],
    });
  }
  if (out.size === 0) return out;
  const merged = [...out.keys()];
  for (const [id, authoredAt] of await db.values<[number, string | null]>(
    sql`SELECT pc.pull_request_id, c.authored_at FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE ${anyOf(sql`pc.pull_request_id`, merged)}`,
  )) {
    out.get(id)!.commitAuthoredAt.push(authoredAt);
  }
  for (const [id, reviewerLogin, reviewerIsBot, state, submittedAt] of await db.values<[number, string | null, number, string, string]>(
    sql`SELECT pull_request_id, reviewer_login, reviewer_is_bot, state, submitted_at FROM pull_request_reviews WHERE ${anyOf(sql`pull_request_id`, merged)}`,
  )) {
    out.get(id)!.reviews.push({ reviewerLogin, reviewerIsBot: Boolean(reviewerIsBot), state, submittedAt });
  }
  // Reverting PRs, by their body's link to the PR (`owner/repo#N` in its own repository).
  for (const [id, by, at] of await db.values<[number, string, string]>(
    sql`SELECT t.id, lower(r.full_name) || '#' || p.number, p.merged_at
     FROM pull_requests t JOIN repositories tr ON tr.id = t.repository_id
       JOIN pull_requests p ${indexHint('pull_requests_reverts_pull_request_idx')} ON p.reverts_pull_request = lower(tr.full_name) || '#' || t.number
         AND p.repository_id = t.repository_id
       JOIN repositories r ON r.id = p.repository_id
     WHERE ${anyOf(sql`t.id`, merged)} AND p.merged_at IS NOT NULL AND p.id <> t.id`,
  )) {
    out.get(id)!.reverts.push({ by, at });
  }
  // Reverting commits, as `commitReverts` finds them for each PR.
  const byRevertLink = indexHint('commits_reverts_sha_idx');
  for (const [id, by, at] of await db.values<[number, string, string]>(
    sql`WITH targets AS (
       SELECT s.pr AS pr, s.sha AS sha, t.repository_id AS "repositoryId" FROM (
         SELECT tpc.pull_request_id AS pr, tc.sha AS sha FROM pull_request_commits tpc JOIN commits tc ON tc.id = tpc.commit_id
         WHERE ${anyOf(sql`tpc.pull_request_id`, merged)}
         UNION SELECT id, lower(merge_commit_sha) FROM pull_requests WHERE ${anyOf(sql`id`, merged)} AND merge_commit_sha IS NOT NULL) s
       JOIN pull_requests t ON t.id = s.pr)
     SELECT g.pr, lower(r.full_name) || '#' || p.number, p.merged_at
     FROM targets g JOIN commits c ${byRevertLink} ON c.reverts_sha = g.sha AND c.repository_id = g."repositoryId"
       JOIN pull_request_commits pc ON pc.commit_id = c.id JOIN pull_requests p ON p.id = pc.pull_request_id
       JOIN repositories r ON r.id = p.repository_id
     WHERE p.merged_at IS NOT NULL AND p.id <> g.pr
     UNION ALL
     SELECT g.pr, CASE WHEN p.id IS NULL THEN c.sha ELSE lower(r.full_name) || '#' || p.number END, coalesce(p.merged_at, c.pushed_at)
     FROM targets g JOIN commits c ${byRevertLink} ON c.reverts_sha = g.sha AND c.repository_id = g."repositoryId"
       LEFT JOIN pull_requests p ON p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha AND p.merged_at IS NOT NULL
       LEFT JOIN repositories r ON r.id = p.repository_id
     WHERE c.pushed_to_default_branch = TRUE AND c.pushed_at IS NOT NULL AND (p.id IS NULL OR p.id <> g.pr)`,
  )) {
    out.get(id)!.reverts.push({ by, at });
  }
  return out;
}

/**
 * Commits of the PR's repository that revert one of its commits or its merge commit and landed: in
 * a merged PR (not this one), or pushed to the default branch. One statement per PR, along
 * `commits_reverts_sha_idx`.
 */
async function commitReverts(db: Db, pr: TimelineRow): Promise<{ by: string; at: string }[]> {
  const shas = sql`SELECT tc.sha FROM pull_request_commits tpc JOIN commits tc ON tc.id = tpc.commit_id WHERE tpc.pull_request_id = ${pr.id}
                UNION SELECT lower(merge_commit_sha) FROM pull_requests WHERE id = ${pr.id} AND merge_commit_sha IS NOT NULL`;
  const byRevertLink = db.dialect.indexHint('commits_reverts_sha_idx');
  return db.all<{ by: string; at: string }>(
    sql`SELECT lower(r.full_name) || '#' || p.number AS "by", p.merged_at AS "at"
     -- By the revert link: the repository's index would walk every commit of the repository.
     FROM commits c ${byRevertLink} JOIN pull_request_commits pc ON pc.commit_id = c.id JOIN pull_requests p ON p.id = pc.pull_request_id
       JOIN repositories r ON r.id = p.repository_id
     WHERE c.reverts_sha IN (${shas}) AND c.repository_id = ${pr.repositoryId} AND p.merged_at IS NOT NULL AND p.id <> ${pr.id}
     UNION ALL
     SELECT CASE WHEN p.id IS NULL THEN c.sha ELSE lower(r.full_name) || '#' || p.number END, coalesce(p.merged_at, c.pushed_at)
     FROM commits c ${byRevertLink}
       LEFT JOIN pull_requests p ON p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha AND p.merged_at IS NOT NULL
       LEFT JOIN repositories r ON r.id = p.repository_id
     WHERE c.reverts_sha IN (${shas}) AND c.repository_id = ${pr.repositoryId} AND c.pushed_to_default_branch = TRUE AND c.pushed_at IS NOT NULL
       AND (p.id IS NULL OR p.id <> ${pr.id})`,
  );
}

/**
 * PRs of the org merged before `fromDay` that a revert landed in [fromDay, toDay] names (its PR
 * body, or a commit of it or its merge commit): their outcome changes although they are not in the
 * range. Revert commits and revert PRs are few; both are found through their own indexes.
 */
export async function revertedBefore(db: Db, org: string, fromDay: string, toDay: string): Promise<number[]> {
  const [from, to] = [fromDay, toDay + DAY_END];
  const { indexHint } = db.dialect;
  // `owner/name#N` → `owner/name` and N (reverts_pull_request is always that shape).
  const [revertedName, revertedNumber]: [SQL, SQL] =
    db.engine === 'postgres'
      ? [sql`split_part(p.reverts_pull_request, '#', 1)`, sql`CAST(split_part(p.reverts_pull_request, '#', 2) AS bigint)`]
      : [
          sql`substr(p.reverts_pull_request, 1, instr(p.reverts_pull_request, '#') - 1)`,
          sql`CAST(substr(p.reverts_pull_request, instr(p.reverts_pull_request, '#') + 1) AS INTEGER)`,
        ];
  // SQLite keeps the written join order of CROSS JOIN, from the few revert commits outward;
  // PostgreSQL has no CROSS JOIN … ON, and its planner orders the joins itself.
  const crossJoin = sql.raw(db.engine === 'postgres' ? 'JOIN' : 'CROSS JOIN');
  const rows = await db.all<{ id: number }>(
    sql`WITH landed AS MATERIALIZED (
       -- Revert commits (few, by their index) that landed in the range: pushed to the default branch, or in a PR merged then.
       SELECT c.repository_id AS "repositoryId", c.reverts_sha AS sha
       FROM commits c ${indexHint('commits_reverts_sha_idx')} JOIN repositories r ON r.id = c.repository_id
       WHERE c.reverts_sha IS NOT NULL AND lower(r.owner_login) = lower(${org}) AND (
         (c.pushed_to_default_branch = TRUE AND c.pushed_at >= ${from} AND c.pushed_at < ${to})
         OR EXISTS (SELECT 1 FROM pull_request_commits pc JOIN pull_requests p ON p.id = pc.pull_request_id
                    WHERE pc.commit_id = c.id AND p.merged_at >= ${from} AND p.merged_at < ${to})))
     SELECT t.id AS id
     FROM pull_requests p ${indexHint('pull_requests_reverts_pull_request_idx')} JOIN repositories r ON r.id = p.repository_id
       JOIN pull_requests t ON t.repository_id = p.repository_id AND t.number = ${revertedNumber}
     WHERE p.reverts_pull_request IS NOT NULL AND ${revertedName} = lower(r.full_name)
       AND lower(r.owner_login) = lower(${org}) AND p.merged_at >= ${from} AND p.merged_at < ${to} AND t.merged_at < ${from}
     UNION
     -- From the few revert commits outward.
     SELECT pc.pull_request_id FROM landed v
       ${crossJoin} commits tc ON tc.repository_id = v."repositoryId" AND tc.sha = v.sha
       ${crossJoin} pull_request_commits pc ${indexHint('pull_request_commits_commit_id_idx')} ON pc.commit_id = tc.id
       ${crossJoin} pull_requests t ON t.id = pc.pull_request_id
     WHERE t.merged_at < ${from}
     UNION
     SELECT t.id FROM landed v ${crossJoin} pull_requests t ${indexHint('pull_requests_merge_commit_sha_idx')} ON t.merge_commit_sha = v.sha AND t.repository_id = v."repositoryId"
     WHERE t.merged_at < ${from}`,
  );
  return rows.map((r) => r.id);
}

/** Who a PR merged before the range is credited to, from its attribution (null when it has none). */
export async function creditedLoginOf(db: Db, pullRequestId: number): Promise<{ org: string; authorLogin: string; day: string } | null> {
  return (
    (await db.get<{ org: string; authorLogin: string; day: string }>(
      sql`SELECT org, author_login AS "authorLogin", day FROM attributions WHERE subject = ${`pull_request:${pullRequestId}`}`,
    )) ?? null
  );
}

export interface OutcomeRow extends PullRequestOutcome {
  pullRequestId: number;
  org: string;
  day: string;
}

/** Writes outcome rows (one statement per few hundred; processing passes a batch). A PR listed twice keeps its last row. */
export async function saveOutcomes(db: Db, rows: OutcomeRow[]): Promise<void> {
  const last = [...new Map(rows.map((row) => [row.pullRequestId, row])).values()];
  if (last.length === 0) return;
  await db.transaction(async (tx) => {
    for (let i = 0; i < last.length; i += ROWS_PER_UPSERT) {
      await tx.run(
        sql`INSERT INTO pull_request_outcomes ${rowsToInsert(tx, pullRequestOutcomes, OUTCOME_FIELDS, last.slice(i, i + ROWS_PER_UPSERT))}
            ON CONFLICT (pull_request_id) DO UPDATE SET
              org = excluded.org, day = excluded.day, first_commit_at = excluded.first_commit_at,
              cycle_time_seconds = excluded.cycle_time_seconds, coding_time_seconds = excluded.coding_time_seconds,
              pickup_time_seconds = excluded.pickup_time_seconds, review_time_seconds = excluded.review_time_seconds,
              review_rounds = excluded.review_rounds, reverted_by = excluded.reverted_by, reverted_at = excluded.reverted_at`,
      );
    }
  });
}

/** Rows per upsert statement. */
const ROWS_PER_UPSERT = 500;

const OUTCOME_FIELDS = [
  'pullRequestId',
  'org',
  'day',
  'firstCommitAt',
  'cycleTimeSeconds',
  'codingTimeSeconds',
  'pickupTimeSeconds',
  'reviewTimeSeconds',
  'reviewRounds',
  'revertedBy',
  'revertedAt',
] as const;

/**
 * The org's merged PRs of [fromDay, toDay] (by merge day) with their outcome, bots apart, optionally
 * of one repository (`owner/name`) or one person (the login the PR counts for), as columns. Read
 * from `attributions_outcomes_idx` alone (it covers every column read), each outcome by its primary
 * key, the PR itself only for a reverted one (its time to revert). The database hands each column over as one JSON array: making an
 * object per row cost three times as much as the rest of the read.
 */
export async function outcomeColumns(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  slice: { repository?: string | undefined; login?: string | undefined } = {},
): Promise<OutcomeColumns> {
  const repository = slice.repository?.toLowerCase() ?? null;
  const login = slice.login?.toLowerCase() ?? null;
  // SQLite's json_group_array; PostgreSQL's json_agg answers NULL over no rows, where SQLite answers [].
  const array = (value: SQL) => (db.engine === 'postgres' ? sql`coalesce(json_agg(${value}), '[]')` : sql`json_group_array(${value})`);
  // Booleans as 1/0 on both engines (PostgreSQL's json_agg would write true/false).
  const [row] = await db.values<string[]>(
    sql`SELECT ${array(sql`a.author_login`)}, ${array(sql`a.day`)}, ${array(sql`CASE WHEN a.with_claude_code THEN 1 ELSE 0 END`)}, ${array(sql`a.lines_added`)},
            ${array(sql`o.cycle_time_seconds`)}, ${array(sql`o.coding_time_seconds`)},
            ${array(sql`o.pickup_time_seconds`)}, ${array(sql`o.review_time_seconds`)},
            ${array(sql`CASE WHEN o.reverted_by IS NOT NULL THEN 1 ELSE 0 END`)},
            ${array(sql`CASE WHEN o.reverted_at IS NULL THEN NULL ELSE
              (SELECT ${db.dialect.wholeSecondsBetween(sql`o.reverted_at`, sql`p.merged_at`)} FROM pull_requests p WHERE p.id = a.pull_request_id) END`)}
     FROM attributions a ${db.dialect.indexHint('attributions_outcomes_idx')} JOIN pull_request_outcomes o ON o.pull_request_id = a.pull_request_id
     WHERE a.org = ${org} AND a.day >= ${fromDay} AND a.day <= ${toDay} AND a.is_bot = FALSE AND a.pull_request_id IS NOT NULL
       AND (CAST(${repository} AS TEXT) IS NULL OR a.repository = ${repository}) AND (CAST(${login} AS TEXT) IS NULL OR lower(a.author_login) = ${login})`,
  );
  const [logins, days, withClaudeCode, linesAdded, cycle, coding, pickup, review, reverted, timeToRevert] = row!.map((json) => JSON.parse(json) as unknown[]);
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
