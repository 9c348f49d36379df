import type { Evidence } from '../attribution/attribute-pull-request.js';
import { explainEvidence } from '../attribution/explain.js';
import type { Db } from '../db/client.js';
import { rememberedReports, reportKey } from './remembered-reports.js';
import { emptyMetrics, type MetricKey } from '../db/daily-metrics.js';
import {
  contributionsToRepository,
  dataProcessedAt,
  orgTotals,
  personRepositoryDays,
  repositoryTotal,
  userDays,
  userTotal,
  userTotals,
  type MetricTotals,
  type PullRequestAttribution,
  type UserTotals,
} from '../db/metrics-queries.js';
import { teamTotals, teamUserTotals } from '../db/team-queries.js';
import { addDays, dayCount, type DayRange } from '../utc-days.js';

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

/**
 * The org's totals over a range (or one team's, the sums of its people's days: never summed into
 * the org's): the body of `GET /api/v1/orgs/{org}/summary`.
 */
export async function summaryReport(db: Db, org: string, range: DayRange, team?: string): Promise<SummaryReport> {
  // Its figures are processing's rollups (and a team's members): the same answer until processing
  // writes or the team changes (`reportKey`). One read of which run that was answers again, where
  // the totals cost PostgreSQL a scan of the range's person-days (2.4 ms on the quick benchmark org).
  return rememberedSummaries.get(db, await reportKey(db, org, range, { team }), () => computeSummaryReport(db, org, range, team));
}

async function computeSummaryReport(db: Db, org: string, range: DayRange, team?: string) {
  // Two reads at once: on PostgreSQL each takes a connection of its own, so the answer waits for one round trip, not two.
  const [totals, processedAt] = await Promise.all([
    team === undefined ? orgTotals(db, org, range.startDate, range.endDate) : teamTotals(db, org, team, range.startDate, range.endDate),
    dataProcessedAt(db, org),
  ]);
  return {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    ...(team === undefined ? {} : { team }),
    ...summaryOf(totals),
    data_processed_at: processedAt,
  };
}

export type SummaryReport = Awaited<ReturnType<typeof computeSummaryReport>>;

const rememberedSummaries = rememberedReports<SummaryReport>();

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

/** Everyone of the range (of the team, when given), as rows. */
export async function allUserRows(db: Db, org: string, range: DayRange, team?: string): Promise<UserRow[]> {
  const page = { limit: Number.MAX_SAFE_INTEGER };
  return (team === undefined ? await userTotals(db, org, range.startDate, range.endDate, page) : await teamUserTotals(db, org, team, range.startDate, range.endDate, page)).map(userRow);
}

export const usersCsvName = (org: string, range: DayRange, team?: string) =>
  `${org}-users-${team === undefined ? '' : `${team}-`}${range.startDate}-${range.endDate}.csv`;

// ---------------------------------------------------------------------------------------------
// Scopes and periods the pages compare: one repository's share of the figures, the period before.

/**
 * What a repository narrows: PRs and lines, which GitHub knows per repository. Claude Code's
 * telemetry (sessions, lines accepted, decisions, active users, spend) names no repository, so a
 * page narrowed to one shows those org-wide and says so.
 */
export const REPOSITORY_METRIC_KEYS = [
  'pullRequestsMerged',
  'pullRequestsWithClaudeCode',
  'pullRequestsWithoutClaudeCode',
  'pullRequestsOpened',
  'pullRequestsByBots',
  'linesCommitted',
  'linesWithClaudeCode',
  'linesWithoutClaudeCode',
] as const satisfies readonly MetricKey[];

type RepositoryMetrics = Pick<MetricTotals, (typeof REPOSITORY_METRIC_KEYS)[number]>;

/** `orgWide` with one repository's PRs and lines in place of the org's. */
export function narrowedToRepository<T extends MetricTotals>(orgWide: T, repository: RepositoryMetrics): T {
  const out = { ...orgWide };
  for (const key of REPOSITORY_METRIC_KEYS) out[key] = repository[key];
  return out;
}

/** The org's totals over the range, or with `repository`: its PRs and lines, telemetry org-wide. */
export async function scopeTotals(db: Db, org: string, range: DayRange, repository?: string | undefined): Promise<MetricTotals> {
  const totals = await orgTotals(db, org, range.startDate, range.endDate);
  return repository === undefined ? totals : narrowedToRepository(totals, await repositoryTotal(db, org, repository, range.startDate, range.endDate));
}

/**
 * Everyone with activity in the range; with `repository`, those who merged, opened or committed in
 * it, with their PRs and lines in it (their telemetry stays theirs over the whole org).
 */
export async function scopeUsers(db: Db, org: string, range: DayRange, repository?: string | undefined): Promise<UserTotals[]> {
  const everyone = await userTotals(db, org, range.startDate, range.endDate, { limit: Number.MAX_SAFE_INTEGER });
  if (repository === undefined) return everyone;
  const byKey = new Map(everyone.map((u) => [u.userKey, u]));
  return (await contributionsToRepository(db, org, repository, range.startDate, range.endDate)).map(({ userKey, githubLogin, ...inRepository }) => {
    const person = byKey.get(userKey) ?? { ...emptyMetrics(), userKey, githubLogin, email: null };
    return narrowedToRepository(person, inRepository);
  });
}

/** One person's figures per day of the range (days without any absent); with `repository`, their PRs and lines in it. */
export async function personDays(db: Db, org: string, userKey: string, range: DayRange, repository?: string | undefined): Promise<Map<string, MetricTotals>> {
  const days = new Map((await userDays(db, org, userKey, range.startDate, range.endDate)).map(({ day, ...m }) => [day, m as MetricTotals]));
  if (repository === undefined) return days;
  const inRepository = await personRepositoryDays(db, org, repository, userKey, range.startDate, range.endDate);
  const out = new Map<string, MetricTotals>();
  for (const day of new Set([...days.keys(), ...inRepository.keys()])) {
    out.set(day, narrowedToRepository(days.get(day) ?? emptyMetrics(), inRepository.get(day) ?? emptyMetrics()));
  }
  return out;
}

/** One person's totals over the range; with `repository`, their PRs and lines in it (their telemetry stays org-wide). */
export async function personTotals(db: Db, org: string, userKey: string, range: DayRange, repository?: string | undefined): Promise<MetricTotals> {
  const totals = await userTotal(db, org, userKey, range.startDate, range.endDate);
  if (repository === undefined) return totals;
  const inRepository = emptyMetrics();
  for (const day of (await personRepositoryDays(db, org, repository, userKey, range.startDate, range.endDate)).values()) {
    for (const key of REPOSITORY_METRIC_KEYS) inRepository[key] += day[key];
  }
  return narrowedToRepository(totals, inRepository);
}

/** The period of the same length that ends the day before `range` starts. */
export function previousPeriod(range: DayRange): DayRange {
  const days = dayCount(range);
  return { startDate: addDays(range.startDate, -days), endDate: addDays(range.startDate, -1) };
}

/** How a figure moved from the previous period: relative for counts and dollars, in points for shares and rates. */
export interface PeriodChange {
  kind: 'relative' | 'points';
  /** The change (a fraction: 0.12 is +12% or +12 points); null when it is not defined (no previous figure, or a count up from 0). */
  change: number | null;
  previous: number | null;
}

export function periodChange(current: number | null, previous: number | null, kind: PeriodChange['kind']): PeriodChange {
  if (current === null || previous === null) return { kind, change: null, previous };
  if (kind === 'points') return { kind, change: current - previous, previous };
  return { kind, change: previous === 0 ? (current === 0 ? 0 : null) : (current - previous) / previous, previous };
}
