import type { Db } from '../db/client.js';
import { dataProcessedAt, orgDays, userDays, type MetricTotals } from '../db/metrics-queries.js';
import { isInTeamOn, teamDays, teamPersonDays } from '../db/team-queries.js';
import { outcomeColumns } from '../db/pull-request-outcomes.js';
import {
  compareOutcomesInSteps,
  concatColumns,
  filterColumns,
  SAME_AUTHOR_DEFAULTS,
  weekOf,
  weeklyCycleTimesOfColumns,
  type OutcomeColumns,
} from '../outcomes/outcome-comparison.js';
import { addDays, type DayRange } from '../utc-days.js';
import { processingWriteStamp, rememberedReports, reportKey } from './remembered-reports.js';
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

type Spend = Pick<MetricTotals, 'costMicroUsd' | 'pullRequestsWithClaudeCode' | 'linesWithClaudeCode'>;

/**
 * Spend and what it bought over the range: the org's, or one person's, per day and in total (the
 * sum of the days: the org's totals would also count active people, which reads every person's
 * days and cost more than the rest of the report when the disk was cold). Spend is not known per
 * repository (telemetry names no repository), so a repository slice has none.
 */
async function spendOf(db: Db, org: string, range: DayRange, slice: OutcomesSlice): Promise<{ totals: Spend; days: Map<string, Spend> } | null> {
  if (slice.repository) return null;
  const days: Map<string, Spend> = slice.login
    ? new Map((await userDays(db, org, slice.login.toLowerCase(), range.startDate, range.endDate)).map(({ day, ...m }) => [day, m]))
    : slice.team
      ? await teamDays(db, org, slice.team, range.startDate, range.endDate)
      : await orgDays(db, org, range.startDate, range.endDate);
  const totals: Spend = { costMicroUsd: 0, pullRequestsWithClaudeCode: 0, linesWithClaudeCode: 0 };
  for (const m of days.values()) {
    totals.costMicroUsd += m.costMicroUsd;
    totals.pullRequestsWithClaudeCode += m.pullRequestsWithClaudeCode;
    totals.linesWithClaudeCode += m.linesWithClaudeCode;
  }
  return { totals, days };
}

/** The range in spans of at most `days` days, in day order. */
function spansOf(range: DayRange, days: number): DayRange[] {
  const spans: DayRange[] = [];
  for (let start = range.startDate; start <= range.endDate; start = addDays(start, days)) {
    const end = addDays(start, days - 1);
    spans.push({ startDate: start, endDate: end < range.endDate ? end : range.endDate });
  }
  return spans;
}

/** Days of PRs read at a time: a cold read of 90 days of the benchmark org stalled the server 0.4 s. */
const READ_SPAN_DAYS = 15;

/**
 * The report step by step, so that the API can answer other requests meanwhile: it yields between
 * the reads of its spans of days and between the comparisons' costly steps. Every figure is of one
 * state of the database: all is read before the comparisons start, at once again if processing
 * wrote between two reads.
 */
async function* outcomesReportInSteps(db: Db, org: string, range: DayRange, slice: OutcomesSlice) {
  const stamp = await processingWriteStamp(db);
  const parts: OutcomeColumns[] = [];
  for (const span of spansOf(range, READ_SPAN_DAYS)) {
    if (parts.length > 0) yield;
    parts.push(await outcomeColumns(db, org, span.startDate, span.endDate, slice));
  }
  const read = (await processingWriteStamp(db)) === stamp ? concatColumns(parts) : await outcomeColumns(db, org, range.startDate, range.endDate, slice);
  // A team's PRs: those whose author was in it on the merge day (its GitHub members, or telemetry placing them in it that day).
  const team = slice.team ? await teamPersonDays(db, org, slice.team, range.startDate, range.endDate) : undefined;
  const prs = team ? filterColumns(read, (login, day) => day !== undefined && isInTeamOn(team, login, day)) : read;
  const spend = await spendOf(db, org, range, slice);
  const processedAt = await dataProcessedAt(db, org);
  const comparison = yield* compareOutcomesInSteps(prs);
  yield;
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
    weekly: weeklyCycleTimesOfColumns(prs, range).map((w) => {
      const s = weeklySpend.get(w.week);
      return {
        week_start: w.week,
        cycle_time_hours: { with_claude_code: w.with_claude_code, without_claude_code: w.without_claude_code },
        spend_usd: spend ? usdOfMicro(s?.microUsd ?? 0) : null,
        cost_per_pr_usd: s ? perPr(s.microUsd, s.pullRequests) : null,
      };
    }),
    same_author_minimum: { pull_requests_of_each_kind: SAME_AUTHOR_DEFAULTS.minPullRequests, people: SAME_AUTHOR_DEFAULTS.minPeople },
    data_processed_at: processedAt,
  };
}

/** Runs the report's steps, calling `between` between two steps (the API lets other requests in there). */
async function runReportSteps<T>(steps: AsyncGenerator<void, T>, between?: () => Promise<void>): Promise<T> {
  for (let next = await steps.next(); ; next = await steps.next()) {
    if (next.done) return next.value;
    if (between) await between();
  }
}

/** The body of `GET /api/v1/orgs/{org}/outcomes` (the pages draw the same). */
export function outcomesReport(db: Db, org: string, range: DayRange, slice: OutcomesSlice = {}) {
  return runReportSteps(outcomesReportInSteps(db, org, range, slice));
}

export type OutcomesReport = Awaited<ReturnType<typeof outcomesReport>>;


const remembered = rememberedReports<OutcomesReport>();

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `outcomesReport` for the API, computed once per processing run (`reportKey`: every figure in it
 * changes only when processing writes, or a team's members change). It is computed in steps with
 * other requests let in between them, and requests for the same report while it is computed wait
 * for that one computation.
 */
export async function outcomesReportOnce(db: Db, org: string, range: DayRange, slice: OutcomesSlice = {}): Promise<OutcomesReport> {
  const key = await reportKey(db, org, range, slice);
  return remembered.get(db, key, () => runReportSteps(outcomesReportInSteps(db, org, range, slice), nextTurn));
}
