import { sql, type SQL } from 'drizzle-orm';
import type { PullRequestOutcome } from '../outcomes/pull-request-outcome.js';
import type { Db } from './client.js';
import { emptyMetrics, METRIC_COLUMN_NAMES, METRIC_KEYS, type DailyMetrics } from './daily-metrics.js';
import { dailyModelUsage, dailyTerminalModelUsage } from './schema.js';
import { selectColumns } from './table-sql.js';
import type { ModelUsage } from './token-usage.js';
import { inTeamSql, namesNothingStored } from './team-queries.js';

/*
 * Reads of the processed metrics for the API and the pages: sums of the daily rollups over a day
 * range, and the attributions behind them. Lists page by keyset (the last row's key), so a page
 * fetched after new rows arrive neither skips nor repeats a row.
 */

// Constant text made from the schema's column names; the aliases are quoted so that PostgreSQL keeps their case.
const SUMS = sql.raw(METRIC_KEYS.map((k) => `coalesce(sum(${METRIC_COLUMN_NAMES[k]}), 0) AS "${k}"`).join(', '));
const COLUMNS = sql.raw(METRIC_KEYS.map((k) => `${METRIC_COLUMN_NAMES[k]} AS "${k}"`).join(', '));

export type MetricTotals = DailyMetrics;

/** `TRUE` / `FALSE` as SQL text (both engines read them; better-sqlite3 cannot bind a JS boolean). */
const booleanLiteral = (value: boolean): SQL => sql.raw(value ? 'TRUE' : 'FALSE');

/** When the org's numbers were last processed: the end of the last successful run that covered it. */
export async function dataProcessedAt(db: Db, org: string): Promise<string | null> {
  const row = await db.get<{ at: string | null }>(
    sql`SELECT max(finished_at) AS at FROM processing_runs WHERE status = 'succeeded' AND (org IS NULL OR org = ${org})`,
  );
  return row?.at ?? null;
}

/** The sums of every metric but active users (an org's days count a person active on several days once each day). */
const SUMS_BUT_ACTIVE_USERS = sql.raw(
  METRIC_KEYS.filter((k) => k !== 'activeUsers')
    .map((k) => `coalesce(sum(${METRIC_COLUMN_NAMES[k]}), 0) AS "${k}"`)
    .join(', '),
);

export async function orgTotals(db: Db, org: string, fromDay: string, toDay: string): Promise<MetricTotals> {
  // One statement (one round trip on PostgreSQL): the days' sums, and the people active on any
  // day of the range, each counted once.
  const { activeUsers, ...sums } = (await db.get<MetricTotals>(
    sql`SELECT ${SUMS_BUT_ACTIVE_USERS}, (SELECT count(*) FROM (
          SELECT user_key FROM daily_user_metrics ${db.dialect.indexHint('daily_user_metrics_active_org_user_key_day_idx')}
          WHERE org = ${org} AND active_users > 0 AND day >= ${fromDay} AND day <= ${toDay} GROUP BY user_key) AS active) AS "activeUsers"
        FROM daily_org_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay}`,
  ))!;
  // Each metric in its usual place.
  return Object.fromEntries(METRIC_KEYS.map((k) => [k, k === 'activeUsers' ? activeUsers : sums[k]])) as unknown as MetricTotals;
}

