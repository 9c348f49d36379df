import type { PullRequestOutcome } from '../outcomes/pull-request-outcome.js';
import type { Db } from './client.js';
import { METRIC_COLUMN_NAMES, METRIC_KEYS, type DailyMetrics } from './daily-metrics.js';
import { dailyModelUsage, dailyTerminalModelUsage } from './schema.js';
import { statement } from './statement-cache.js';
import { selectColumns } from './table-sql.js';
import type { ModelUsage } from './token-usage.js';
import { inTeamSql, teamParams } from './team-queries.js';

/*
 * Reads of the processed metrics for the API and the pages: sums of the daily rollups over a day
 * range, and the attributions behind them. Lists page by keyset (the last row's key), so a page
 * fetched after new rows arrive neither skips nor repeats a row.
 */

const SUMS = METRIC_KEYS.map((k) => `coalesce(sum(${METRIC_COLUMN_NAMES[k]}), 0) AS ${k}`).join(', ');
const COLUMNS = METRIC_KEYS.map((k) => `${METRIC_COLUMN_NAMES[k]} AS ${k}`).join(', ');

export type MetricTotals = DailyMetrics;

/** When the org's numbers were last processed: the end of the last successful run that covered it. */
export function dataProcessedAt(db: Db, org: string): string | null {
  const row = statement(
    db,
    "SELECT max(finished_at) AS at FROM processing_runs WHERE status = 'succeeded' AND (org IS NULL OR org = ?)",
  ).get(org) as { at: string | null };
  return row.at;
}

export function orgTotals(db: Db, org: string, fromDay: string, toDay: string): MetricTotals {
  const totals = statement(db, `SELECT ${SUMS} FROM daily_org_metrics WHERE org = ? AND day >= ? AND day <= ?`).get(org, fromDay, toDay) as MetricTotals;
  // People active on any day of the range, each counted once.
  totals.activeUsers = (
    statement(
      db,
      `SELECT count(*) AS n FROM (
         SELECT user_key FROM daily_user_metrics INDEXED BY daily_user_metrics_active_org_user_key_day_idx
         WHERE org = ? AND active_users > 0 AND day >= ? AND day <= ? GROUP BY user_key)`,
    ).get(
      org,
      fromDay,
      toDay,
    ) as { n: number }
  ).n;
  return totals;
}

/** How many days of the range processing rolled up for the org (a processed day has its org row, zeros included). */
export function processedDays(db: Db, org: string, fromDay: string, toDay: string): number {
  return (statement(db, 'SELECT count(*) AS n FROM daily_org_metrics WHERE org = ? AND day >= ? AND day <= ?').get(org, fromDay, toDay) as { n: number }).n;
}

