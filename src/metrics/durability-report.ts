import type { Db } from '../db/client.js';
import { dataProcessedAt } from '../db/metrics-queries.js';
import { durabilityPullRequests } from '../db/pull-request-durability.js';
import { isInTeamOn, teamPersonDays } from '../db/team-queries.js';
import { compareDurability, type DurabilityCohort } from '../durability/durability-comparison.js';
import type { DayRange } from '../utc-days.js';
import { rememberedReports, reportKey } from './remembered-reports.js';

/*
 * The durability report (spec: Outcomes, "Durability"): of the lines the range's merged PRs added,
 * how many lasted 14, 30 and 90 days, and how many ended within 21, with vs without Claude Code,
 * for the org, one repository, one person or one team. The API answers it and the pages draw it:
 * one code path, the same numbers.
 */

export interface DurabilitySlice {
  repository?: string | undefined;
  login?: string | undefined;
  /** A team's slug: the PRs whose author was in it on the merge day (spec: Teams), as outcomes counts them. */
  team?: string | undefined;
}

/** The range's merged PRs of the slice; a team's are those its people merged while in it (a person in several teams counts in each). */
async function pullRequestsOf(db: Db, org: string, range: DayRange, slice: DurabilitySlice) {
  const prs = await durabilityPullRequests(db, org, range.startDate, range.endDate, slice);
  if (slice.team === undefined) return prs;
  const team = await teamPersonDays(db, org, slice.team, range.startDate, range.endDate);
  return prs.filter((pr) => pr.authorLogin !== null && isInTeamOn(team, pr.authorLogin, pr.day));
}

const survivalOf = (c: DurabilityCohort) => ({ d14: c.survival.d14, d30: c.survival.d30, d90: c.survival.d90 });

/** The body of `GET /api/v1/orgs/{org}/durability`. */
export async function durabilityReport(db: Db, org: string, range: DayRange, slice: DurabilitySlice = {}) {
  const { withClaudeCode: w, withoutClaudeCode: wo } = compareDurability(await pullRequestsOf(db, org, range, slice));
  const processedAt = await dataProcessedAt(db, org);
  return {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    repository: slice.repository?.toLowerCase() ?? null,
    login: slice.login ?? null,
    ...(slice.team === undefined ? {} : { team: slice.team }),
    survival: { with_claude_code: survivalOf(w), without_claude_code: survivalOf(wo) },
    churn_21d: { with_claude_code: w.churn21d, without_claude_code: wo.churn21d },
    median_life_days_of_deleted_lines: {
      with_claude_code: w.medianLifeDaysOfEndedLines,
      without_claude_code: wo.medianLifeDaysOfEndedLines,
    },
    deleted_lines: { with_claude_code: w.endedLines, without_claude_code: wo.endedLines },
    pull_requests: {
      with_claude_code: qualifying(w),
      without_claude_code: qualifying(wo),
    },
    data_processed_at: processedAt,
  };
}

const qualifying = (c: DurabilityCohort) => ({
  merged: c.pullRequests.merged,
  old_enough: { d14: c.pullRequests.d14, d30: c.pullRequests.d30, d90: c.pullRequests.d90, churn_21d: c.pullRequests.churn21d },
});

export type DurabilityReport = Awaited<ReturnType<typeof durabilityReport>>;

const remembered = rememberedReports<DurabilityReport>();

/**
 * `durabilityReport`, computed once per processing run: its figures change only when processing
 * writes, or, for a team, when its members change (`reportKey`).
 */
export async function durabilityReportOnce(db: Db, org: string, range: DayRange, slice: DurabilitySlice = {}): Promise<DurabilityReport> {
  return remembered.get(db, await reportKey(db, org, range, slice), () => durabilityReport(db, org, range, slice));
}