/** How many days of the range processing rolled up for the org (a processed day has its org row, zeros included). */
export async function processedDays(db: Db, org: string, fromDay: string, toDay: string): Promise<number> {
  return (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM daily_org_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay}`))!.n;
}

export async function orgDays(db: Db, org: string, fromDay: string, toDay: string): Promise<Map<string, MetricTotals>> {
  const rows = await db.all<MetricTotals & { day: string }>(
    sql`SELECT day, ${COLUMNS} FROM daily_org_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} ORDER BY day`,
  );
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

export interface UserTotals extends MetricTotals {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
}

/** Per person over the range, ordered by user key, from after `afterKey`. */
export async function userTotals(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  page: { afterKey?: string | undefined; limit: number },
): Promise<UserTotals[]> {
  const rows = await db.all<UserTotals>(
    sql`SELECT user_key AS "userKey", max(github_login) AS "githubLogin", max(email) AS email, ${SUMS}
        FROM daily_user_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} AND user_key > ${page.afterKey ?? ''}
        GROUP BY user_key ORDER BY user_key LIMIT ${page.limit}`,
  );
  // Active on any day of the range.
  for (const r of rows) r.activeUsers = r.activeUsers > 0 ? 1 : 0;
  return rows;
}

/** The figures the overview ranks people by: its leaderboards, and its top spenders. */
export const LEADERBOARD_KEYS = ['pullRequestsMerged', 'pullRequestsWithClaudeCode', 'linesCommitted', 'linesWithClaudeCode', 'costMicroUsd'] as const satisfies readonly (keyof MetricTotals)[];
const LEADERBOARD_SUMS = sql.raw(LEADERBOARD_KEYS.map((k) => `coalesce(sum(${METRIC_COLUMN_NAMES[k]}), 0) AS "${k}"`).join(', '));
const ANY_LEADERBOARD_FIGURE = sql.raw(LEADERBOARD_KEYS.map((k) => `sum(${METRIC_COLUMN_NAMES[k]}) > 0`).join(' OR '));

/**
 * `userTotals` of everyone with one of those figures above 0 over the range, those figures only
 * (the others 0): about twice as fast on a large org as summing every figure, and one read for
 * the leaderboards and the top spenders.
 */
export async function leaderboardTotals(db: Db, org: string, fromDay: string, toDay: string): Promise<UserTotals[]> {
  const rows = await db.all<Pick<UserTotals, 'userKey' | 'githubLogin' | 'email' | (typeof LEADERBOARD_KEYS)[number]>>(
    sql`SELECT user_key AS "userKey", max(github_login) AS "githubLogin", max(email) AS email, ${LEADERBOARD_SUMS}
        FROM daily_user_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay}
        GROUP BY user_key HAVING ${ANY_LEADERBOARD_FIGURE}`,
  );
  return rows.map((r) => ({ ...emptyMetrics(), ...r }));
}

/** Each person's last day (up to `toDay`) with Claude Code activity or a merged PR, by user key. */
export async function lastActiveDays(db: Db, org: string, toDay: string): Promise<Map<string, string>> {
  const rows = await db.all<{ userKey: string; day: string }>(
    sql`SELECT user_key AS "userKey", max(day) AS day FROM daily_user_metrics
        WHERE org = ${org} AND day <= ${toDay} AND (active_users > 0 OR pull_requests_merged > 0) GROUP BY user_key`,
  );
  return new Map(rows.map((r) => [r.userKey, r.day]));
}

/** One person's totals over the range (zeros when the person had nothing in it). */
export async function userTotal(db: Db, org: string, userKey: string, fromDay: string, toDay: string): Promise<MetricTotals> {
  const totals = (await db.get<MetricTotals>(
    sql`SELECT ${SUMS} FROM daily_user_metrics WHERE org = ${org} AND user_key = ${userKey} AND day >= ${fromDay} AND day <= ${toDay}`,
  ))!;
  totals.activeUsers = totals.activeUsers > 0 ? 1 : 0;
  return totals;
}

export async function userDays(db: Db, org: string, userKey: string, fromDay: string, toDay: string): Promise<(MetricTotals & { day: string })[]> {
  return db.all<MetricTotals & { day: string }>(
    sql`SELECT day, ${COLUMNS} FROM daily_user_metrics WHERE org = ${org} AND user_key = ${userKey} AND day >= ${fromDay} AND day <= ${toDay} ORDER BY day`,
  );
}

export async function knownUser(db: Db, org: string, userKey: string): Promise<{ githubLogin: string | null; email: string | null } | undefined> {
  if (namesNothingStored(userKey)) return undefined;
  const row = (await db.get<{ githubLogin: string | null; email: string | null; n: number }>(
    sql`SELECT max(github_login) AS "githubLogin", max(email) AS email, count(*) AS n FROM daily_user_metrics WHERE org = ${org} AND user_key = ${userKey}`,
  ))!;
  return row.n > 0 ? { githubLogin: row.githubLogin, email: row.email } : undefined;
}

/** The org's repository called `fullName` (any case), as GitHub spells it; undefined when the org has none by that name. */
export async function knownRepository(db: Db, org: string, fullName: string): Promise<string | undefined> {
  if (namesNothingStored(fullName)) return undefined;
  const row = await db.get<{ fullName: string }>(
    sql`SELECT full_name AS "fullName" FROM repositories WHERE lower(owner_login) = lower(${org}) AND lower(full_name) = lower(${fullName})`,
  );
  return row?.fullName;
}

export async function repositoryTotals(db: Db, org: string, fromDay: string, toDay: string): Promise<(MetricTotals & { repository: string })[]> {
  return db.all<MetricTotals & { repository: string }>(
    sql`SELECT repository, ${SUMS} FROM daily_repository_metrics WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} GROUP BY repository ORDER BY repository`,
  );
}

/** One repository's totals over the range (zeros when it had nothing in it); `repository` in any case. */
export async function repositoryTotal(db: Db, org: string, repository: string, fromDay: string, toDay: string): Promise<MetricTotals> {
  return (await db.get<MetricTotals>(
    sql`SELECT ${SUMS} FROM daily_repository_metrics WHERE org = ${org} AND repository = ${repository.toLowerCase()} AND day >= ${fromDay} AND day <= ${toDay}`,
  ))!;
}

/** One repository's figures per day of the range (days without any are absent). */
export async function repositoryDays(db: Db, org: string, repository: string, fromDay: string, toDay: string): Promise<Map<string, MetricTotals>> {
  const rows = await db.all<MetricTotals & { day: string }>(
    sql`SELECT day, ${COLUMNS} FROM daily_repository_metrics
        WHERE org = ${org} AND repository = ${repository.toLowerCase()} AND day >= ${fromDay} AND day <= ${toDay} ORDER BY day`,
  );
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

/**
 * What each person contributed to one repository over the range, by the rollup's rules (bots' PRs
 * apart, no lines of theirs; opened PRs by people only), summed from what the rollup is summed
 * from: the attributions and the PRs opened.
 */
export interface RepositoryContribution {
  /** The author's user key (the login, lower case), as the rollup keys a person's PRs. */
  userKey: string;
  githubLogin: string;
  pullRequestsMerged: number;
  pullRequestsWithClaudeCode: number;
  pullRequestsWithoutClaudeCode: number;
  pullRequestsOpened: number;
  pullRequestsByBots: number;
  linesCommitted: number;
  linesWithClaudeCode: number;
  linesWithoutClaudeCode: number;
}

/** The sums of a contribution row, by the rollup's rules, over the rows of `contributionRows`. */
const CONTRIBUTION_SUMS = sql.raw(`
  sum(CASE WHEN NOT bot AND pr THEN 1 ELSE 0 END) AS "pullRequestsMerged",
  sum(CASE WHEN NOT bot AND pr AND with_cc THEN 1 ELSE 0 END) AS "pullRequestsWithClaudeCode",
  sum(CASE WHEN NOT bot AND pr AND NOT with_cc THEN 1 ELSE 0 END) AS "pullRequestsWithoutClaudeCode",
  sum(CASE WHEN NOT bot THEN opened ELSE 0 END) AS "pullRequestsOpened",
  sum(CASE WHEN bot AND pr THEN 1 ELSE 0 END) AS "pullRequestsByBots",
  sum(CASE WHEN NOT bot THEN added ELSE 0 END) AS "linesCommitted",
  sum(CASE WHEN NOT bot THEN with_lines ELSE 0 END) AS "linesWithClaudeCode",
  sum(CASE WHEN NOT bot THEN added - with_lines ELSE 0 END) AS "linesWithoutClaudeCode"`);

/**
 * One repository's attributed subjects (merged PRs, pushed commits) and opened PRs of the range, one
 * row each, with their day. `bot`, `pr` and `with_cc` are booleans (FALSE in the opened PRs' rows:
 * PostgreSQL matches a UNION's columns by type).
 */
const contributionRows = (org: string, repository: string, fromDay: string, toDay: string) => sql`
  SELECT author_login AS login, day, is_bot AS bot, pull_request_id IS NOT NULL AS pr, with_claude_code AS with_cc,
    lines_added AS added, lines_with_claude_code AS with_lines, 0 AS opened
  FROM attributions WHERE org = ${org} AND repository = ${repository} AND day >= ${fromDay} AND day <= ${toDay}
  UNION ALL
  SELECT p.author_login, substr(p.created_at, 1, 10), p.author_is_bot, FALSE, FALSE, 0, 0, 1
  FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
  WHERE lower(r.owner_login) = lower(${org}) AND lower(r.full_name) = ${repository} AND p.created_at >= ${fromDay} AND p.created_at < ${`${toDay}T99`}`;

export async function contributionsToRepository(db: Db, org: string, repository: string, fromDay: string, toDay: string): Promise<RepositoryContribution[]> {
  return db.all<RepositoryContribution>(
    sql`SELECT lower(login) AS "userKey", max(login) AS "githubLogin", ${CONTRIBUTION_SUMS}
        FROM (${contributionRows(org, repository.toLowerCase(), fromDay, toDay)}) AS c GROUP BY lower(login) ORDER BY "userKey"`,
  );
}

/** One person's contribution to one repository per day of the range (days without any are absent). */
export async function personRepositoryDays(
  db: Db,
  org: string,
  repository: string,
  userKey: string,
  fromDay: string,
  toDay: string,
): Promise<Map<string, Omit<RepositoryContribution, 'userKey' | 'githubLogin'>>> {
  const rows = await db.all<Omit<RepositoryContribution, 'userKey' | 'githubLogin'> & { day: string }>(
    sql`SELECT day, ${CONTRIBUTION_SUMS}
        FROM (${contributionRows(org, repository.toLowerCase(), fromDay, toDay)}) AS c WHERE lower(login) = ${userKey.toLowerCase()} GROUP BY day ORDER BY day`,
  );
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

export interface PullRequestAttribution {
  id: number;
  subject: string;
  repository: string;
  number: number;
  title: string;
  authorLogin: string;
  isBot: boolean;
  createdAt: string;
  mergedAt: string;
  withClaudeCode: boolean;
  linesAdded: number;
  linesWithClaudeCode: number;
  evidence: unknown[];
  attributedAt: string;
  /** The PR's outcome (spec: Outcomes); null until processing computed it. */
  outcome: PullRequestOutcome | null;
  /** Its lines still there 14, 30 and 90 days after the merge (spec: Outcomes, "Durability"); null until old enough or processed. */
  linesSurviving: { d14: number | null; d30: number | null; d90: number | null };
}

const PR_SELECT = sql.raw(`SELECT a.id AS id, a.subject AS subject, a.repository AS repository, a.number AS number, p.title AS title,
    a.author_login AS "authorLogin", a.is_bot AS "isBot", p.created_at AS "createdAt", p.merged_at AS "mergedAt",
    a.with_claude_code AS "withClaudeCode", a.lines_added AS "linesAdded", a.lines_with_claude_code AS "linesWithClaudeCode",
    a.evidence AS evidence, a.attributed_at AS "attributedAt",
    o.pull_request_id AS "outcomeOf", o.first_commit_at AS "firstCommitAt", o.cycle_time_seconds AS "cycleTimeSeconds",
    o.coding_time_seconds AS "codingTimeSeconds", o.pickup_time_seconds AS "pickupTimeSeconds", o.review_time_seconds AS "reviewTimeSeconds",
    o.review_rounds AS "reviewRounds", o.reverted_by AS "revertedBy", o.reverted_at AS "revertedAt",
    d.surviving_14d AS "surviving14d", d.surviving_30d AS "surviving30d", d.surviving_90d AS "surviving90d"
  FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id
    LEFT JOIN pull_request_outcomes o ON o.pull_request_id = a.pull_request_id
    LEFT JOIN pull_request_durability d ON d.pull_request_id = a.pull_request_id`);

function toAttribution(row: Record<string, unknown>): PullRequestAttribution {
  const { outcomeOf, firstCommitAt, cycleTimeSeconds, codingTimeSeconds, pickupTimeSeconds, reviewTimeSeconds, reviewRounds, revertedBy, revertedAt, surviving14d, surviving30d, surviving90d, ...rest } = row;
  const outcome = { firstCommitAt, cycleTimeSeconds, codingTimeSeconds, pickupTimeSeconds, reviewTimeSeconds, reviewRounds, revertedBy, revertedAt };
  return {
    ...(rest as unknown as Omit<PullRequestAttribution, 'outcome' | 'linesSurviving'>),
    isBot: Boolean(row.isBot),
    withClaudeCode: Boolean(row.withClaudeCode),
    evidence: JSON.parse(String(row.evidence)) as unknown[],
    outcome: outcomeOf === null ? null : (outcome as PullRequestAttribution['outcome']),
    linesSurviving: { d14: surviving14d as number | null, d30: surviving30d as number | null, d90: surviving90d as number | null },
  };
}

/** Merged PRs of the range by merge time, then id, after the cursor `after` (`[mergedAt, id]`); with `team`, only PRs its people merged while in it. */
export async function pullRequestAttributions(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  page: { withClaudeCode?: boolean | undefined; after?: [string, number] | undefined; limit: number; team?: string | undefined },
): Promise<PullRequestAttribution[]> {
  const [afterAt, afterId] = page.after ?? ['', 0];
  const withClaudeCode = page.withClaudeCode === undefined ? sql`` : sql`AND a.with_claude_code = ${booleanLiteral(page.withClaudeCode)}`;
  const team = page.team === undefined ? sql`` : sql`AND ${inTeamSql('lower(a.author_login)', 'a.day', org, page.team)}`;
  const rows = await db.all(
    sql`${PR_SELECT}
        WHERE a.org = ${org} AND a.day >= ${fromDay} AND a.day <= ${toDay} ${withClaudeCode}
          AND (p.merged_at > ${afterAt} OR (p.merged_at = ${afterAt} AND a.id > ${afterId})) ${team}
        ORDER BY p.merged_at, a.id LIMIT ${page.limit}`,
  );
  return rows.map(toAttribution);
}

/** What the pull requests page narrows the range's merged PRs to (each absent: no narrowing). */
export interface PullRequestListFilter {
  withClaudeCode?: boolean | undefined;
  /** true: bots' PRs only; false: people's only (the with/without comparison leaves bots out). */
  bots?: boolean | undefined;
  /** `owner/name`, any case. */
  repository?: string | undefined;
  /** The author's GitHub login, any case. */
  author?: string | undefined;
  /** Words the title contains, any case (matched literally, `%` and `_` too). */
  titleContains?: string | undefined;
  /** A team's slug: PRs its people merged while in it (spec: Teams). */
  team?: string | undefined;
}

function pullRequestListWhere(org: string, fromDay: string, toDay: string, f: PullRequestListFilter): SQL {
  const clauses = [sql`a.org = ${org}`, sql`a.day >= ${fromDay}`, sql`a.day <= ${toDay}`];
  if (f.withClaudeCode !== undefined) clauses.push(sql`a.with_claude_code = ${booleanLiteral(f.withClaudeCode)}`);
  if (f.bots !== undefined) clauses.push(sql`a.is_bot = ${booleanLiteral(f.bots)}`);
  if (f.repository !== undefined) clauses.push(sql`a.repository = ${f.repository.toLowerCase()}`);
  if (f.author !== undefined) clauses.push(sql`lower(a.author_login) = ${f.author.toLowerCase()}`);
  // SQLite's LIKE ignores ASCII case and PostgreSQL's does not: both sides lowered, it ignores it on both.
  if (f.titleContains !== undefined) {
    clauses.push(sql`lower(p.title) LIKE lower(${`%${f.titleContains.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`}) ESCAPE '\\'`);
  }
  if (f.team !== undefined) clauses.push(inTeamSql('lower(a.author_login)', 'a.day', org, f.team));
  return sql`WHERE ${sql.join(clauses, sql` AND `)}`;
}

/** Merged PRs of the range, newest first, narrowed by `filter`: the page `offset / limit`. */
export async function pullRequestList(
  db: Db,
  org: string,
  range: { fromDay: string; toDay: string },
  filter: PullRequestListFilter,
  page: { offset: number; limit: number },
): Promise<PullRequestAttribution[]> {
  const where = pullRequestListWhere(org, range.fromDay, range.toDay, filter);
  const rows = await db.all(sql`${PR_SELECT} ${where} ORDER BY p.merged_at DESC, a.id DESC LIMIT ${page.limit} OFFSET ${page.offset}`);
  return rows.map(toAttribution);
}

/** How many merged PRs of the range `filter` keeps. */
export async function pullRequestListCount(db: Db, org: string, range: { fromDay: string; toDay: string }, filter: PullRequestListFilter): Promise<number> {
  const where = pullRequestListWhere(org, range.fromDay, range.toDay, filter);
  const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id ${where}`);
  return row!.n;
}

