import { z } from '@hono/zod-openapi';
import { spendReportRange } from '../../db/usage-queries.js';
import { addDays, dayOf, dayOfMs, daysApart, dayStartMs, type DayRange } from '../../utc-days.js';
import { CostReportQuery, SpendReportQuery, SummariesQuery, UsageReportQuery, UsersQuery, UserCostReportQuery, UserUsageReportQuery, type Dimension } from './analytics-schemas.js';
import { cursorOf, isKeyCursor } from './cursor-paging.js';
import { rangeOf, TeamParam } from './schemas.js';

/*
 * The range, dimension and cursor rules of the usage and spend analytics routes, in their query
 * schemas: a request that breaks one fails validation, and the API's validation hook answers the
 * 400 naming the parameter. Ranges are whole UTC days (the telemetry is rolled up per day).
 */

const MAX_REPORT_DAYS = 31;
const MAX_SUMMARY_DAYS = 366;

/** The UTC day of a date or an RFC 3339 instant (a date alone is that day's midnight, UTC). */
const floorToDay = (value: string) => dayOfMs(/^\d{4}-\d{2}-\d{2}$/.test(value) ? dayStartMs(value) : Date.parse(value));

/** Whole UTC days of `starting_at` (inclusive) to `ending_at` (exclusive), at most 31; or why not. */
function reportRange(query: { starting_at: string; ending_at?: string | undefined }, now: Date): DayRange | string {
  const start = floorToDay(query.starting_at);
  let endExclusive: string;
  if (query.ending_at !== undefined) {
    endExclusive = floorToDay(query.ending_at);
    if (endExclusive <= start) {
      return `ending_at (${query.ending_at}) must be at least one whole UTC day after starting_at (${query.starting_at}): the data is rolled up per UTC day`;
    }
  } else {
    const tomorrow = addDays(dayOf(now), 1);
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

/** `starting_date` (inclusive) to `ending_date` (exclusive, default tomorrow), at most 366 days; or why not. */
function summariesRange(query: { starting_date: string; ending_date?: string | undefined }, now: Date): DayRange | string {
  const endExclusive = query.ending_date ?? addDays(dayOf(now), 1);
  if (endExclusive <= query.starting_date) {
    return `ending_date (${endExclusive}) must be after starting_date (${query.starting_date}); ending_date is exclusive`;
  }
  const span = daysApart(query.starting_date, endExclusive);
  if (span > MAX_SUMMARY_DAYS) return `starting_date to ending_date spans ${span} days; at most ${MAX_SUMMARY_DAYS} are allowed`;
  return { startDate: query.starting_date, endDate: addDays(endExclusive, -1) };
}

const UNSUPPORTED_DIMENSIONS: Partial<Record<Dimension, string>> = {
  context_window: 'Claude Code’s telemetry does not report the context-window pricing tier',
  inference_geo: 'Claude Code’s telemetry does not report the inference region',
  speed: 'Claude Code’s telemetry does not report the inference speed mode',
  cost_type: 'Claude Code reports one cost per model, not split into tokens, web search and code execution',
  token_type:
    'Claude Code reports one cost per model (cost.usage has no token type), so cost cannot be split by token type; user_usage_report and usage_report give the tokens of each type',
  rbac_group_id: 'this app has no RBAC groups',
};

const NO_RBAC_GROUPS = 'this app has no RBAC groups (people are GitHub org members)';

/** The filters of a report query, as the reports read them. */
export interface ReportFilters {
  'models[]'?: string[] | undefined;
  'user_ids[]'?: string[] | undefined;
  /** The filters leave out all of Claude Code's usage (a product other than claude_code, a Slack channel, …). */
  matchesNothing: boolean;
}

type FilterQuery = {
  'products[]'?: string[] | undefined;
  'context_windows[]'?: string[] | undefined;
  'inference_geos[]'?: string[] | undefined;
  'speeds[]'?: string[] | undefined;
  'rbac_group_ids[]'?: string[] | undefined;
  'slack_channel_ids[]'?: string[] | undefined;
  'claude_tag_categories[]'?: string[] | undefined;
  'claude_tag_user_ids[]'?: string[] | undefined;
};

/**
 * Filters on what Claude Code's telemetry does not carry: refused where a row's value is unknown
 * (so no answer would be true), matching nothing where the value is known to be absent (Claude
 * Code usage has no Slack channel), everything where it asks for "not available".
 */
function filtersOf(ctx: z.RefinementCtx, q: FilterQuery): boolean {
  const unknown: [keyof FilterQuery, string][] = [
    ['context_windows[]', 'Claude Code’s telemetry does not report the context-window pricing tier'],
    ['speeds[]', 'Claude Code’s telemetry does not report the inference speed mode'],
    ['rbac_group_ids[]', NO_RBAC_GROUPS],
  ];
  for (const [name, why] of unknown) if (q[name] !== undefined) refuse(ctx, `${name} cannot be served: ${why}`, name);
  const geos = q['inference_geos[]'];
  if (geos !== undefined && !geos.includes('not_available')) {
    refuse(ctx, 'inference_geos[] cannot be served: Claude Code’s telemetry does not report the inference region (every row is not_available)', 'inference_geos[]');
  }
  const products = q['products[]'];
  return (
    (products !== undefined && !products.includes('claude_code')) ||
    q['slack_channel_ids[]'] !== undefined ||
    q['claude_tag_categories[]'] !== undefined ||
    q['claude_tag_user_ids[]'] !== undefined
  );
}

/** A person row's place in the ranking: [metric, user key, model, day (with 1d buckets)]. */
export type RankCursor = [number, string, string | null, string | null];
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';
const isRankCursor = (v: unknown): v is RankCursor =>
  Array.isArray(v) && v.length === 4 && typeof v[0] === 'number' && typeof v[1] === 'string' && isTextOrNull(v[2]) && isTextOrNull(v[3]);
const isDayCursor = (v: unknown): v is string => isKeyCursor(v) && /^\d{4}-\d{2}-\d{2}$/.test(v);

const CURSOR_MESSAGE = 'not a cursor from this API for these parameters';

/**
 * A refusal in a transform: an issue on `path` (else on the whole query) that fails validation.
 * The rules run in order and the hook answers the first issue, so the first rule broken is named.
 */
function refuse(ctx: z.RefinementCtx, message: string, path?: string): never {
  ctx.addIssue({ code: 'custom', message, ...(path ? { path: [path] } : {}) });
  return z.NEVER;
}

/** A rule's verdict in a transform: the value, or the refusal its message says. */
const checked = <T extends object>(ctx: z.RefinementCtx, verdict: T | string, path?: string): T =>
  typeof verdict === 'string' ? refuse(ctx, verdict, path) : verdict;

/** `group_by[]` → which supported dimensions are asked for, or why one cannot be. */
function dimensionsOf(groupBy: Dimension[] | undefined): { model: boolean; product: boolean } | string {
  for (const d of groupBy ?? []) {
    const why = UNSUPPORTED_DIMENSIONS[d];
    if (why) return `${d} is not available: ${why}`;
  }
  return { model: groupBy?.includes('model') ?? false, product: groupBy?.includes('product') ?? false };
}

type ReportQuery = FilterQuery & { starting_at: string; ending_at?: string | undefined; 'group_by[]'?: Dimension[] | undefined; page?: string | undefined };

const finerThanDays = (ctx: z.RefinementCtx, width: string | undefined) => {
  if (width === undefined || width === '1d') return;
  refuse(ctx, `${width} buckets are not available: Claude Code’s telemetry is stored rolled up per UTC day, so only 1d buckets can be computed`, 'bucket_width');
};

function personReport<Q extends ReportQuery & { bucket_width?: string | undefined }>(q: Q, ctx: z.RefinementCtx, now: Date) {
  finerThanDays(ctx, q.bucket_width);
  const range = checked(ctx, reportRange(q, now));
  const dims = checked(ctx, dimensionsOf(q['group_by[]']), 'group_by[]');
  const matchesNothing = filtersOf(ctx, q);
  return { ...q, range, dims, matchesNothing, daily: q.bucket_width === '1d', after: cursorOf(ctx, q.page, isRankCursor, CURSOR_MESSAGE) };
}

function bucketReport<Q extends ReportQuery & { bucket_width: string }>(q: Q, ctx: z.RefinementCtx, now: Date) {
  finerThanDays(ctx, q.bucket_width);
  const range = checked(ctx, reportRange(q, now));
  const dims = checked(ctx, dimensionsOf(q['group_by[]']), 'group_by[]');
  const matchesNothing = filtersOf(ctx, q);
  // A bucket cursor is the first day of the next page: it must lie in the range.
  const from = cursorOf(ctx, q.page, (v): v is string => isDayCursor(v) && v >= range.startDate && v <= range.endDate, CURSOR_MESSAGE);
  return { ...q, range, dims, matchesNothing, from };
}

/** `users`: one day (`date`, default today) or a range; `user_id` filters; the email cursor. */
function usersQuery(q: z.output<typeof UsersQuery>, ctx: z.RefinementCtx, now: Date) {
  if (q.date !== undefined && (q.starting_date !== undefined || q.ending_date !== undefined)) {
    return refuse(ctx, 'give either date or starting_date/ending_date, not both');
  }
  if (q.ending_date !== undefined && q.starting_date === undefined) return refuse(ctx, 'ending_date is only valid with starting_date', 'ending_date');
  if (q['group_by[]'] !== undefined) return refuse(ctx, `group_by[] cannot be served: ${NO_RBAC_GROUPS}`, 'group_by[]');
  if (q.order_by !== undefined && q.order_by !== 'email_address') {
    return refuse(ctx, `order_by=${q.order_by} is not available: people are listed by email_address`, 'order_by');
  }
  const userIds: string[] = [];
  for (const f of q['filter[]'] ?? []) {
    const [dimension, ...rest] = f.split(':');
    if (dimension !== 'user_id') {
      return refuse(ctx, `filter[] ${dimension} cannot be served: only user_id is (this app has no RBAC groups or chat projects)`, 'filter[]');
    }
    userIds.push(rest.join(':'));
  }
  const range =
    q.starting_date === undefined
      ? { startDate: q.date ?? dayOf(now), endDate: q.date ?? dayOf(now) }
      : checked(ctx, summariesRange({ starting_date: q.starting_date, ending_date: q.ending_date }, now));
  return { ...q, range, userIds: userIds.length > 0 ? userIds : undefined, after: cursorOf(ctx, q.page, isKeyCursor, CURSOR_MESSAGE) };
}

/** The analytics routes' queries with their rules; each answers the checked `range` (and dimensions, cursor). */
export function analyticsQueries(now: () => Date) {
  return {
    userUsage: UserUsageReportQuery.transform((q, ctx) => personReport(q, ctx, now())),
    userCost: UserCostReportQuery.transform((q, ctx) => personReport(q, ctx, now())),
    usage: UsageReportQuery.transform((q, ctx) => bucketReport(q, ctx, now())),
    cost: CostReportQuery.transform((q, ctx) => bucketReport(q, ctx, now())),
    summaries: SummariesQuery.transform((q, ctx) => {
      if (q['filter[]'] !== undefined) refuse(ctx, `filter[] cannot be served: ${NO_RBAC_GROUPS}`, 'filter[]');
      return { ...q, range: checked(ctx, summariesRange(q, now())) };
    }),
    users: UsersQuery.transform((q, ctx) => usersQuery(q, ctx, now())),
    spend: SpendReportQuery.extend({ team: TeamParam }).transform((q, ctx) => {
      if (q.period === undefined) return { ...q, range: rangeOf(ctx, q, now()) };
      if (q.start_date !== undefined || q.end_date !== undefined) return refuse(ctx, 'give either period or start_date/end_date, not both');
      return { ...q, range: spendReportRange(q.period, dayOf(now())) };
    }),
  };
}
