import { z } from '@hono/zod-openapi';
import type { Db } from '../../db/client.js';
import { dataProcessedAt } from '../../db/metrics-queries.js';
import { findTeam } from '../../db/team-queries.js';
import { ApiError } from '../errors.js';
import { spendReportCsv, spendReportFilename } from '../../metrics/spend-report.js';
import { analyticsQueries } from './analytics-queries.js';
import { analyticsReports } from './analytics-reports.js';
import { apiApp, orgRoute } from './api-app.js';
import { ActivitySummarySchema, CostReportSchema, UsageReportSchema, UserCostReportSchema, UserUsageReportSchema } from './analytics-schemas.js';
import { errorResponses, freshJson, json } from './responses.js';
import { OrgParam } from './schemas.js';

/*
 * Usage and spend analytics (issue 8) on the metrics API: `summaries`, the per-person and bucketed
 * usage and cost reports in the shapes of Anthropic's Enterprise Analytics API, and the spend
 * report CSV. Their own app, mounted by `metricsApi()` under its key check, org scoping and rate
 * limit, with the same validation hook; their definitions join its OpenAPI document.
 *
 * Everything is read from the daily rollups: ranges are whole UTC days, and hourly (or minute)
 * buckets are refused because the telemetry is stored per day.
 */

export interface AnalyticsDeps {
  db: Db;
  now: () => Date;
  /** The org's seats (SEATS, else its GitHub member count); null when unknown. */
  seats?: ((org: string) => Promise<number | null> | number | null) | undefined;
  /** A negotiated discount in percent (0 ≤ d ≤ 100): net spend = list spend × (1 − d/100). Default 0. */
  discountPercent?: ((org: string) => number) | undefined;
}

export function analyticsRoutes(deps: AnalyticsDeps) {
  const { db, now } = deps;
  const api = apiApp();
  const queries = analyticsQueries(now);
  const discountOf = (org: string) => deps.discountPercent?.(org) ?? 0;
  const reports = analyticsReports({ db, seats: async (org) => (await deps.seats?.(org)) ?? null, discountPercent: discountOf });

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/summaries',
      summary: 'Per day: daily, weekly and monthly active users, seats and their utilization',
      description:
        'One entry per day of [starting_date, ending_date), like Anthropic’s analytics `summaries`. A person is active on a day with any Claude Code telemetry; weekly and monthly counts are the 7 and 30 days ending that day.',
      request: { params: OrgParam, query: queries.summaries },
      responses: json(ActivitySummarySchema, 'One entry per day'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range } = c.req.valid('query');
      return freshJson(c, { summaries: await reports.summaries(org, range), data_refreshed_at: await dataProcessedAt(db, org) });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/user_usage_report',
      summary: 'People ranked by Claude Code tokens over a range of at most 31 days',
      description: 'The shape of Anthropic’s analytics `user_usage_report`: one row per person (or per person and model), paginated.',
      request: { params: OrgParam, query: queries.userUsage },
      responses: json(UserUsageReportSchema, 'A page of people'),
    }),
    async (c) => freshJson(c, await reports.userUsage(c.get('apiKey').org, c.req.valid('query'))),
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/user_cost_report',
      summary: 'People ranked by Claude Code spend over a range of at most 31 days',
      description:
        'The shape of Anthropic’s analytics `user_cost_report`: one row per person (or per person and model), amounts in cents as decimal strings, paginated.',
      request: { params: OrgParam, query: queries.userCost },
      responses: json(UserCostReportSchema, 'A page of people'),
    }),
    async (c) => freshJson(c, await reports.userCost(c.get('apiKey').org, c.req.valid('query'))),
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/usage_report',
      summary: 'Claude Code tokens per day over a range of at most 31 days, optionally per model',
      description:
        'The shape of Anthropic’s analytics `usage_report`: one bucket per UTC day, oldest first, empty days included (with no results). Only `bucket_width=1d`.',
      request: { params: OrgParam, query: queries.usage },
      responses: json(UsageReportSchema, 'A page of daily buckets'),
    }),
    async (c) => freshJson(c, await reports.usage(c.get('apiKey').org, c.req.valid('query'))),
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/cost_report',
      summary: 'Claude Code spend per day over a range of at most 31 days, optionally per model',
      description:
        'The shape of Anthropic’s analytics `cost_report`: one bucket per UTC day, oldest first, empty days included (with no results); amounts in cents as decimal strings. Only `bucket_width=1d`.',
      request: { params: OrgParam, query: queries.cost },
      responses: json(CostReportSchema, 'A page of daily buckets'),
    }),
    async (c) => freshJson(c, await reports.cost(c.get('apiKey').org, c.req.valid('query'))),
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/spend_report',
      summary: 'The spend report as CSV: one row per person, model and day',
      description:
        'Columns: date, org, user_email, account_uuid, product, model, request_count, prompt_tokens (uncached input + cache read + cache creation), completion_tokens (output), net_spend_usd (after the configured discount), gross_spend_usd (list price), github_login. A range of start_date/end_date (inclusive, at most 366 days) or a `period`. With `team=`, the rows of the team’s people on the days they were in it.',
      request: { params: OrgParam, query: queries.spend },
      responses: {
        200: { content: { 'text/csv': { schema: z.string().describe('CSV text with a header row') } }, description: 'The report, as a download' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, team } = c.req.valid('query');
      if (team !== undefined && !(await findTeam(db, org, team))) {
        throw new ApiError(404, 'not_found_error', `No team "${team}" in ${org}: neither a GitHub team of the org nor a team its telemetry named.`);
      }
      return c.body(await spendReportCsv(db, org, range, { discountPercent: discountOf(org), team }), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${spendReportFilename(org, range, team)}"`,
      });
    },
  );

  return api;
}