export async function pullRequestAttribution(db: Db, org: string, repository: string, number: number): Promise<PullRequestAttribution | undefined> {
  const row = await db.get(sql`${PR_SELECT} WHERE a.org = ${org} AND a.repository = ${repository.toLowerCase()} AND a.number = ${number}`);
  return row ? toAttribution(row) : undefined;
}

export interface UsageRow extends MetricTotals {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
  terminalType: string | null;
  customerType: string | null;
}

/** Who a person of `daily_user_metrics` is, as `UsageRow` names it. */
const PERSON_COLUMNS = sql.raw('user_key AS "userKey", github_login AS "githubLogin", email, terminal_type AS "terminalType", customer_type AS "customerType"');

/** People with Claude Code activity on one day, by user key, after `afterKey`. */
export async function usageOfDay(db: Db, org: string, day: string, page: { afterKey?: string | undefined; limit: number }): Promise<UsageRow[]> {
  return db.all<UsageRow>(
    sql`SELECT ${PERSON_COLUMNS}, ${COLUMNS}
        FROM daily_user_metrics WHERE org = ${org} AND day = ${day} AND active_users > 0 AND user_key > ${page.afterKey ?? ''}
        ORDER BY user_key LIMIT ${page.limit}`,
  );
}

/** One person's Claude Code telemetry of a day on one terminal, with who the person is and their day's figures. */
export interface TerminalUsageRow extends MetricTotals {
  userKey: string;
  terminalType: string;
  /** The sessions ran remotely (Claude Code on the web). */
  isRemote: boolean;
  /** The person's day (every metric, PRs and lines committed too), shared by their terminals' rows. */
  person: UsageRow;
  /** The first row of the person's main terminal: the row that carries the person's PRs and lines. */
  main: boolean;
  /** Rolled up before terminals were kept: the row is the person's whole day. */
  wholeDay: boolean;
}

