import { z } from '@hono/zod-openapi';
import { spendReportRange } from '../../db/usage-queries.js';
import { addDays, dayOf, dayOfMs, daysApart, dayStartMs, type DayRange } from '../../utc-days.js';
import { CostReportQuery, SpendReportQuery, SummariesQuery, UsageReportQuery, UserCostReportQuery, UserUsageReportQuery, type Dimension } from './analytics-schemas.js';
import { cursorOf, isKeyCursor } from './cursor-paging.js';
import { rangeOf } from './schemas.js';

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
};

/** A person row's place in the ranking: [metric, user key, model]. */
export type RankCursor = [number, string, string | null];
const isRankCursor = (v: unknown): v is RankCursor =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string' && (v[2] === null || typeof v[2] === 'string');
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

type ReportQuery = { starting_at: string; ending_at?: string | undefined; 'group_by[]'?: Dimension[] | undefined; page?: string | undefined };

function personReport<Q extends ReportQuery>(q: Q, ctx: z.RefinementCtx, now: Date) {
  const range = checked(ctx, reportRange(q, now));
  const dims = checked(ctx, dimensionsOf(q['group_by[]']), 'group_by[]');
  return { ...q, range, dims, after: cursorOf(ctx, q.page, isRankCursor, CURSOR_MESSAGE) };
}

function bucketReport<Q extends ReportQuery & { bucket_width: string }>(q: Q, ctx: z.RefinementCtx, now: Date) {
  if (q.bucket_width !== '1d') {
    return refuse(
      ctx,
      `${q.bucket_width} buckets are not available: Claude Code’s telemetry is stored rolled up per UTC day, so only 1d buckets can be computed`,
      'bucket_width',
    );
  }
  const range = checked(ctx, reportRange(q, now));
  const dims = checked(ctx, dimensionsOf(q['group_by[]']), 'group_by[]');
  // A bucket cursor is the first day of the next page: it must lie in the range.
  const from = cursorOf(ctx, q.page, (v): v is string => isDayCursor(v) && v >= range.startDate && v <= range.endDate, CURSOR_MESSAGE);
  return { ...q, range, dims, from };
}

/** The analytics routes' queries with their rules; each answers the checked `range` (and dimensions, cursor). */
export function analyticsQueries(now: () => Date) {
  return {
    userUsage: UserUsageReportQuery.transform((q, ctx) => personReport(q, ctx, now())),
    userCost: UserCostReportQuery.transform((q, ctx) => personReport(q, ctx, now())),
    usage: UsageReportQuery.transform((q, ctx) => bucketReport(q, ctx, now())),
    cost: CostReportQuery.transform((q, ctx) => bucketReport(q, ctx, now())),
    summaries: SummariesQuery.transform((q, ctx) => ({ ...q, range: checked(ctx, summariesRange(q, now())) })),
    spend: SpendReportQuery.transform((q, ctx) => {
      if (q.period === undefined) return { ...q, range: rangeOf(ctx, q, now()) };
      if (q.start_date !== undefined || q.end_date !== undefined) return refuse(ctx, 'give either period or start_date/end_date, not both');
      return { ...q, range: spendReportRange(q.period, dayOf(now())) };
    }),
  };
}
