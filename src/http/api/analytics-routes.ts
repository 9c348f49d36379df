import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../db/client.js';
import { dataProcessedAt } from '../../db/metrics-queries.js';
import {
  activityByDay,
  netSpend,
  seatUtilization,
  usageByDay,
  usageByPerson,
  type PersonUsage,
  type UsageFilter,
  type UsageSums,
} from '../../db/usage-queries.js';
import { spendReportCsv, spendReportFilename } from '../../metrics/spend-report.js';
import { addDays, dayStartInstant as dayStart } from '../../utc-days.js';
import { analyticsQueries, type RankCursor } from './analytics-queries.js';
import { apiApp, orgRoute } from './api-app.js';
import { encodeCursor, pageOf } from './cursor-paging.js';
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
  seats?: ((org: string) => number | null) | undefined;
  /** A negotiated discount in percent (0 ≤ d ≤ 100): net spend = list spend × (1 − d/100). Default 0. */
  discountPercent?: ((org: string) => number) | undefined;
}

const BUCKETS_PER_PAGE = 7;

const totalTokens = (u: UsageSums) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheCreationTokens;
const centsText = (usd: number) => (usd * 100).toFixed(6);

function dimensionFields(u: { model: string | null }, dims: { product: boolean }) {
  return { product: dims.product ? ('claude_code' as const) : null, model: u.model, context_window: null, inference_geo: null, speed: null };
}

function tokenFields(u: UsageSums) {
  return {
    uncached_input_tokens: u.inputTokens,
    cache_creation: { ephemeral_5m_input_tokens: null, ephemeral_1h_input_tokens: null },
    cache_creation_input_tokens: u.cacheCreationTokens,
    cache_read_input_tokens: u.cacheReadTokens,
    output_tokens: u.outputTokens,
    requests: u.requests,
  };
}

function moneyFields(u: UsageSums, discountPercent: number) {
  return {
    currency: 'USD' as const,
    amount: centsText(netSpend(u.costUsd, discountPercent)),
    list_amount: centsText(Math.round(u.costUsd * 1e6) / 1e6),
    cost_type: null,
    token_type: null,
    requests: u.requests,
  };
}

function actorOf(u: PersonUsage) {
  return { type: 'user_actor' as const, user_id: u.userKey, email: u.email, name: u.githubLogin, deleted: false };
}

