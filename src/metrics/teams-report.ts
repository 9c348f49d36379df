import type { Db } from '../db/client.js';
import { dataProcessedAt, type MetricTotals } from '../db/metrics-queries.js';
import { emptyMetrics } from '../db/daily-metrics.js';
import { allTeamTotals, teamsOf, type Team } from '../db/team-queries.js';
import type { DayRange } from '../utc-days.js';
import { metricRow, usdOfMicro, type MetricField, type MetricFields } from './report.js';

/*
 * The teams of an org with their headline figures (spec: Teams): `GET /api/v1/orgs/{org}/teams`
 * and the Teams page. Each team's figures are its people's (db/team-queries.ts): a person in two
 * teams counts in both rows, so the rows do not add up to the org's totals, which are never
 * computed from them.
 */

const count = (key: keyof MetricTotals): MetricField<'count'> => ({ kind: 'count', of: (m) => m[key] });

/** One team's headline figures over a range, after `slug`, `name`, `source` and `members`. */
export const TEAM_ROW_FIELDS = {
  pull_requests_merged: count('pullRequestsMerged'),
  pull_requests_with_claude_code: count('pullRequestsWithClaudeCode'),
  pull_requests_without_claude_code: count('pullRequestsWithoutClaudeCode'),
  lines_committed: count('linesCommitted'),
  lines_with_claude_code: count('linesWithClaudeCode'),
  lines_without_claude_code: count('linesWithoutClaudeCode'),
  active_users: count('activeUsers'),
  cost_usd: { kind: 'usd', of: (m) => usdOfMicro(m.costMicroUsd) },
} satisfies MetricFields;

export function teamRow(team: Team, totals: MetricTotals & { people: number }) {
  return {
    slug: team.slug,
    name: team.name,
    source: team.source,
    members: totals.people,
    ...metricRow(TEAM_ROW_FIELDS, totals),
  };
}

export type TeamRow = ReturnType<typeof teamRow>;

/** The body of `GET /api/v1/orgs/{org}/teams`: every GitHub team of the org and every telemetry team of the range, by slug. */
export async function teamsReport(db: Db, org: string, range: DayRange) {
  const totals = await allTeamTotals(db, org, range.startDate, range.endDate);
  const teams = await teamsOf(db, org, range.startDate, range.endDate);
  const processedAt = await dataProcessedAt(db, org);
  return {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    data: teams.map((t) => teamRow(t, totals.get(t.slug) ?? { ...emptyMetrics(), people: 0 })),
    data_processed_at: processedAt,
  };
}