export function orgDays(db: Db, org: string, fromDay: string, toDay: string): Map<string, MetricTotals> {
  const rows = statement(db, `SELECT day, ${COLUMNS} FROM daily_org_metrics WHERE org = ? AND day >= ? AND day <= ? ORDER BY day`).all(
    org,
    fromDay,
    toDay,
  ) as (MetricTotals & { day: string })[];
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

export interface UserTotals extends MetricTotals {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
}

/** Per person over the range, ordered by user key, from after `afterKey`. */
export function userTotals(db: Db, org: string, fromDay: string, toDay: string, page: { afterKey?: string | undefined; limit: number }): UserTotals[] {
  const rows = statement(
    db,
    `SELECT user_key AS userKey, max(github_login) AS githubLogin, max(email) AS email, ${SUMS}
     FROM daily_user_metrics WHERE org = ? AND day >= ? AND day <= ? AND user_key > ?
     GROUP BY user_key ORDER BY user_key LIMIT ?`,
  ).all(org, fromDay, toDay, page.afterKey ?? '', page.limit) as UserTotals[];
  // Active on any day of the range.
  for (const r of rows) r.activeUsers = r.activeUsers > 0 ? 1 : 0;
  return rows;
}

/** Each person's last day (up to `toDay`) with Claude Code activity or a merged PR, by user key. */
export function lastActiveDays(db: Db, org: string, toDay: string): Map<string, string> {
  const rows = statement(
    db,
    `SELECT user_key AS userKey, max(day) AS day FROM daily_user_metrics
     WHERE org = ? AND day <= ? AND (active_users > 0 OR pull_requests_merged > 0) GROUP BY user_key`,
  ).all(org, toDay) as { userKey: string; day: string }[];
  return new Map(rows.map((r) => [r.userKey, r.day]));
}

/** One person's totals over the range (zeros when the person had nothing in it). */
export function userTotal(db: Db, org: string, userKey: string, fromDay: string, toDay: string): MetricTotals {
  const totals = statement(db, `SELECT ${SUMS} FROM daily_user_metrics WHERE org = ? AND user_key = ? AND day >= ? AND day <= ?`).get(
    org,
    userKey,
    fromDay,
    toDay,
  ) as MetricTotals;
  totals.activeUsers = totals.activeUsers > 0 ? 1 : 0;
  return totals;
}

export function userDays(db: Db, org: string, userKey: string, fromDay: string, toDay: string): (MetricTotals & { day: string })[] {
  return statement(db, `SELECT day, ${COLUMNS} FROM daily_user_metrics WHERE org = ? AND user_key = ? AND day >= ? AND day <= ? ORDER BY day`).all(
    org,
    userKey,
    fromDay,
    toDay,
  ) as (MetricTotals & { day: string })[];
}

export function knownUser(db: Db, org: string, userKey: string): { githubLogin: string | null; email: string | null } | undefined {
  const row = statement(db, 'SELECT max(github_login) AS githubLogin, max(email) AS email, count(*) AS n FROM daily_user_metrics WHERE org = ? AND user_key = ?').get(
    org,
    userKey,
  ) as { githubLogin: string | null; email: string | null; n: number };
  return row.n > 0 ? { githubLogin: row.githubLogin, email: row.email } : undefined;
}

/** The org's repository called `fullName` (any case), as GitHub spells it; undefined when the org has none by that name. */
export function knownRepository(db: Db, org: string, fullName: string): string | undefined {
  const row = statement(db, 'SELECT full_name AS fullName FROM repositories WHERE lower(owner_login) = lower(?) AND lower(full_name) = lower(?)').get(org, fullName) as
    | { fullName: string }
    | undefined;
  return row?.fullName;
}

export function repositoryTotals(db: Db, org: string, fromDay: string, toDay: string): (MetricTotals & { repository: string })[] {
  return statement(
    db,
    `SELECT repository, ${SUMS} FROM daily_repository_metrics WHERE org = ? AND day >= ? AND day <= ? GROUP BY repository ORDER BY repository`,
  ).all(org, fromDay, toDay) as (MetricTotals & { repository: string })[];
}

/** One repository's totals over the range (zeros when it had nothing in it); `repository` in any case. */
export function repositoryTotal(db: Db, org: string, repository: string, fromDay: string, toDay: string): MetricTotals {
  return statement(db, `SELECT ${SUMS} FROM daily_repository_metrics WHERE org = ? AND repository = ? AND day >= ? AND day <= ?`).get(
    org,
    repository.toLowerCase(),
    fromDay,
    toDay,
  ) as MetricTotals;
}

/** One repository's figures per day of the range (days without any are absent). */
export function repositoryDays(db: Db, org: string, repository: string, fromDay: string, toDay: string): Map<string, MetricTotals> {
  const rows = statement(db, `SELECT day, ${COLUMNS} FROM daily_repository_metrics WHERE org = ? AND repository = ? AND day >= ? AND day <= ? ORDER BY day`).all(
    org,
    repository.toLowerCase(),
    fromDay,
    toDay,
  ) as (MetricTotals & { day: string })[];
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

/** The sums of a contribution row, by the rollup's rules, over the rows of `CONTRIBUTION_ROWS`. */
const CONTRIBUTION_SUMS = `
  sum(CASE WHEN NOT bot AND pr THEN 1 ELSE 0 END) AS pullRequestsMerged,
  sum(CASE WHEN NOT bot AND pr AND with_cc THEN 1 ELSE 0 END) AS pullRequestsWithClaudeCode,
  sum(CASE WHEN NOT bot AND pr AND NOT with_cc THEN 1 ELSE 0 END) AS pullRequestsWithoutClaudeCode,
  sum(CASE WHEN NOT bot THEN opened ELSE 0 END) AS pullRequestsOpened,
  sum(CASE WHEN bot AND pr THEN 1 ELSE 0 END) AS pullRequestsByBots,
  sum(CASE WHEN NOT bot THEN added ELSE 0 END) AS linesCommitted,
  sum(CASE WHEN NOT bot THEN with_lines ELSE 0 END) AS linesWithClaudeCode,
  sum(CASE WHEN NOT bot THEN added - with_lines ELSE 0 END) AS linesWithoutClaudeCode`;

/** One repository's attributed subjects (merged PRs, pushed commits) and opened PRs of the range, one row each, with their day. */
const CONTRIBUTION_ROWS = `
  SELECT author_login AS login, day, is_bot AS bot, pull_request_id IS NOT NULL AS pr, with_claude_code AS with_cc,
    lines_added AS added, lines_with_claude_code AS with_lines, 0 AS opened
  FROM attributions WHERE org = @org AND repository = @repository AND day >= @fromDay AND day <= @toDay
  UNION ALL
  SELECT p.author_login, substr(p.created_at, 1, 10), p.author_is_bot, 0, 0, 0, 0, 1
  FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
  WHERE lower(r.owner_login) = lower(@org) AND lower(r.full_name) = @repository AND p.created_at >= @fromDay AND p.created_at < @toDay || 'T99'`;

export function contributionsToRepository(db: Db, org: string, repository: string, fromDay: string, toDay: string): RepositoryContribution[] {
  return statement(
    db,
    `SELECT lower(login) AS userKey, max(login) AS githubLogin, ${CONTRIBUTION_SUMS}
     FROM (${CONTRIBUTION_ROWS}) GROUP BY lower(login) ORDER BY userKey`,
  ).all({ org, repository: repository.toLowerCase(), fromDay, toDay }) as RepositoryContribution[];
}

/** One person's contribution to one repository per day of the range (days without any are absent). */
export function personRepositoryDays(
  db: Db,
  org: string,
  repository: string,
  userKey: string,
  fromDay: string,
  toDay: string,
): Map<string, Omit<RepositoryContribution, 'userKey' | 'githubLogin'>> {
  const rows = statement(
    db,
    `SELECT day, ${CONTRIBUTION_SUMS}
     FROM (${CONTRIBUTION_ROWS}) WHERE lower(login) = @userKey GROUP BY day ORDER BY day`,
  ).all({ org, repository: repository.toLowerCase(), fromDay, toDay, userKey: userKey.toLowerCase() }) as (Omit<RepositoryContribution, 'userKey' | 'githubLogin'> & { day: string })[];
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

const PR_SELECT = `SELECT a.id AS id, a.subject AS subject, a.repository AS repository, a.number AS number, p.title AS title,
    a.author_login AS authorLogin, a.is_bot AS isBot, p.created_at AS createdAt, p.merged_at AS mergedAt,
    a.with_claude_code AS withClaudeCode, a.lines_added AS linesAdded, a.lines_with_claude_code AS linesWithClaudeCode,
    a.evidence AS evidence, a.attributed_at AS attributedAt,
    o.pull_request_id AS outcomeOf, o.first_commit_at AS firstCommitAt, o.cycle_time_seconds AS cycleTimeSeconds,
    o.coding_time_seconds AS codingTimeSeconds, o.pickup_time_seconds AS pickupTimeSeconds, o.review_time_seconds AS reviewTimeSeconds,
    o.review_rounds AS reviewRounds, o.reverted_by AS revertedBy, o.reverted_at AS revertedAt,
    d.surviving_14d AS surviving14d, d.surviving_30d AS surviving30d, d.surviving_90d AS surviving90d
  FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id
    LEFT JOIN pull_request_outcomes o ON o.pull_request_id = a.pull_request_id
    LEFT JOIN pull_request_durability d ON d.pull_request_id = a.pull_request_id`;

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
export function pullRequestAttributions(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  page: { withClaudeCode?: boolean | undefined; after?: [string, number] | undefined; limit: number; team?: string | undefined },
): PullRequestAttribution[] {
  const [afterAt, afterId] = page.after ?? ['', 0];
  const filter = page.withClaudeCode === undefined ? -1 : page.withClaudeCode ? 1 : 0;
  const team = page.team === undefined ? '' : `AND ${inTeamSql('lower(a.author_login)', 'a.day')}`;
  return (
    statement(
      db,
      `${PR_SELECT}
       WHERE a.org = ? AND a.day >= ? AND a.day <= ? AND (? = -1 OR a.with_claude_code = ?)
         AND (p.merged_at > ? OR (p.merged_at = ? AND a.id > ?)) ${team}
       ORDER BY p.merged_at, a.id LIMIT ?`,
    ).all(org, fromDay, toDay, filter, filter, afterAt, afterAt, afterId, ...(page.team === undefined ? [] : teamParams(org, page.team)), page.limit) as Record<
      string,
      unknown
    >[]
  ).map(toAttribution);
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

function pullRequestListWhere(org: string, fromDay: string, toDay: string, f: PullRequestListFilter): { sql: string; params: unknown[] } {
  const clauses = ['a.org = ?', 'a.day >= ?', 'a.day <= ?'];
  const params: unknown[] = [org, fromDay, toDay];
  if (f.withClaudeCode !== undefined) clauses.push('a.with_claude_code = ?'), params.push(f.withClaudeCode ? 1 : 0);
  if (f.bots !== undefined) clauses.push('a.is_bot = ?'), params.push(f.bots ? 1 : 0);
  if (f.repository !== undefined) clauses.push('a.repository = ?'), params.push(f.repository.toLowerCase());
  if (f.author !== undefined) clauses.push('lower(a.author_login) = ?'), params.push(f.author.toLowerCase());
  if (f.titleContains !== undefined) clauses.push("p.title LIKE ? ESCAPE '\\'"), params.push(`%${f.titleContains.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  if (f.team !== undefined) clauses.push(inTeamSql('lower(a.author_login)', 'a.day')), params.push(...teamParams(org, f.team));
  return { sql: `WHERE ${clauses.join(' AND ')}`, params };
}

/** Merged PRs of the range, newest first, narrowed by `filter`: the page `offset / limit`. */
export function pullRequestList(
  db: Db,
  org: string,
  range: { fromDay: string; toDay: string },
  filter: PullRequestListFilter,
  page: { offset: number; limit: number },
): PullRequestAttribution[] {
  const where = pullRequestListWhere(org, range.fromDay, range.toDay, filter);
  return (
    statement(db, `${PR_SELECT} ${where.sql} ORDER BY p.merged_at DESC, a.id DESC LIMIT ? OFFSET ?`).all(...where.params, page.limit, page.offset) as Record<
      string,
      unknown
    >[]
  ).map(toAttribution);
}

/** How many merged PRs of the range `filter` keeps. */
export function pullRequestListCount(db: Db, org: string, range: { fromDay: string; toDay: string }, filter: PullRequestListFilter): number {
  const where = pullRequestListWhere(org, range.fromDay, range.toDay, filter);
  const row = statement(db, `SELECT count(*) AS n FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id ${where.sql}`).get(...where.params) as { n: number };
  return row.n;
}

export function pullRequestAttribution(db: Db, org: string, repository: string, number: number): PullRequestAttribution | undefined {
  const row = statement(db, `${PR_SELECT} WHERE a.org = ? AND a.repository = ? AND a.number = ?`).get(org, repository.toLowerCase(), number) as
    | Record<string, unknown>
    | undefined;
  return row ? toAttribution(row) : undefined;
}

export interface UsageRow extends MetricTotals {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
  terminalType: string | null;
  customerType: string | null;
}

/** People with Claude Code activity on one day, by user key, after `afterKey`. */
export function usageOfDay(db: Db, org: string, day: string, page: { afterKey?: string | undefined; limit: number }): UsageRow[] {
  return statement(
    db,
    `SELECT user_key AS userKey, github_login AS githubLogin, email, terminal_type AS terminalType, customer_type AS customerType, ${COLUMNS}
     FROM daily_user_metrics WHERE org = ? AND day = ? AND active_users > 0 AND user_key > ? ORDER BY user_key LIMIT ?`,
  ).all(org, day, page.afterKey ?? '', page.limit) as UsageRow[];
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
export function terminalUsageOfDay(db: Db, org: string, day: string, page: { after?: TerminalUsageKey | undefined; limit: number }): TerminalUsageRow[] {
  const [afterKey, afterTerminal, afterRemote] = page.after ?? ['', '', -1];
  const rows = statement(
    db,
    `SELECT * FROM (
       SELECT user_key AS userKey, terminal_type AS terminalType, is_remote AS isRemote, 0 AS wholeDay, ${COLUMNS}
       FROM daily_terminal_metrics WHERE org = @org AND day = @day
       UNION ALL
       SELECT user_key AS userKey, coalesce(terminal_type, 'unknown') AS terminalType, 0 AS isRemote, 1 AS wholeDay, ${COLUMNS}
       FROM daily_user_metrics u WHERE org = @org AND day = @day AND active_users > 0
         AND NOT EXISTS (SELECT 1 FROM daily_terminal_metrics t WHERE t.org = u.org AND t.day = u.day AND t.user_key = u.user_key))
     WHERE (userKey, terminalType, isRemote) > (@afterKey, @afterTerminal, @afterRemote)
     ORDER BY userKey, terminalType, isRemote LIMIT @limit`,
  ).all({ org, day, afterKey, afterTerminal, afterRemote, limit: page.limit }) as (MetricTotals & {
    userKey: string;
    terminalType: string;
    isRemote: number;
    wholeDay: number;
  })[];
  const keys = [...new Set(rows.map((r) => r.userKey))];
  const people = new Map(
    keys.length === 0
      ? []
      : (
          db.$client
            .prepare(
              `SELECT user_key AS userKey, github_login AS githubLogin, email, terminal_type AS terminalType, customer_type AS customerType, ${COLUMNS}
               FROM daily_user_metrics WHERE org = ? AND day = ? AND user_key IN (${keys.map(() => '?').join(', ')})`,
            )
            .all(org, day, ...keys) as UsageRow[]
        ).map((p) => [p.userKey, p]),
  );
  // Of the person's main terminal, the local row when there is one, else the remote one (on whatever page it is).
  const mainRemote = new Map(
    keys.length === 0
      ? []
      : (
          db.$client
            .prepare(
              `SELECT t.user_key AS userKey, min(t.is_remote) AS isRemote FROM daily_terminal_metrics t
               JOIN daily_user_metrics u ON u.org = t.org AND u.day = t.day AND u.user_key = t.user_key AND coalesce(u.terminal_type, 'unknown') = t.terminal_type
               WHERE t.org = ? AND t.day = ? AND t.user_key IN (${keys.map(() => '?').join(', ')}) GROUP BY t.user_key`,
            )
            .all(org, day, ...keys) as { userKey: string; isRemote: number }[]
        ).map((m) => [m.userKey, m.isRemote]),
  );
  return rows.map((r) => {
    const person = people.get(r.userKey)!;
    const main = r.terminalType === (person.terminalType ?? 'unknown') && r.isRemote === (mainRemote.get(r.userKey) ?? 0);
    return { ...r, isRemote: r.isRemote === 1, person, main, wholeDay: r.wholeDay === 1 };
  });
}

const TERMINAL_MODEL_USAGE_COLUMNS = selectColumns(dailyTerminalModelUsage, ['org', 'day']);

/** The models of the day's per-terminal rows of these people. */
export function terminalModelUsageOfDay(db: Db, org: string, day: string, userKeys: string[]): (ModelUsageRow & { terminalType: string; isRemote: number })[] {
  if (userKeys.length === 0) return [];
  return db.$client
    .prepare(
      `SELECT ${TERMINAL_MODEL_USAGE_COLUMNS}
       FROM daily_terminal_model_usage WHERE org = ? AND day = ? AND user_key IN (${userKeys.map(() => '?').join(', ')}) ORDER BY user_key, terminal_type, is_remote, model`,
    )
    .all(org, day, ...userKeys) as (ModelUsageRow & { terminalType: string; isRemote: number })[];
}

/** One person's tokens, cost and requests of one model on one day. */
export type ModelUsageRow = ModelUsage;

const MODEL_USAGE_COLUMNS = selectColumns(dailyModelUsage, ['org', 'day']);

export function modelUsageOfDay(db: Db, org: string, day: string, userKeys: string[]): ModelUsageRow[] {
  if (userKeys.length === 0) return [];
  return db.$client
    .prepare(
      `SELECT ${MODEL_USAGE_COLUMNS}
       FROM daily_model_usage WHERE org = ? AND day = ? AND user_key IN (${userKeys.map(() => '?').join(', ')}) ORDER BY user_key, model`,
    )
    .all(org, day, ...userKeys) as ModelUsageRow[];
}

/** The org's spend per day and model over the range. */
export function modelSpendByDay(db: Db, org: string, fromDay: string, toDay: string): { day: string; model: string; costUsd: number }[] {
  return statement(
    db,
    `SELECT day, model, sum(cost_micro_usd) / 1e6 AS costUsd FROM daily_model_usage WHERE org = ? AND day >= ? AND day <= ? GROUP BY day, model ORDER BY day, model`,
  ).all(org, fromDay, toDay) as { day: string; model: string; costUsd: number }[];
}

/** Whether any Claude Code session ever reported to the org. */
export function hasTelemetry(db: Db, org: string): boolean {
  return statement(db, 'SELECT 1 AS one FROM claude_sessions WHERE org = ? LIMIT 1').get(org) !== undefined;
}
