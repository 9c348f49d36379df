import type { Evidence } from '../attribution/attribute-pull-request.js';
import { explainEvidence } from '../attribution/explain.js';
import type { Db } from '../db/client.js';
import type { MetricKey } from '../db/daily-metrics.js';
import { dataProcessedAt, orgTotals, userTotals, type MetricTotals, type PullRequestAttribution, type UserTotals } from '../db/metrics-queries.js';
import type { DayRange } from '../utc-days.js';

/*
 * The report rows the metrics API answers and the metrics pages draw: one code path, so a page and
 * the API show the same figure for the same range.
 */

/** accepted ÷ (accepted + rejected), four decimals; null when nothing was decided. */
export const rate = (accepted: number, rejected: number) =>
  accepted + rejected === 0 ? null : Math.round((accepted / (accepted + rejected)) * 10_000) / 10_000;

export const share = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

export const decisions = (m: MetricTotals) => {
  const accepted = m.editToolAccepted + m.multiEditToolAccepted + m.writeToolAccepted + m.notebookEditToolAccepted;
  const rejected = m.editToolRejected + m.multiEditToolRejected + m.writeToolRejected + m.notebookEditToolRejected;
  return { accepted, rejected };
};

/** US dollars of an integer micro-dollar amount (spend is summed exactly in micro-dollars, converted once here). */
export const usdOfMicro = (microUsd: number) => microUsd / 1_000_000;

export function summaryOf(m: MetricTotals) {
  const d = decisions(m);
  return {
    pull_requests: {
      merged: m.pullRequestsMerged,
      with_claude_code: m.pullRequestsWithClaudeCode,
      without_claude_code: m.pullRequestsWithoutClaudeCode,
      with_claude_code_share: share(m.pullRequestsWithClaudeCode, m.pullRequestsMerged),
      opened: m.pullRequestsOpened,
      by_bots: m.pullRequestsByBots,
    },
    lines_committed: { total: m.linesCommitted, with_claude_code: m.linesWithClaudeCode, without_claude_code: m.linesWithoutClaudeCode },
    claude_code: {
      lines_accepted: m.linesAccepted,
      lines_removed: m.linesRemoved,
      suggestion_accept_rate: rate(d.accepted, d.rejected),
      decisions: d,
      sessions: m.sessions,
      active_users: m.activeUsers,
      commits: m.commitsByClaudeCode,
      pull_requests: m.pullRequestsByClaudeCode,
      cost_usd: usdOfMicro(m.costMicroUsd),
    },
  };
}

export type Summary = ReturnType<typeof summaryOf>;

/** The org's totals over a range: the body of `GET /api/v1/orgs/{org}/summary`. */
export function summaryReport(db: Db, org: string, range: DayRange) {
  return {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    ...summaryOf(orgTotals(db, org, range.startDate, range.endDate)),
    data_processed_at: dataProcessedAt(db, org),
  };
}

// ---------------------------------------------------------------------------------------------
// Metric rows: each API field of a flat row is one entry, which gives both its value here and its
// type in the API's zod schema (src/http/api/schemas.ts). A new counter shown in a row is one entry.

/** What an API field holds: a whole count, a rate (null when undefined) or US dollars. */
export type FieldKind = 'count' | 'rate' | 'usd';
type FieldValue<K extends FieldKind> = K extends 'rate' ? number | null : number;

export interface MetricField<K extends FieldKind = FieldKind> {
  kind: K;
  of: (m: MetricTotals) => FieldValue<K>;
}

export type MetricFields = Record<string, MetricField>;

/** A field that is one stored metric, unchanged. */
const count = (key: MetricKey): MetricField<'count'> => ({ kind: 'count', of: (m) => m[key] });
const decisionsAccepted: MetricField<'count'> = { kind: 'count', of: (m) => decisions(m).accepted };
const decisionsRejected: MetricField<'count'> = { kind: 'count', of: (m) => decisions(m).rejected };
const suggestionAcceptRate: MetricField<'rate'> = {
  kind: 'rate',
  of: (m) => {
    const d = decisions(m);
    return rate(d.accepted, d.rejected);
  },
};
const costUsd: MetricField<'usd'> = { kind: 'usd', of: (m) => usdOfMicro(m.costMicroUsd) };

/** One day's figures (`GET …/daily`, a person's days), after `date`. */
export const DAILY_ROW_FIELDS = {
  pull_requests_merged: count('pullRequestsMerged'),
  pull_requests_merged_with_claude_code: count('pullRequestsWithClaudeCode'),
  pull_requests_merged_without_claude_code: count('pullRequestsWithoutClaudeCode'),
  pull_requests_by_bots: count('pullRequestsByBots'),
  pull_requests_opened: count('pullRequestsOpened'),
  lines_committed: count('linesCommitted'),
  lines_committed_with_claude_code: count('linesWithClaudeCode'),
  lines_committed_without_claude_code: count('linesWithoutClaudeCode'),
  lines_accepted: count('linesAccepted'),
  lines_removed: count('linesRemoved'),
  decisions_accepted: decisionsAccepted,
  decisions_rejected: decisionsRejected,
  suggestion_accept_rate: suggestionAcceptRate,
  sessions: count('sessions'),
  active_users: count('activeUsers'),
  commits_by_claude_code: count('commitsByClaudeCode'),
  pull_requests_by_claude_code: count('pullRequestsByClaudeCode'),
  cost_usd: costUsd,
} satisfies MetricFields;

