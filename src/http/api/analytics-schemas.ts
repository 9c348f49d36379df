import { z } from '@hono/zod-openapi';
import { FIRST_DAY, isCalendarDate, isDayInWindow, LAST_DAY } from '../../utc-days.js';

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
    .refine(isDayInWindow, `is not a day from ${FIRST_DAY} to ${LAST_DAY}`)
    .openapi({ param: { name, in: 'query' }, example: '2026-11-01', description });

const instant = (name: string, description: string) =>
  z
    .string()
    .regex(INSTANT, 'must be an RFC 3339 date-time (2026-11-01T00:00:00Z) or a date (2026-11-01)')
    .refine((s) => isCalendarDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(DATE.test(s) ? `${s}T00:00:00Z` : s)), 'is not a valid date-time')
    .refine(isDayInWindow, `is not a day from ${FIRST_DAY} to ${LAST_DAY}`)
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

/** Anthropic's SDKs send `beta=true` on their beta methods: accepted and ignored. */
export const beta = z
  .enum(['true', 'false'])
  .optional()
  .openapi({ param: { name: 'beta', in: 'query' }, description: 'Sent by Anthropic’s SDKs on their beta methods; ignored' });

const page = z
  .string()
  .optional()
  .openapi({ param: { name: 'page', in: 'query' }, description: 'Opaque cursor from the previous answer’s `next_page`; send the same other parameters' });

/** Every product Anthropic's usage and cost reports filter by (`products[]`); only claude_code has usage here. */
export const PRODUCTS = [
  'chat',
  'chat_cowork_unified',
  'claude-tag',
  'claude_tag',
  'claude_code',
  'claude_console',
  'claude_design',
  'claude_in_chrome',
  'cowork',
  'managed_agents_api',
  'message_batches_api',
  'messages_api',
  'office_agent',
] as const;
/** Dimensions Anthropic's usage reports group by; only `model` and `product` exist in Claude Code's telemetry. */
export const USAGE_DIMENSIONS = [
  'model',
  'product',
  'context_window',
  'inference_geo',
  'speed',
  'rbac_group_id',
  'slack_channel_id',
  'claude_tag_category',
  'claude_tag_user_id',
] as const;
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
  'context_windows[]': list('context_windows[]', z.enum(['0-200k', '200k-1M']), 'Not in Claude Code’s telemetry: any value is answered with 400.'),
  'inference_geos[]': list(
    'inference_geos[]',
    z.enum(['global', 'us', 'not_available']),
    'The inference region is not in Claude Code’s telemetry: every row matches `not_available`; a filter without it is answered with 400.',
  ),
  'speeds[]': list('speeds[]', z.enum(['fast', 'standard']), 'Not in Claude Code’s telemetry: any value is answered with 400.'),
  'rbac_group_ids[]': list('rbac_group_ids[]', z.string().min(1), 'This app has no RBAC groups: any value is answered with 400.'),
  'slack_channel_ids[]': list('slack_channel_ids[]', z.string().min(1), 'Claude Tag (Slack) usage is not Claude Code’s: a filter matches nothing.'),
  'claude_tag_categories[]': list(
    'claude_tag_categories[]',
    z.enum(['dm', 'engaged', 'monitoring', 'proactive', 'scheduled']),
    'Claude Tag (Slack) usage is not Claude Code’s: a filter matches nothing.',
  ),
  'claude_tag_user_ids[]': list('claude_tag_user_ids[]', z.string().min(1), 'Claude Tag (Slack) usage is not Claude Code’s: a filter matches nothing.'),
};

const excludeDeletedUsers = z
  .enum(['true', 'false'])
  .optional()
  .openapi({ param: { name: 'exclude_deleted_users', in: 'query' }, description: 'Omit deleted users. Nobody is deleted here, so it changes nothing.' });

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

const userBucketWidth = z
  .enum(['1d', '1h', '1m'])
  .optional()
  .openapi({
    param: { name: 'bucket_width', in: 'query' },
    description: 'With 1d, one row per person and UTC day with usage (with starting_at/ending_at of that day). 1h and 1m are answered with 400: the telemetry is rolled up per UTC day.',
  });

