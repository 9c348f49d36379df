import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiKey } from '../../db/api-keys.js';
import type { Db } from '../../db/client.js';
import { dataProcessedAt } from '../../db/metrics-queries.js';
import {
  activityByDay,
  netSpend,
  seatUtilization,
  spendReportRange,
  usageByDay,
  usageByPerson,
  type PersonUsage,
  type UsageFilter,
  type UsageSums,
} from '../../db/usage-queries.js';
import { spendReportCsv, spendReportFilename } from '../../metrics/spend-report.js';
import { addDays, daysApart, type DayRange } from '../../utc-days.js';
import { jsonError } from '../errors.js';
import {
  ActivitySummarySchema,
  CostReportQuery,
  CostReportSchema,
  SpendReportQuery,
  SummariesQuery,
  UsageReportQuery,
  UsageReportSchema,
  UserCostReportQuery,
  UserCostReportSchema,
  UserUsageReportQuery,
  UserUsageReportSchema,
  type Dimension,
} from './analytics-schemas.js';
import { errorResponses, freshJson, json } from './responses.js';
import { OrgParam, resolveRange } from './schemas.js';

/*
 * Usage and spend analytics (issue 8) on the metrics API: `summaries`, the per-person and bucketed
 * usage and cost reports in the shapes of Anthropic's Enterprise Analytics API, and the spend
 * report CSV. Registered on the API instance of `metricsApi()`, so they share its key check, org
 * scoping, rate limit, validation errors and OpenAPI document.
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

type AnalyticsEnv = { Variables: { apiKey: ApiKey } };

export const MAX_REPORT_DAYS = 31;
export const MAX_SUMMARY_DAYS = 366;
const BUCKETS_PER_PAGE = 7;

const today = (now: Date) => now.toISOString().slice(0, 10);
const dayStart = (day: string) => `${day}T00:00:00Z`;
const floorToDay = (value: string) => new Date(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)).toISOString().slice(0, 10);

/** Whole UTC days of `starting_at` (inclusive) to `ending_at` (exclusive), at most 31; or why not. */
export function reportRange(query: { starting_at: string; ending_at?: string | undefined }, now: Date): DayRange | string {
  const start = floorToDay(query.starting_at);
  let endExclusive: string;
  if (query.ending_at !== undefined) {
    endExclusive = floorToDay(query.ending_at);
    if (endExclusive <= start) {
      return `ending_at (${query.ending_at}) must be at least one whole UTC day after starting_at (${query.starting_at}): the data is rolled up per UTC day`;
    }
  } else {
    const tomorrow = addDays(today(now), 1);
    if (start >= tomorrow) return `starting_at (${query.starting_at}) is in the future`;
    const cap = addDays(start, MAX_REPORT_DAYS);
    endExclusive = cap < tomorrow ? cap : tomorrow;
  }
  const span = daysApart(start, endExclusive);
  if (span > MAX_REPORT_DAYS) {
    return `starting_at (${query.starting_at}) to ending_at (${query.ending_at}) spans ${span} days; at most ${MAX_REPORT_DAYS} are allowed per request: split a longer period into adjacent ranges`;
  }
  return { startDate: start, endDate: addDays(endExclusive, -1) };
}

const UNSUPPORTED_DIMENSIONS: Partial<Record<Dimension, string>> = {
  context_window: 'Claude Code’s telemetry does not report the context-window pricing tier',
  inference_geo: 'Claude Code’s telemetry does not report the inference region',
  speed: 'Claude Code’s telemetry does not report the inference speed mode',
  cost_type: 'Claude Code reports one cost per model, not split into tokens, web search and code execution',
  token_type:
    'Claude Code reports one cost per model (cost.usage has no token type), so cost cannot be split by token type; user_usage_report and usage_report give the tokens of each type',
};

/** `group_by[]` → which supported dimensions are asked for, or why one cannot be. */
function dimensionsOf(groupBy: Dimension[] | undefined): { model: boolean; product: boolean } | string {
  for (const d of groupBy ?? []) {
    const why = UNSUPPORTED_DIMENSIONS[d];
    if (why) return `Invalid query parameter "group_by[]": ${d} is not available: ${why}`;
  }
  return { model: groupBy?.includes('model') ?? false, product: groupBy?.includes('product') ?? false };
}

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

