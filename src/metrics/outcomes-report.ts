import type { Db } from '../db/client.js';
import { dataProcessedAt, orgDays, orgTotals, userDays, userTotal, type MetricTotals } from '../db/metrics-queries.js';
import { processingProgress } from '../db/processing-progress.js';
import { isInTeamOn, teamDays, teamPersonDays, teamTotals } from '../db/team-queries.js';
import { teamsChangedAt } from '../db/teams.js';
import { outcomePullRequests } from '../db/pull-request-outcomes.js';
import { compareOutcomes, SAME_AUTHOR_DEFAULTS, weekOf, weeklyCycleTimes } from '../outcomes/outcome-comparison.js';
import type { DayRange } from '../utc-days.js';
import { usdOfMicro } from './report.js';

/*
 * The outcomes report (spec: Outcomes): merged PRs with vs without Claude Code compared over a
 * range, for the org, one repository or one person, with what one costs. The API answers it and
 * the pages draw it: one code path, the same numbers.
 */

export interface OutcomesSlice {
  repository?: string | undefined;
  login?: string | undefined;
  /** A team's slug: PRs its people merged while in it, and their spend (spec: Teams). */
  team?: string | undefined;
}

const perPr = (microUsd: number, n: number) => (n === 0 || microUsd === 0 ? null : Math.round(usdOfMicro(microUsd) / n * 100) / 100);
const perLine = (microUsd: number, n: number) => (n === 0 || microUsd === 0 ? null : Math.round((usdOfMicro(microUsd) / n) * 10_000) / 10_000);

/**
 * Spend and what it bought over the range: the org's, or one person's. Spend is not known per
 * repository (telemetry names no repository), so a repository slice has none.
 */
function spendOf(db: Db, org: string, range: DayRange, slice: OutcomesSlice): { totals: MetricTotals; days: Map<string, MetricTotals> } | null {
  if (slice.repository) return null;
  if (slice.team && !slice.login) {
    return { totals: teamTotals(db, org, slice.team, range.startDate, range.endDate), days: teamDays(db, org, slice.team, range.startDate, range.endDate) };
  }
  if (slice.login) {
    const key = slice.login.toLowerCase();
    return {
      totals: userTotal(db, org, key, range.startDate, range.endDate),
      days: new Map(userDays(db, org, key, range.startDate, range.endDate).map(({ day, ...m }) => [day, m])),
    };
  }
  return { totals: orgTotals(db, org, range.startDate, range.endDate), days: orgDays(db, org, range.startDate, range.endDate) };
}

/** The body of `GET /api/v1/orgs/{org}/outcomes`. */
export function outcomesReport(db: Db, org: string, range: DayRange, slice: OutcomesSlice = {}) {
  let prs = outcomePullRequests(db, org, range.startDate, range.endDate, slice);
  if (slice.team) {
    const team = teamPersonDays(db, org, slice.team, range.startDate, range.endDate);
    prs = prs.filter((pr) => isInTeamOn(team, pr.login, pr.day));
  }
  const comparison = compareOutcomes(prs);
  const spend = spendOf(db, org, range, slice);
  const weeklySpend = new Map<string, { microUsd: number; pullRequests: number }>();
  for (const [day, m] of spend?.days ?? []) {
    const week = weekOf(day);
    const w = weeklySpend.get(week) ?? { microUsd: 0, pullRequests: 0 };
    w.microUsd += m.costMicroUsd;
    w.pullRequests += m.pullRequestsWithClaudeCode;
    weeklySpend.set(week, w);
  }
  const totals = spend?.totals;
  return {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    repository: slice.repository?.toLowerCase() ?? null,
    login: slice.login ?? null,
    ...(slice.team === undefined ? {} : { team: slice.team }),
    ...comparison,
    spend_usd: totals ? usdOfMicro(totals.costMicroUsd) : null,
    cost_per_pr_usd: totals ? perPr(totals.costMicroUsd, totals.pullRequestsWithClaudeCode) : null,
    cost_per_line_usd: totals ? perLine(totals.costMicroUsd, totals.linesWithClaudeCode) : null,
    weekly: weeklyCycleTimes(prs, range).map((w) => {
      const s = weeklySpend.get(w.week);
      return {
        week_start: w.week,
        cycle_time_hours: { with_claude_code: w.with_claude_code, without_claude_code: w.without_claude_code },
        spend_usd: spend ? usdOfMicro(s?.microUsd ?? 0) : null,
        cost_per_pr_usd: s ? perPr(s.microUsd, s.pullRequests) : null,
      };
    }),
    same_author_minimum: { pull_requests_of_each_kind: SAME_AUTHOR_DEFAULTS.minPullRequests, people: SAME_AUTHOR_DEFAULTS.minPeople },
    data_processed_at: dataProcessedAt(db, org),
  };
}

export type OutcomesReport = ReturnType<typeof outcomesReport>;

/** Reports already computed, per database, by what they were asked for and the processing they saw. */
const remembered = new WeakMap<object, Map<string, OutcomesReport>>();

/**
 * `outcomesReport`, computed once per processing run: every figure in it (attributions, outcomes,
 * daily spend) changes only when processing writes, and the same-author bootstrap over a large
 * org's people is the costly part of an answer. Keyed by the last run and its heartbeat, like the
 * pages' figures; at most 64 reports are kept, the oldest dropped first.
 */
export function outcomesReportOnce(db: Db, org: string, range: DayRange, slice: OutcomesSlice = {}): OutcomesReport {
  let reports = remembered.get(db.$client);
  if (!reports) remembered.set(db.$client, (reports = new Map()));
  const progress = processingProgress(db);
  const key = JSON.stringify([org, range.startDate, range.endDate, slice.repository?.toLowerCase() ?? null, slice.login ?? null, slice.team ?? null, slice.team ? teamsChangedAt(db, org) : null, progress.lastRunId, progress.lastHeartbeatAt]);
  let report = reports.get(key);
  if (!report) {
    report = outcomesReport(db, org, range, slice);
    reports.set(key, report);
    if (reports.size > 64) reports.delete(reports.keys().next().value!);
  }
  return report;
}