export const UserUsageReportQuery = z.strictObject({
  beta,
  ...reportRange,
  ...filters,
  bucket_width: userBucketWidth,
  exclude_deleted_users: excludeDeletedUsers,
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
  beta,
  ...reportRange,
  ...filters,
  bucket_width: userBucketWidth,
  exclude_deleted_users: excludeDeletedUsers,
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
  beta,
  ...reportRange,
  ...filters,
  bucket_width: bucketWidth,
  'group_by[]': groupBy(USAGE_DIMENSIONS, 'context_window, inference_geo and speed are not in Claude Code’s telemetry (400).'),
  limit: limit(31, undefined, 'Buckets per page (1–31, default 7)'),
  page,
});

export const CostReportQuery = z.strictObject({
  beta,
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

/** `filter[]=dimension:value`: only `user_id` is served (this app has no RBAC groups or chat projects). */
const dimensionFilter = (dimensions: string) =>
  list(
    'filter[]',
    z.string().regex(/^[a-z_]+:.+$/, 'must be dimension:value'),
    `Filters as dimension:value. ${dimensions}`,
  );

const listLimit = limit(1000, 100, 'Items per page (1–1000, default 100)');

export const SummariesQuery = z.strictObject({
  beta,
  starting_date: date('starting_date', 'First UTC day, inclusive'),
  ending_date: date('ending_date', 'Last UTC day, exclusive (default: tomorrow, so today is the last entry). At most 366 days after starting_date.').optional(),
  'filter[]': dimensionFilter('Anthropic’s only dimension here is rbac_group_id; this app has no RBAC groups, so any filter is answered with 400.'),
  limit: listLimit,
  page: page.describe('Accepted for Anthropic’s SDKs; the series is answered in full (next_page is always null)'),
});

export const UsersQuery = z.strictObject({
  beta,
  date: date('date', 'The UTC day (default: today); or starting_date/ending_date for a range').optional(),
  starting_date: date('starting_date', 'First UTC day of a range, inclusive').optional(),
  ending_date: date('ending_date', 'Last UTC day of a range, exclusive (default: tomorrow). At most 366 days after starting_date.').optional(),
  'filter[]': dimensionFilter('Supported: user_id:<actor user id> (repeat to OR). rbac_group_id and project_id are answered with 400: this app has no RBAC groups or chat projects.'),
  'group_by[]': list('group_by[]', z.enum(['rbac_group_id']), 'rbac_group_id is answered with 400: this app has no RBAC groups.'),
  order: z.enum(['asc', 'desc']).default('asc').openapi({ param: { name: 'order', in: 'query' }, description: 'By email address (default asc)' }),
  order_by: z
    .string()
    .optional()
    .openapi({ param: { name: 'order_by', in: 'query' }, description: 'Only email_address (the default sort column); a metric is answered with 400' }),
  limit: listLimit,
  page,
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

/** The products whose active users Anthropic's summaries count and this app does not see: 0. */
export const OTHER_PRODUCTS = ['cowork', 'chat', 'claude_design', 'office_agent'] as const;

export const SummaryEntrySchema = z
  .object({
    starting_at: z.string().describe('The day’s start, RFC 3339 UTC'),
    ending_at: z.string().describe('The next day’s start, RFC 3339 UTC'),
    daily_active_user_count: count.describe('People with Claude Code telemetry that day'),
    weekly_active_user_count: count.describe('People with Claude Code telemetry in the 7 days ending that day'),
    monthly_active_user_count: count.describe('People with Claude Code telemetry in the 30 days ending that day'),
    claude_code_daily_active_user_count: count.describe('The same as daily_active_user_count: all activity here is Claude Code’s'),
    claude_code_weekly_active_user_count: count.describe('The same as weekly_active_user_count'),
    claude_code_monthly_active_user_count: count.describe('The same as monthly_active_user_count'),
    ...Object.fromEntries(
      OTHER_PRODUCTS.flatMap((product) =>
        ['daily', 'weekly', 'monthly'].map((window) => [`${product}_${window}_active_user_count`, count.describe('0: only Claude Code’s telemetry is seen here')]),
      ),
    ),
    assigned_seat_count: count.nullable().describe('Seats: SEATS when configured, else the org’s GitHub member count; null when unknown'),
    pending_invite_count: z.null().describe('Null: GitHub org invitations are not tracked'),
    daily_adoption_rate: z.number().nullable().describe('DAU ÷ seats × 100; null when seats are unknown'),
    weekly_adoption_rate: z.number().nullable().describe('WAU ÷ seats × 100; null when seats are unknown'),
    monthly_adoption_rate: z.number().nullable().describe('MAU ÷ seats × 100; null when seats are unknown'),
    seat_utilization: z.number().nullable().describe('WAU ÷ seats, as a fraction (this app’s addition); null when seats are unknown'),
    sessions: count.describe('Claude Code sessions started that day (this app’s addition)'),
    active_time_seconds: z.number().describe('Claude Code active time that day (this app’s addition)'),
  })
  .openapi('ActivitySummaryDay');

export const ActivitySummarySchema = z
  .object({ summaries: z.array(SummaryEntrySchema), data_refreshed_at: refreshed })
  .openapi('ActivitySummary');

/** Anthropic's envelope of `summaries`: the series in `data`, in full (`next_page` is null). */
export const AnthropicSummariesSchema = z
  .object({ data: z.array(SummaryEntrySchema), next_page: z.null(), data_refreshed_at: refreshed })
  .openapi('AnthropicActivitySummaries');

const actor = z
  .object({
    type: z.literal('user_actor'),
    user_id: z.string().describe('This app’s person key: the GitHub login, or `unlinked:<email>` for telemetry no identity links to a login'),
    email_address: z.string().nullable(),
    name: z.string().nullable().describe('GitHub login; null when unlinked'),
    deleted: z.boolean(),
  })
  .openapi('AnalyticsUserActor');

const dimensions = {
  // A union, not a nullable literal: the latter is documented as an enum without null, which the null it answers breaks.
  product: z.union([z.literal('claude_code'), z.null()]).describe('claude_code when grouped by product, else null'),
  model: z.string().nullable().describe('The model when grouped by model, else null'),
  context_window: z.null().describe('Not in Claude Code’s telemetry'),
  inference_geo: z.null().describe('Not in Claude Code’s telemetry'),
  speed: z.null().describe('Not in Claude Code’s telemetry'),
  rbac_group_id: z.null().describe('This app has no RBAC groups'),
  slack_channel_id: z.null().describe('Claude Tag (Slack) usage is not Claude Code’s'),
  claude_tag_category: z.null().describe('Claude Tag (Slack) usage is not Claude Code’s'),
  claude_tag_user_id: z.null().describe('Claude Tag (Slack) usage is not Claude Code’s'),
};

const tokens = {
  uncached_input_tokens: count,
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count })
    .describe('Claude Code reports cache writes without their TTL and writes 5-minute entries by default: all are counted as 5-minute, 1-hour is 0'),
  cache_creation_input_tokens: count.describe('Tokens written to the prompt cache (this app’s addition)'),
  cache_read_input_tokens: count,
  output_tokens: count,
  server_tool_use: z.object({ web_search_requests: count }).describe('0: Claude Code’s telemetry has no server-side tool counts'),
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

const bucketStart = z.string().describe('Start of the range, or of the row’s day with bucket_width=1d (RFC 3339 UTC)');
const bucketEnd = z.string().describe('End of the range (exclusive), or of the row’s day with bucket_width=1d');

const pageOf = <T extends z.ZodType>(item: T) => ({
  data: z.array(item),
  has_more: z.boolean(),
  next_page: z.string().nullable(),
  data_refreshed_at: refreshed,
  organization_id: z.string().describe('The GitHub organization'),
});

export const UserUsageReportSchema = z
  .object(pageOf(z.object({ actor, starting_at: bucketStart, ending_at: bucketEnd, ...dimensions, ...tokens, total_tokens: count })))
  .openapi('UserUsageReport');

export const UserCostReportSchema = z
  .object(pageOf(z.object({ actor, starting_at: bucketStart, ending_at: bucketEnd, ...dimensions, ...money })))
  .openapi('UserCostReport');

export const UsageReportSchema = z
  .object(pageOf(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(z.object({ ...dimensions, ...tokens })) })))
  .openapi('UsageBucketReport');

export const CostReportSchema = z
  .object(pageOf(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(z.object({ ...dimensions, ...money })) })))
  .openapi('CostBucketReport');

