import type { Evidence } from '../attribution/attribute-pull-request.js';
import { explainEvidence } from '../attribution/explain.js';
import type { Db } from '../db/client.js';
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

export function dailyRow(date: string, m: MetricTotals) {
  const d = decisions(m);
  return {
    date,
    pull_requests_merged: m.pullRequestsMerged,
    pull_requests_merged_with_claude_code: m.pullRequestsWithClaudeCode,
    pull_requests_merged_without_claude_code: m.pullRequestsWithoutClaudeCode,
    pull_requests_by_bots: m.pullRequestsByBots,
    pull_requests_opened: m.pullRequestsOpened,
    lines_committed: m.linesCommitted,
    lines_committed_with_claude_code: m.linesWithClaudeCode,
    lines_committed_without_claude_code: m.linesWithoutClaudeCode,
    lines_accepted: m.linesAccepted,
    lines_removed: m.linesRemoved,
    decisions_accepted: d.accepted,
    decisions_rejected: d.rejected,
    suggestion_accept_rate: rate(d.accepted, d.rejected),
    sessions: m.sessions,
    active_users: m.activeUsers,
    commits_by_claude_code: m.commitsByClaudeCode,
    pull_requests_by_claude_code: m.pullRequestsByClaudeCode,
    cost_usd: usdOfMicro(m.costMicroUsd),
  };
}

export type DailyRow = ReturnType<typeof dailyRow>;

export function userRow(u: UserTotals) {
  const d = decisions(u);
  return {
    login: u.githubLogin,
    email: u.email,
    pull_requests_merged: u.pullRequestsMerged,
    pull_requests_with_claude_code: u.pullRequestsWithClaudeCode,
    pull_requests_without_claude_code: u.pullRequestsWithoutClaudeCode,
    pull_requests_opened: u.pullRequestsOpened,
    lines_committed: u.linesCommitted,
    lines_with_claude_code: u.linesWithClaudeCode,
    lines_without_claude_code: u.linesWithoutClaudeCode,
    lines_accepted: u.linesAccepted,
    suggestion_accept_rate: rate(d.accepted, d.rejected),
    sessions: u.sessions,
    cost_usd: usdOfMicro(u.costMicroUsd),
  };
}

export type UserRow = ReturnType<typeof userRow>;

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
  };
}

export type PullRequestRow = ReturnType<typeof pullRequestRow>;

export const USER_COLUMNS = [
  'login',
  'email',
  'pull_requests_merged',
  'pull_requests_with_claude_code',
  'pull_requests_without_claude_code',
  'pull_requests_opened',
  'lines_committed',
  'lines_with_claude_code',
  'lines_without_claude_code',
  'lines_accepted',
  'suggestion_accept_rate',
  'sessions',
  'cost_usd',
] as const;

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
] as const;

/** Everyone of the range, as rows. */
export function allUserRows(db: Db, org: string, range: DayRange): UserRow[] {
  return userTotals(db, org, range.startDate, range.endDate, { limit: Number.MAX_SAFE_INTEGER }).map(userRow);
}

export const usersCsvName = (org: string, range: DayRange) => `${org}-users-${range.startDate}-${range.endDate}.csv`;