/** Merged PRs and committed lines with and without Claude Code: what every per-repository and per-person row starts with. */
const CONTRIBUTION_FIELDS = {
  pull_requests_merged: count('pullRequestsMerged'),
  pull_requests_with_claude_code: count('pullRequestsWithClaudeCode'),
  pull_requests_without_claude_code: count('pullRequestsWithoutClaudeCode'),
  pull_requests_opened: count('pullRequestsOpened'),
  lines_committed: count('linesCommitted'),
  lines_with_claude_code: count('linesWithClaudeCode'),
  lines_without_claude_code: count('linesWithoutClaudeCode'),
} satisfies MetricFields;

/** One repository's figures over a range, after `repository`. */
export const REPOSITORY_ROW_FIELDS = CONTRIBUTION_FIELDS;

/** One person's figures over a range, after `login` and `email`. */
export const USER_ROW_FIELDS = {
  ...CONTRIBUTION_FIELDS,
  lines_accepted: count('linesAccepted'),
  suggestion_accept_rate: suggestionAcceptRate,
  sessions: count('sessions'),
  cost_usd: costUsd,
} satisfies MetricFields;

export type MetricRow<F extends MetricFields> = { [N in keyof F]: FieldValue<F[N]['kind']> };

/** The fields of `fields`, in their order, with their values for `m`. */
export function metricRow<F extends MetricFields>(fields: F, m: MetricTotals): MetricRow<F> {
  const row: Record<string, number | null> = {};
  for (const name in fields) row[name] = fields[name]!.of(m);
  return row as MetricRow<F>;
}

export function dailyRow(date: string, m: MetricTotals) {
  return { date, ...metricRow(DAILY_ROW_FIELDS, m) };
}

export type DailyRow = ReturnType<typeof dailyRow>;

export function userRow(u: UserTotals) {
  return { login: u.githubLogin, email: u.email, ...metricRow(USER_ROW_FIELDS, u) };
}

export type UserRow = ReturnType<typeof userRow>;

export function repositoryRow(r: MetricTotals & { repository: string }) {
  return { repository: r.repository, ...metricRow(REPOSITORY_ROW_FIELDS, r) };
}

export type RepositoryRow = ReturnType<typeof repositoryRow>;

export function pullRequestRow(pr: PullRequestAttribution) {
  return {
    repository: pr.repository,
    number: pr.number,
    title: pr.title,
    author: pr.authorLogin,
    author_is_bot: pr.isBot,
    created_at: pr.createdAt,
    merged_at: pr.mergedAt,
    with_claude_code: pr.withClaudeCode,
    lines_added: pr.linesAdded,
    lines_with_claude_code: pr.linesWithClaudeCode,
    evidence: pr.evidence as Evidence[],
    explanation: explainEvidence(pr.evidence as Evidence[], pr.linesAdded, pr.authorLogin),
    ...pullRequestOutcomeFields(pr.outcome),
    lines_surviving_14d: pr.linesSurviving.d14,
    lines_surviving_30d: pr.linesSurviving.d30,
    lines_surviving_90d: pr.linesSurviving.d90,
  };
}

/** A PR's outcome fields as the `pull-requests` rows carry them (hours, two decimals; null until processed). */
export function pullRequestOutcomeFields(outcome: PullRequestAttribution['outcome']) {
  const hours = (s: number | null | undefined) => (s == null ? null : Math.round((s / 3600) * 100) / 100);
  return {
    first_commit_at: outcome?.firstCommitAt ?? null,
    cycle_time_hours: hours(outcome?.cycleTimeSeconds),
    coding_time_hours: hours(outcome?.codingTimeSeconds),
    pickup_time_hours: hours(outcome?.pickupTimeSeconds),
    review_time_hours: hours(outcome?.reviewTimeSeconds),
    review_rounds: outcome?.reviewRounds ?? null,
    reverted: outcome?.revertedBy != null,
    reverted_by: outcome?.revertedBy ?? null,
    reverted_at: outcome?.revertedAt ?? null,
  };
}


export type PullRequestRow = ReturnType<typeof pullRequestRow>;

export const USER_COLUMNS = ['login', 'email', ...(Object.keys(USER_ROW_FIELDS) as (keyof typeof USER_ROW_FIELDS)[])] as const;

export const PULL_REQUEST_COLUMNS = [
  'repository',
  'number',
  'title',
  'author',
  'author_is_bot',
  'created_at',
  'merged_at',
  'with_claude_code',
  'lines_added',
  'lines_with_claude_code',
  'evidence',
  'explanation',
  'first_commit_at',
  'cycle_time_hours',
  'coding_time_hours',
  'pickup_time_hours',
  'review_time_hours',
  'review_rounds',
  'reverted',
  'reverted_by',
  'reverted_at',
  'lines_surviving_14d',
  'lines_surviving_30d',
  'lines_surviving_90d',
] as const;

/** Everyone of the range, as rows. */
export function allUserRows(db: Db, org: string, range: DayRange): UserRow[] {
  return userTotals(db, org, range.startDate, range.endDate, { limit: Number.MAX_SAFE_INTEGER }).map(userRow);
}

export const usersCsvName = (org: string, range: DayRange) => `${org}-users-${range.startDate}-${range.endDate}.csv`;