const toolCounts = z.object({ accepted_count: count, rejected_count: count });

/**
 * The metrics of Anthropic's user activity for the products this app does not see, per product
 * (the fields of `@anthropic-ai/sdk`'s `AnalyticsChatMetrics`, `…CoworkMetrics`, …): all 0.
 */
export const OTHER_PRODUCT_METRICS = {
  chat: [
    'connectors_used_count',
    'distinct_artifacts_created_count',
    'distinct_connectors_used_count',
    'distinct_conversation_count',
    'distinct_files_uploaded_count',
    'distinct_projects_created_count',
    'distinct_projects_used_count',
    'distinct_shared_artifacts_viewed_count',
    'distinct_skills_used_count',
    'message_count',
    'shared_conversations_viewed_count',
    'thinking_message_count',
  ],
  cowork: [
    'action_count',
    'artifacts_created_count',
    'connectors_used_count',
    'dispatch_turn_count',
    'distinct_connectors_used_count',
    'distinct_plugins_used_count',
    'distinct_session_count',
    'distinct_skills_used_count',
    'edit_tool_count',
    'file_edit_count',
    'message_count',
    'multi_edit_tool_count',
    'notebook_edit_tool_count',
    'plugins_used_count',
    'sessions_with_file_edits_count',
    'skills_used_count',
    'write_tool_count',
  ],
  design: ['distinct_projects_created_count', 'distinct_projects_used_count', 'distinct_session_count', 'message_count'],
  office: ['connectors_used_count', 'distinct_connectors_used_count', 'distinct_session_count', 'distinct_skills_used_count', 'message_count', 'skills_used_count'],
  science: ['delegation_count', 'distinct_session_count', 'message_count', 'remote_compute_job_count', 'skills_used_count'],
} as const;

