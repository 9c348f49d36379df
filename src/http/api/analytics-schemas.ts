import { z } from '@hono/zod-openapi';
import { isCalendarDate } from '../../utc-days.js';

/*
 * Parameters and answers of the usage and spend analytics routes (issue 8), in the shapes of
 * Anthropic's Enterprise Analytics API (`/v1/organizations/analytics/…`): same parameter and field
 * names, cursors, cost amounts as decimal strings in cents. Where Claude Code's telemetry cannot
 * know a dimension (context window, inference region, speed, cache TTL), the field is null.
 */


const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;

const date = (name: string, description: string) =>
  z
    .string()
    .regex(DATE, 'must be a date (YYYY-MM-DD)')
    .refine(isCalendarDate, 'is not a calendar date')
    .openapi({ param: { name, in: 'query' }, example: '2026-11-01', description });

const instant = (name: string, description: string) =>
  z
    .string()
    .regex(INSTANT, 'must be an RFC 3339 date-time (2026-11-01T00:00:00Z) or a date (2026-11-01)')
    .refine((s) => isCalendarDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(DATE.test(s) ? `${s}T00:00:00Z` : s)), 'is not a valid date-time')
    .openapi({ param: { name, in: 'query' }, example: '2026-11-01T00:00:00Z', description });

/** A repeated query parameter (`name[]=a&name[]=b`); one value or several. */
const list = <T extends z.ZodType>(name: string, item: T, description: string) =>
  z
    .preprocess((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]), z.array(item).max(100, 'takes at most 100 values').optional())
    .openapi({ param: { name, in: 'query', style: 'form', explode: true }, description });

const limit = (max: number, fallback: number | undefined, description: string) => {
  const n = z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
  return (fallback === undefined ? n.optional() : n.default(fallback)).openapi({ param: { name: 'limit', in: 'query' }, description });
};

const page = z
  .string()
  .optional()
  .openapi({ param: { name: 'page', in: 'query' }, description: 'Opaque cursor from the previous answer’s `next_page`; send the same other parameters' });

export const PRODUCTS = ['chat', 'claude_code', 'cowork', 'office_agent', 'claude_in_chrome', 'claude_design'] as const;
/** Dimensions Anthropic's usage reports group by; only `model` and `product` exist in Claude Code's telemetry. */
export const USAGE_DIMENSIONS = ['model', 'product', 'context_window', 'inference_geo', 'speed'] as const;
export const COST_DIMENSIONS = [...USAGE_DIMENSIONS, 'cost_type', 'token_type'] as const;
export type Dimension = (typeof COST_DIMENSIONS)[number];

const reportRange = {
  starting_at: instant(
    'starting_at',
    'Start of the range, inclusive; floored to its UTC day (the telemetry is rolled up per day). The range may span at most 31 days.',
  ),
  ending_at: instant(
    'ending_at',
    'End of the range, exclusive; floored to its UTC day. Default: the end of today (UTC), or starting_at + 31 days if earlier.',
  ).optional(),
};

const filters = {
  'models[]': list('models[]', z.string().min(1), 'Only these models (e.g. claude-sonnet-4-5)'),
  'user_ids[]': list('user_ids[]', z.string().min(1), 'Only these people: the `actor.user_id` of a row (GitHub login, or `unlinked:…`)'),
  'products[]': list(
    'products[]',
    z.enum(PRODUCTS),
    'Only these products. All usage here is Claude Code’s: a filter without `claude_code` matches nothing.',
  ),
};

const order = z
  .enum(['desc', 'asc'])
  .default('desc')
  .openapi({ param: { name: 'order', in: 'query' }, description: 'Sort direction (default desc)' });

const groupBy = <T extends readonly [string, ...string[]]>(values: T, extra: string) =>
  list(
    'group_by[]',
    z.enum(values),
    `Break each row out by these dimensions. Supported: model, product (always claude_code). ${extra}`,
  );

export const UserUsageReportQuery = z.strictObject({
  ...reportRange,
  ...filters,
  'group_by[]': groupBy(USAGE_DIMENSIONS, 'context_window, inference_geo and speed are not in Claude Code’s telemetry (400).'),
  order_by: z
    .enum(['total_tokens', 'output_tokens', 'uncached_input_tokens', 'requests'])
    .default('total_tokens')
    .openapi({ param: { name: 'order_by', in: 'query' }, description: 'Metric to rank people by (default total_tokens)' }),
  order,
  limit: limit(1000, 20, 'Rows per page (1–1000, default 20)'),
  page,
});

export const UserCostReportQuery = z.strictObject({
  ...reportRange,
  ...filters,
  'group_by[]': groupBy(
    COST_DIMENSIONS,
    'cost_type and token_type are rejected (400): Claude Code reports one cost per model, not per token type; context_window, inference_geo and speed are not in its telemetry.',
  ),
  order_by: z
    .enum(['amount', 'list_amount'])
    .default('amount')
    .openapi({ param: { name: 'order_by', in: 'query' }, description: 'Metric to rank people by (default amount)' }),
  order,
  limit: limit(1000, 20, 'Rows per page (1–1000, default 20)'),
  page,
});

const bucketWidth = z
  .enum(['1d', '1h', '1m'])
  .default('1d')
  .openapi({
    param: { name: 'bucket_width', in: 'query' },
    description: 'Bucket size. Only 1d: the telemetry is rolled up per UTC day, so 1h and 1m are answered with 400.',
  });

export const UsageReportQuery = z.strictObject({
  ...reportRange,
  ...filters,
  bucket_width: bucketWidth,
  'group_by[]': groupBy(USAGE_DIMENSIONS, 'context_window, inference_geo and speed are not in Claude Code’s telemetry (400).'),
  limit: limit(31, undefined, 'Buckets per page (1–31, default 7)'),
  page,
});