/** One page of people ranked by `metric` (ties by user key, then model), after `after`. */
function rankPage(rows: PersonUsage[], metric: (u: PersonUsage) => number, desc: boolean, limit: number, after: RankCursor | undefined) {
  const sign = desc ? -1 : 1;
  const cmp = (a: RankCursor, b: RankCursor) =>
    sign * (a[0] - b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || ((a[2] ?? '') < (b[2] ?? '') ? -1 : (a[2] ?? '') > (b[2] ?? '') ? 1 : 0);
  const ranked = rows.map((r) => ({ row: r, key: [metric(r), r.userKey, r.model] as RankCursor })).sort((a, b) => cmp(a.key, b.key));
  const rest = after ? ranked.filter((r) => cmp(r.key, after) > 0) : ranked;
  const page = pageOf(rest, limit, (r) => r.key);
  return { rows: page.rows.map((r) => r.row), hasMore: page.hasMore, next: page.nextPage };
}


export function analyticsRoutes(deps: AnalyticsDeps) {
  const { db, now } = deps;
  const api = apiApp();
  const queries = analyticsQueries(now);
  const seatsOf = (org: string) => deps.seats?.(org) ?? null;
  const discountOf = (org: string) => deps.discountPercent?.(org) ?? 0;

  /** The filters of a report query; `none` when its products[] leave out Claude Code. */
  const filterOf = (query: { 'models[]'?: string[] | undefined; 'user_ids[]'?: string[] | undefined; 'products[]'?: string[] | undefined }, byModel: boolean) => ({
    filter: { models: query['models[]'], userKeys: query['user_ids[]']?.map((u) => u.toLowerCase()), byModel } satisfies UsageFilter,
    none: query['products[]'] !== undefined && !query['products[]'].includes('claude_code'),
  });

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/summaries',
      summary: 'Per day: daily, weekly and monthly active users, seats and their utilization',
      description:
        'One entry per day of [starting_date, ending_date), like Anthropic’s analytics `summaries`. A person is active on a day with any Claude Code telemetry; weekly and monthly counts are the 7 and 30 days ending that day.',
      request: { params: OrgParam, query: queries.summaries },
      responses: json(ActivitySummarySchema, 'One entry per day'),
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const { range } = c.req.valid('query');
      const seats = seatsOf(org);
      const percent = (n: number) => (seats === null || seats <= 0 ? null : Math.round((n / seats) * 10_000) / 100);
      return freshJson(c, {
        summaries: activityByDay(db, org, range).map((d) => ({
          starting_at: dayStart(d.day),
          ending_at: dayStart(addDays(d.day, 1)),
          daily_active_user_count: d.dailyActiveUsers,
          weekly_active_user_count: d.weeklyActiveUsers,
          monthly_active_user_count: d.monthlyActiveUsers,
          assigned_seat_count: seats,
          daily_adoption_rate: percent(d.dailyActiveUsers),
          weekly_adoption_rate: percent(d.weeklyActiveUsers),
          monthly_adoption_rate: percent(d.monthlyActiveUsers),
          seat_utilization: seatUtilization(d.weeklyActiveUsers, seats),
          sessions: d.sessions,
          active_time_seconds: Math.round(d.activeTimeSeconds * 1000) / 1000,
        })),
        data_refreshed_at: dataProcessedAt(db, org),
      });
    },
  );

  /** The shared part of the two per-person reports: range, dimensions, filters, cursor, rows. */
  const personReport = <R extends object>(
    c: Context,
    org: string,
    query: z.output<typeof queries.userUsage> | z.output<typeof queries.userCost>,
    metric: (u: PersonUsage) => number,
    row: (u: PersonUsage, dims: { product: boolean }) => R,
  ) => {
    const { range, dims, after } = query;
    const { filter, none } = filterOf(query, dims.model);
    const rows = none ? [] : usageByPerson(db, org, range, filter);
    const page = rankPage(rows, metric, query.order === 'desc', query.limit ?? 20, after);
    const bounds = { starting_at: dayStart(range.startDate), ending_at: dayStart(addDays(range.endDate, 1)) };
    return freshJson(c, {
      data: page.rows.map((u) => ({ actor: actorOf(u), ...bounds, ...row(u, dims) })),
      has_more: page.hasMore,
      next_page: page.next,
      data_refreshed_at: dataProcessedAt(db, org),
      organization_id: org,
    });
  };

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/user_usage_report',
      summary: 'People ranked by Claude Code tokens over a range of at most 31 days',
      description: 'The shape of Anthropic’s analytics `user_usage_report`: one row per person (or per person and model), paginated.',
      request: { params: OrgParam, query: queries.userUsage },
      responses: json(UserUsageReportSchema, 'A page of people'),
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const query = c.req.valid('query');
      const metric: Record<typeof query.order_by, (u: PersonUsage) => number> = {
        total_tokens: totalTokens,
        output_tokens: (u) => u.outputTokens,
        uncached_input_tokens: (u) => u.inputTokens,
        requests: (u) => u.requests,
      };
      return personReport(c, org, query, metric[query.order_by], (u, dims) => ({
        ...dimensionFields(u, dims),
        ...tokenFields(u),
        total_tokens: totalTokens(u),
      }));
    },
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
    (c) => {
      const org = c.get('apiKey').org;
      const query = c.req.valid('query');
      const discount = discountOf(org);
      const metric = query.order_by === 'amount' ? (u: PersonUsage) => netSpend(u.costUsd, discount) : (u: PersonUsage) => u.costUsd;
      return personReport(c, org, query, metric, (u, dims) => ({ ...dimensionFields(u, dims), ...moneyFields(u, discount) }));
    },
  );

  /** The shared part of the two bucketed reports: one bucket per day of the page. */
  const bucketReport = <R extends object>(
    c: Context,
    org: string,
    query: z.output<typeof queries.usage> | z.output<typeof queries.cost>,
    result: (u: UsageSums & { model: string | null }, dims: { product: boolean }) => R,
  ) => {
    const { range, dims, from } = query;
    const first = from ?? range.startDate;
    const limit = query.limit ?? BUCKETS_PER_PAGE;
    const lastWanted = addDays(first, limit - 1);
    const last = lastWanted < range.endDate ? lastWanted : range.endDate;
    const { filter, none } = filterOf(query, dims.model);
    const rows = none ? [] : usageByDay(db, org, { startDate: first, endDate: last }, filter);
    const buckets = [];
    for (let day = first; day <= last; day = addDays(day, 1)) {
      buckets.push({
        starting_at: dayStart(day),
        ending_at: dayStart(addDays(day, 1)),
        results: rows.filter((r) => r.day === day).map((r) => ({ ...dimensionFields(r, dims), ...result(r, dims) })),
      });
    }
    const hasMore = last < range.endDate;
    return freshJson(c, {
      data: buckets,
      has_more: hasMore,
      next_page: hasMore ? encodeCursor(addDays(last, 1)) : null,
      data_refreshed_at: dataProcessedAt(db, org),
      organization_id: org,
    });
  };

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/usage_report',
      summary: 'Claude Code tokens per day over a range of at most 31 days, optionally per model',
      description:
        'The shape of Anthropic’s analytics `usage_report`: one bucket per UTC day, oldest first, empty days included (with no results). Only `bucket_width=1d`.',
      request: { params: OrgParam, query: queries.usage },
      responses: json(UsageReportSchema, 'A page of daily buckets'),
    }),
    (c) => bucketReport(c, c.get('apiKey').org, c.req.valid('query'), (u) => tokenFields(u)),
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
    (c) => {
      const org = c.get('apiKey').org;
      const discount = discountOf(org);
      return bucketReport(c, org, c.req.valid('query'), (u) => moneyFields(u, discount));
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/spend_report',
      summary: 'The spend report as CSV: one row per person, model and day',
      description:
        'Columns: date, org, user_email, account_uuid, product, model, request_count, prompt_tokens (uncached input + cache read + cache creation), completion_tokens (output), net_spend_usd (after the configured discount), gross_spend_usd (list price), github_login. A range of start_date/end_date (inclusive, at most 366 days) or a `period`.',
      request: { params: OrgParam, query: queries.spend },
      responses: {
        200: { content: { 'text/csv': { schema: z.string().describe('CSV text with a header row') } }, description: 'The report, as a download' },
        ...errorResponses,
      },
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const { range } = c.req.valid('query');
      return c.body(spendReportCsv(db, org, range, { discountPercent: discountOf(org) }), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${spendReportFilename(org, range)}"`,
      });
    },
  );

  return api;
}