/** A row's place in the day's report: [user key, terminal, is remote (0 or 1)]. */
export type TerminalUsageKey = [string, string, number];

/**
 * The day's people per terminal and `is_remote`, in that order, after `after`: from the
 * per-terminal rollup, or for a day rolled up before it was kept, the person's day under its main
 * terminal.
 */
export async function terminalUsageOfDay(
  db: Db,
  org: string,
  day: string,
  page: { after?: TerminalUsageKey | undefined; limit: number },
): Promise<TerminalUsageRow[]> {
  // `isRemote` is a boolean on PostgreSQL (FALSE in the whole-day rows, to match the UNION's
  // column), so the cursor compares it with a boolean literal; no cursor before the first page.
  const after = page.after
    ? sql`WHERE ("userKey", "terminalType", "isRemote") > (${page.after[0]}, ${page.after[1]}, ${booleanLiteral(page.after[2] === 1)})`
    : sql``;
  const rows = await db.all<MetricTotals & { userKey: string; terminalType: string; isRemote: number; wholeDay: number }>(
    sql`SELECT * FROM (
          SELECT user_key AS "userKey", terminal_type AS "terminalType", is_remote AS "isRemote", 0 AS "wholeDay", ${COLUMNS}
          FROM daily_terminal_metrics WHERE org = ${org} AND day = ${day}
          UNION ALL
          SELECT user_key AS "userKey", coalesce(terminal_type, 'unknown') AS "terminalType", FALSE AS "isRemote", 1 AS "wholeDay", ${COLUMNS}
          FROM daily_user_metrics u WHERE org = ${org} AND day = ${day} AND active_users > 0
            AND NOT EXISTS (SELECT 1 FROM daily_terminal_metrics t WHERE t.org = u.org AND t.day = u.day AND t.user_key = u.user_key)) AS terminals
        ${after}
        ORDER BY "userKey", "terminalType", "isRemote" LIMIT ${page.limit}`,
  );
  const keys = [...new Set(rows.map((r) => r.userKey))];
  const people = new Map(
    keys.length === 0
      ? []
      : (
          await db.all<UsageRow>(
            sql`SELECT ${PERSON_COLUMNS}, ${COLUMNS}
                FROM daily_user_metrics WHERE org = ${org} AND day = ${day} AND ${db.dialect.anyOf(sql`user_key`, keys)}`,
          )
        ).map((p) => [p.userKey, p]),
  );
  // Of the person's main terminal, the local row when there is one, else the remote one (on whatever page it is).
  // PostgreSQL has no min(boolean): the flag is counted as 1/0.
  const mainRemote = new Map(
    keys.length === 0
      ? []
      : (
          await db.all<{ userKey: string; isRemote: number }>(
            sql`SELECT t.user_key AS "userKey", min(CASE WHEN t.is_remote THEN 1 ELSE 0 END) AS "isRemote" FROM daily_terminal_metrics t
                JOIN daily_user_metrics u ON u.org = t.org AND u.day = t.day AND u.user_key = t.user_key AND coalesce(u.terminal_type, 'unknown') = t.terminal_type
                WHERE t.org = ${org} AND t.day = ${day} AND ${db.dialect.anyOf(sql`t.user_key`, keys)} GROUP BY t.user_key`,
          )
        ).map((m) => [m.userKey, m.isRemote]),
  );
  return rows.map((r) => {
    const person = people.get(r.userKey)!;
    const main = r.terminalType === (person.terminalType ?? 'unknown') && r.isRemote === (mainRemote.get(r.userKey) ?? 0);
    return { ...r, isRemote: r.isRemote === 1, person, main, wholeDay: r.wholeDay === 1 };
  });
}