const zeros = (description: string, keys: readonly string[]) => z.object(Object.fromEntries(keys.map((k) => [k, count]))).describe(description);
const NOT_SEEN = '0: this app sees only Claude Code';
const officeProduct = zeros(NOT_SEEN, OTHER_PRODUCT_METRICS.office);

const contributionMetrics = z
  .object({
    github_login: z.string().nullable(),
    pull_requests: z.object({ merged: count, with_claude_code: count, without_claude_code: count }),
    lines_committed: z.object({ total: count, with_claude_code: count, without_claude_code: count }),
  })
  .describe('This app’s PR and line figures for the person (an addition to Anthropic’s record)');

export const UserActivitySchema = z
  .object({
    user: z.object({ id: z.string().describe('This app’s person key (GitHub login, or unlinked:…)'), email_address: z.string(), type: z.literal('user') }),
    distinct_user_count: z.null(),
    web_search_count: count.describe('0: not in Claude Code’s telemetry'),
    claude_code_metrics: z.object({
      core_metrics: z.object({
        artifacts_created_count: count.describe('0: not in Claude Code’s telemetry'),
        commit_count: count,
        distinct_session_count: count,
        lines_of_code: z.object({ added_count: count, removed_count: count }),
        pull_request_count: count,
      }),
      tool_actions: z.object({ edit_tool: toolCounts, multi_edit_tool: toolCounts, notebook_edit_tool: toolCounts, write_tool: toolCounts }),
    }),
    chat_metrics: zeros(NOT_SEEN, OTHER_PRODUCT_METRICS.chat),
    cowork_metrics: zeros(NOT_SEEN, OTHER_PRODUCT_METRICS.cowork),
    design_metrics: zeros(NOT_SEEN, OTHER_PRODUCT_METRICS.design),
    office_metrics: z.object({ excel: officeProduct, outlook: officeProduct, powerpoint: officeProduct, word: officeProduct }),
    science_metrics: zeros(NOT_SEEN, OTHER_PRODUCT_METRICS.science),
    contribution_metrics: contributionMetrics,
  })
  .openapi('AnalyticsUserActivity');

export const UserActivitiesSchema = z
  .object({ data: z.array(UserActivitySchema), next_page: z.string().nullable() })
  .openapi('AnalyticsUserActivities');

export const OrganizationSchema = z
  .object({ id: z.string().describe('The GitHub organization'), name: z.string().describe('The GitHub organization'), type: z.literal('organization') })
  .openapi('Organization');
