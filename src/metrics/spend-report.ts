import type { Db } from '../db/client.js';
import { toCsv } from './csv.js';
import { isInTeamOn, teamPersonDays } from '../db/team-queries.js';
import { spendReportRows, type SpendReportRow } from '../db/usage-queries.js';
import type { DayRange } from '../utc-days.js';

/*
 * The spend report export (issue 8): one CSV row per person, model and day, for the API route and
 * the pages' export button alike.
 *
 * - prompt_tokens = uncached input + cache read + cache creation tokens (everything the model read
 *   as prompt, so prompt + completion tokens explain the whole bill); completion_tokens = output.
 * - gross_spend_usd is the list cost Claude Code reports (`cost_usd` of its `api_request` events,
 *   else `cost.usage`); net_spend_usd is gross × (1 − DISCOUNT_PERCENT ÷ 100), equal to gross
 *   unless a discount is configured.
 * - account_uuid is the Claude account (`user.account_uuid`) of the person's sessions; empty for
 *   API-key users, whose telemetry carries none.
 * - github_login (after the Console's columns) tells apart people who have no email in telemetry.
 */

export const SPEND_REPORT_COLUMNS = [
  'date',
  'org',
  'user_email',
  'account_uuid',
  'product',
  'model',
  'request_count',
  'prompt_tokens',
  'completion_tokens',
  'net_spend_usd',
  'gross_spend_usd',
  'github_login',
] as const;

export function spendReportRecord(r: SpendReportRow): Record<(typeof SPEND_REPORT_COLUMNS)[number], string | number> {
  return {
    date: r.date,
    org: r.org,
    user_email: r.userEmail ?? '',
    account_uuid: r.accountUuid ?? '',
    product: r.product,
    model: r.model,
    request_count: r.requestCount,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    net_spend_usd: r.netSpendUsd,
    gross_spend_usd: r.grossSpendUsd,
    github_login: r.githubLogin ?? '',
  };
}

/**
 * The report as CSV text with a header row (the header alone when the range had no spend). With a
 * team (spec: Teams): the rows of its people on the days they were in it, so a person in several
 * teams is in each team's report.
 */
export async function spendReportCsv(db: Db, org: string, range: DayRange, options: { discountPercent?: number | undefined; team?: string | undefined } = {}): Promise<string> {
  let rows = await spendReportRows(db, org, range, options);
  if (options.team !== undefined) {
    const team = await teamPersonDays(db, org, options.team, range.startDate, range.endDate);
    rows = rows.filter((r) => isInTeamOn(team, r.userKey, r.date));
  }
  return toCsv(rows.map(spendReportRecord), SPEND_REPORT_COLUMNS);
}

export const spendReportFilename = (org: string, range: DayRange, team?: string) =>
  `${org}-spend-report-${team === undefined ? '' : `${team}-`}${range.startDate}-${range.endDate}.csv`;