/** Opaque cursors: a JSON value, base64url-encoded (the same encoding as the other routes). */
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decode<T>(page: string | undefined, check: (v: unknown) => v is T): T | undefined | 'invalid' {
  if (page === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(page, 'base64url').toString('utf8'));
    return check(value) ? value : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** A person row's place in the ranking: [metric, user key, model]. */
type RankCursor = [number, string, string | null];
const isRankCursor = (v: unknown): v is RankCursor =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string' && (v[2] === null || typeof v[2] === 'string');
const isDayCursor = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

/** One page of people ranked by `metric` (ties by user key, then model), after `after`. */
function rankPage(rows: PersonUsage[], metric: (u: PersonUsage) => number, desc: boolean, limit: number, after: RankCursor | undefined) {
  const sign = desc ? -1 : 1;
  const cmp = (a: RankCursor, b: RankCursor) =>
    sign * (a[0] - b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || ((a[2] ?? '') < (b[2] ?? '') ? -1 : (a[2] ?? '') > (b[2] ?? '') ? 1 : 0);
  const ranked = rows.map((r) => ({ row: r, key: [metric(r), r.userKey, r.model] as RankCursor })).sort((a, b) => cmp(a.key, b.key));
  const rest = after ? ranked.filter((r) => cmp(r.key, after) > 0) : ranked;
  const pageRows = rest.slice(0, limit);
  const hasMore = rest.length > limit;
  return { rows: pageRows.map((r) => r.row), hasMore, next: hasMore ? encode(pageRows.at(-1)!.key) : null };
}


export function registerAnalyticsRoutes(api: OpenAPIHono<AnalyticsEnv>, deps: AnalyticsDeps): void {
  const { db, now } = deps;
  const seatsOf = (org: string) => deps.seats?.(org) ?? null;
  const discountOf = (org: string) => deps.discountPercent?.(org) ?? 0;
  const security: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
  const bad = (c: Context, message: string) => jsonError(c, 400, 'invalid_request_error', message) as never;
  const badCursor = (c: Context) => bad(c, 'Invalid query parameter "page": not a cursor from this API for these parameters');

  const fresh = (c: Context, body: unknown) => freshJson(c, body) as never;

  /** The filters of a report query; `none` when its products[] leave out Claude Code. */
  const filterOf = (query: { 'models[]'?: string[] | undefined; 'user_ids[]'?: string[] | undefined; 'products[]'?: string[] | undefined }, byModel: boolean) => ({
    filter: { models: query['models[]'], userKeys: query['user_ids[]']?.map((u) => u.toLowerCase()), byModel } satisfies UsageFilter,
    none: query['products[]'] !== undefined && !query['products[]'].includes('claude_code'),
  });

  api.openapi(
    createRoute({
      method: 'get',
      path: '/orgs/{org}/summaries',
      summary: 'Per day: daily, weekly and monthly active users, seats and their utilization',
      description:
        'One entry per day of [starting_date, ending_date), like Anthropic’s analytics `summaries`. A person is active on a day with any Claude Code telemetry; weekly and monthly counts are the 7 and 30 days ending that day.',
      security,
      request: { params: OrgParam, query: SummariesQuery },
      responses: json(ActivitySummarySchema, 'One entry per day'),
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const query = c.req.valid('query');
      const endExclusive = query.ending_date ?? addDays(today(now()), 1);
      if (endExclusive <= query.starting_date) {
        return bad(c, `Invalid query parameters: ending_date (${endExclusive}) must be after starting_date (${query.starting_date}); ending_date is exclusive`);
      }
      const span = daysApart(query.starting_date, endExclusive);
      if (span > MAX_SUMMARY_DAYS) {
        return bad(c, `Invalid query parameters: starting_date to ending_date spans ${span} days; at most ${MAX_SUMMARY_DAYS} are allowed`);
      }
      const seats = seatsOf(org);
      const percent = (n: number) => (seats === null || seats <= 0 ? null : Math.round((n / seats) * 10_000) / 100);
      return fresh(c, {
        summaries: activityByDay(db, org, { startDate: query.starting_date, endDate: addDays(endExclusive, -1) }).map((d) => ({
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
  const personReport = (
    c: Context,
    org: string,
    query: z.infer<typeof UserUsageReportQuery> | z.infer<typeof UserCostReportQuery>,
    metric: (u: PersonUsage) => number,
    row: (u: PersonUsage, dims: { product: boolean }) => object,
  ) => {
    const range = reportRange(query, now());
    if (typeof range === 'string') return bad(c, `Invalid query parameters: ${range}`);
    const dims = dimensionsOf(query['group_by[]']);
    if (typeof dims === 'string') return bad(c, dims);
    const after = decode(query.page, isRankCursor);
    if (after === 'invalid') return badCursor(c);
    const { filter, none } = filterOf(query, dims.model);
    const rows = none ? [] : usageByPerson(db, org, range, filter);
    const page = rankPage(rows, metric, query.order === 'desc', query.limit ?? 20, after);
    const bounds = { starting_at: dayStart(range.startDate), ending_at: dayStart(addDays(range.endDate, 1)) };
    return fresh(c, {
      data: page.rows.map((u) => ({ actor: actorOf(u), ...bounds, ...row(u, dims) })),
      has_more: page.hasMore,
      next_page: page.next,
      data_refreshed_at: dataProcessedAt(db, org),
      organization_id: org,
    });
  };

  api.openapi(
    createRoute({
      method: 'get',
      path: '/orgs/{org}/user_usage_report',
      summary: 'People ranked by Claude Code tokens over a range of at most 31 days',
      description: 'The shape of Anthropic’s analytics `user_usage_report`: one row per person (or per person and model), paginated.',
      security,
      request: { params: OrgParam, query: UserUsageReportQuery },
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
    createRoute({
      method: 'get',
      path: '/orgs/{org}/user_cost_report',
      summary: 'People ranked by Claude Code spend over a range of at most 31 days',
      description:
        'The shape of Anthropic’s analytics `user_cost_report`: one row per person (or per person and model), amounts in cents as decimal strings, paginated.',
      security,
      request: { params: OrgParam, query: UserCostReportQuery },
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
  const bucketReport = (
    c: Context,
    org: string,
    query: z.infer<typeof UsageReportQuery> | z.infer<typeof CostReportQuery>,
    result: (u: UsageSums & { model: string | null }, dims: { product: boolean }) => object,
  ) => {
    if (query.bucket_width !== '1d') {
      return bad(
        c,
        `Invalid query parameter "bucket_width": ${query.bucket_width} buckets are not available: Claude Code’s telemetry is stored rolled up per UTC day, so only 1d buckets can be computed`,
      );
    }
    const range = reportRange(query, now());
    if (typeof range === 'string') return bad(c, `Invalid query parameters: ${range}`);
    const dims = dimensionsOf(query['group_by[]']);
    if (typeof dims === 'string') return bad(c, dims);
    const from = decode(query.page, isDayCursor);
    if (from === 'invalid' || (from !== undefined && (from < range.startDate || from > range.endDate))) return badCursor(c);
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
    return fresh(c, {
      data: buckets,
      has_more: hasMore,
      next_page: hasMore ? encode(addDays(last, 1)) : null,
      data_refreshed_at: dataProcessedAt(db, org),
      organization_id: org,
    });
  };

  api.openapi(
    createRoute({
      method: 'get',
      path: '/orgs/{org}/usage_report',
      summary: 'Claude Code tokens per day over a range of at most 31 days, optionally per model',
      description:
        'The shape of Anthropic’s analytics `usage_report`: one bucket per UTC day, oldest first, empty days included (with no results). Only `bucket_width=1d`.',
      security,
      request: { params: OrgParam, query: UsageReportQuery },
      responses: json(UsageReportSchema, 'A page of daily buckets'),
    }),
    (c) => bucketReport(c, c.get('apiKey').org, c.req.valid('query'), (u) => tokenFields(u)),
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/orgs/{org}/cost_report',
      summary: 'Claude Code spend per day over a range of at most 31 days, optionally per model',
      description:
        'The shape of Anthropic’s analytics `cost_report`: one bucket per UTC day, oldest first, empty days included (with no results); amounts in cents as decimal strings. Only `bucket_width=1d`.',
      security,
      request: { params: OrgParam, query: CostReportQuery },
      responses: json(CostReportSchema, 'A page of daily buckets'),
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const discount = discountOf(org);
      return bucketReport(c, org, c.req.valid('query'), (u) => moneyFields(u, discount));
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/orgs/{org}/spend_report',
      summary: 'The spend report as CSV: one row per person, model and day',
      description:
        'Columns: date, org, user_email, account_uuid, product, model, request_count, prompt_tokens (uncached input + cache read + cache creation), completion_tokens (output), net_spend_usd (after the configured discount), gross_spend_usd (list price), github_login. A range of start_date/end_date (inclusive, at most 366 days) or a `period`.',
      security,
      request: { params: OrgParam, query: SpendReportQuery },
      responses: {
        200: { content: { 'text/csv': { schema: z.string().describe('CSV text with a header row') } }, description: 'The report, as a download' },
        ...errorResponses,
      },
    }),
    (c) => {
      const org = c.get('apiKey').org;
      const query = c.req.valid('query');
      let range: DayRange;
      if (query.period !== undefined) {
        if (query.start_date !== undefined || query.end_date !== undefined) {
          return bad(c, 'Invalid query parameters: give either period or start_date/end_date, not both');
        }
        range = spendReportRange(query.period, today(now()));
      } else {
        const resolved = resolveRange(query, now());
        if (typeof resolved === 'string') return bad(c, `Invalid query parameters: ${resolved}`);
        range = resolved;
      }
      return c.body(spendReportCsv(db, org, range, { discountPercent: discountOf(org) }), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${spendReportFilename(org, range)}"`,
      }) as never;
    },
  );
}