const TERMINAL_MODEL_USAGE_COLUMNS = sql.raw(selectColumns(dailyTerminalModelUsage, ['org', 'day']));

/** The models of the day's per-terminal rows of these people. */
export async function terminalModelUsageOfDay(
  db: Db,
  org: string,
  day: string,
  userKeys: string[],
): Promise<(ModelUsageRow & { terminalType: string; isRemote: number })[]> {
  if (userKeys.length === 0) return [];
  return db.all<ModelUsageRow & { terminalType: string; isRemote: number }>(
    sql`SELECT ${TERMINAL_MODEL_USAGE_COLUMNS}
        FROM daily_terminal_model_usage WHERE org = ${org} AND day = ${day} AND ${db.dialect.anyOf(sql`user_key`, userKeys)}
        ORDER BY user_key, terminal_type, is_remote, model`,
  );
}

/** One person's tokens, cost and requests of one model on one day. */
export type ModelUsageRow = ModelUsage;

const MODEL_USAGE_COLUMNS = sql.raw(selectColumns(dailyModelUsage, ['org', 'day']));

export async function modelUsageOfDay(db: Db, org: string, day: string, userKeys: string[]): Promise<ModelUsageRow[]> {
  if (userKeys.length === 0) return [];
  return db.all<ModelUsageRow>(
    sql`SELECT ${MODEL_USAGE_COLUMNS}
        FROM daily_model_usage WHERE org = ${org} AND day = ${day} AND ${db.dialect.anyOf(sql`user_key`, userKeys)} ORDER BY user_key, model`,
  );
}

/** The org's spend per day and model over the range. */
export async function modelSpendByDay(db: Db, org: string, fromDay: string, toDay: string): Promise<{ day: string; model: string; costUsd: number }[]> {
  return db.all<{ day: string; model: string; costUsd: number }>(
    sql`SELECT day, model, sum(cost_micro_usd) / 1e6 AS "costUsd" FROM daily_model_usage
        WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} GROUP BY day, model ORDER BY day, model`,
  );
}

/** Whether any Claude Code session ever reported to the org. */
export async function hasTelemetry(db: Db, org: string): Promise<boolean> {
  return (await db.get(sql`SELECT 1 AS one FROM claude_sessions WHERE org = ${org} LIMIT 1`)) !== undefined;
}