export const CostReportQuery = z.strictObject({
  ...reportRange,
  ...filters,
  bucket_width: bucketWidth,
  'group_by[]': groupBy(
    COST_DIMENSIONS,
    'cost_type and token_type are rejected (400): Claude Code reports one cost per model; context_window, inference_geo and speed are not in its telemetry.',
  ),
  limit: limit(31, undefined, 'Buckets per page (1–31, default 7)'),
  page,
});

export const SummariesQuery = z.strictObject({
  starting_date: date('starting_date', 'First UTC day, inclusive'),
  ending_date: date('ending_date', 'Last UTC day, exclusive (default: tomorrow, so today is the last entry). At most 366 days after starting_date.').optional(),
});

export const SpendReportQuery = z.strictObject({
  start_date: date('start_date', 'First UTC day, inclusive (with end_date; default: 29 days before end_date)').optional(),
  end_date: date('end_date', 'Last UTC day, inclusive (default: today)').optional(),
  period: z
    .enum(['month_to_date', 'last_month', 'last_90_days'])
    .optional()
    .openapi({ param: { name: 'period', in: 'query' }, description: 'A preset range relative to today (UTC), instead of start_date/end_date' }),
});

// ---------------------------------------------------------------------------------------------
// Answers.

const count = z.number().int();
const refreshed = z.string().nullable().describe('When the data was last processed (this app’s daily processing run)');

export const ActivitySummarySchema = z
  .object({
    summaries: z.array(
      z.object({
        starting_at: z.string().describe('The day’s start, RFC 3339 UTC'),
        ending_at: z.string().describe('The next day’s start, RFC 3339 UTC'),
        daily_active_user_count: count.describe('People with Claude Code telemetry that day'),
        weekly_active_user_count: count.describe('People with Claude Code telemetry in the 7 days ending that day'),
        monthly_active_user_count: count.describe('People with Claude Code telemetry in the 30 days ending that day'),
        assigned_seat_count: count.nullable().describe('Seats: SEATS when configured, else the org’s GitHub member count; null when unknown'),
        daily_adoption_rate: z.number().nullable().describe('DAU ÷ seats × 100; null when seats are unknown'),
        weekly_adoption_rate: z.number().nullable().describe('WAU ÷ seats × 100; null when seats are unknown'),
        monthly_adoption_rate: z.number().nullable().describe('MAU ÷ seats × 100; null when seats are unknown'),
        seat_utilization: z.number().nullable().describe('WAU ÷ seats, as a fraction (this app’s addition); null when seats are unknown'),
        sessions: count.describe('Claude Code sessions started that day (this app’s addition)'),
        active_time_seconds: z.number().describe('Claude Code active time that day (this app’s addition)'),
      }),
    ),
    data_refreshed_at: refreshed,
  })
  .openapi('ActivitySummary');

const actor = z
  .object({
    type: z.literal('user_actor'),
    user_id: z.string().describe('This app’s person key: the GitHub login, or `unlinked:<email>` for telemetry no identity links to a login'),
    email: z.string().nullable(),
    name: z.string().nullable().describe('GitHub login; null when unlinked'),
    deleted: z.boolean(),
  })
  .openapi('AnalyticsUserActor');

const dimensions = {
  product: z.literal('claude_code').nullable().describe('claude_code when grouped by product, else null'),
  model: z.string().nullable().describe('The model when grouped by model, else null'),
  context_window: z.null().describe('Not in Claude Code’s telemetry'),
  inference_geo: z.null().describe('Not in Claude Code’s telemetry'),
  speed: z.null().describe('Not in Claude Code’s telemetry'),
};

const tokens = {
  uncached_input_tokens: count,
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count.nullable(), ephemeral_1h_input_tokens: count.nullable() })
    .describe('Null: Claude Code reports cache writes without their TTL; the total is cache_creation_input_tokens'),
  cache_creation_input_tokens: count.describe('Tokens written to the prompt cache (this app’s addition)'),
  cache_read_input_tokens: count,
  output_tokens: count,
  requests: count.describe('API requests (Claude Code’s api_request events)'),
};

const money = {
  currency: z.literal('USD'),
  amount: z.string().describe('Spend after the configured discount, in cents as a decimal string ("132.000000" is $1.32)'),
  list_amount: z.string().describe('List-price spend (the cost Claude Code reports), in cents as a decimal string'),
  cost_type: z.null(),
  token_type: z.null(),
  requests: count.describe('API requests (Claude Code’s api_request events)'),
};

const pageOf = <T extends z.ZodType>(item: T) => ({
  data: z.array(item),
  has_more: z.boolean(),
  next_page: z.string().nullable(),
  data_refreshed_at: refreshed,
  organization_id: z.string().describe('The GitHub organization'),
});

export const UserUsageReportSchema = z
  .object(pageOf(z.object({ actor, starting_at: z.string(), ending_at: z.string(), ...dimensions, ...tokens, total_tokens: count })))
  .openapi('UserUsageReport');

export const UserCostReportSchema = z
  .object(pageOf(z.object({ actor, starting_at: z.string(), ending_at: z.string(), ...dimensions, ...money })))
  .openapi('UserCostReport');

export const UsageReportSchema = z
  .object(pageOf(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(z.object({ ...dimensions, ...tokens })) })))
  .openapi('UsageBucketReport');

export const CostReportSchema = z
  .object(pageOf(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(z.object({ ...dimensions, ...money })) })))
  .openapi('CostBucketReport');
