import { z } from '@hono/zod-openapi';
import { addDays, dayCount, dayOf, FIRST_DAY, isCalendarDate, isDayInWindow, LAST_DAY, type DayRange } from '../../utc-days.js';
import { cursorOf, isKeyCursor, isPersonTerminalCursor, isPullRequestCursor } from './cursor-paging.js';
import { beta } from './analytics-schemas.js';
import { DAILY_ROW_FIELDS, REPOSITORY_ROW_FIELDS, USER_ROW_FIELDS, type FieldKind, type MetricFields } from '../../metrics/report.js';
import { TEAM_ROW_FIELDS } from '../../metrics/teams-report.js';

/*
 * The metrics API's parameters and answers, as zod schemas: they validate requests and generate
 * the OpenAPI document, so the two cannot drift apart.
 */

export const MAX_RANGE_DAYS = 366;

/** A UTC day written YYYY-MM-DD that names a calendar day. */
export const calendarDate = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)')
    .refine(isCalendarDate, 'is not a calendar date')
    .refine(isDayInWindow, `is not a day from ${FIRST_DAY} to ${LAST_DAY}`);

const day = (name: string) =>
  calendarDate()
    .optional()
    .openapi({ param: { name, in: 'query' }, example: '2026-11-01', description: 'UTC day (inclusive); see the range rules' });

export const OrgParam = z.object({
  org: z.string().min(1).openapi({ param: { name: 'org', in: 'path' }, example: 'acme', description: 'GitHub organization login' }),
});

const rangeFields = {
  start_date: day('start_date'),
  end_date: day('end_date'),
};

/** The range of a request: `end_date` defaults to today (UTC), `start_date` to 29 days before it. */
export function resolveRange(query: { start_date?: string | undefined; end_date?: string | undefined }, now: Date): DayRange | string {
  const endDate = query.end_date ?? dayOf(now);
  const startDate = query.start_date ?? addDays(endDate, -29);
  if (startDate > endDate) return `start_date (${startDate}) is after end_date (${endDate})`;
  if (startDate < FIRST_DAY || endDate > LAST_DAY) return `start_date and end_date are days from ${FIRST_DAY} to ${LAST_DAY}`;
  const days = dayCount({ startDate, endDate });
  if (days > MAX_RANGE_DAYS) return `start_date to end_date spans ${days} days; at most ${MAX_RANGE_DAYS} are allowed`;
  return { startDate, endDate };
}

/** In a query schema's transform: the request's range, or an issue the validation hook answers with 400. */
export function rangeOf(ctx: z.RefinementCtx, query: { start_date?: string | undefined; end_date?: string | undefined }, now: Date): DayRange {
  const range = resolveRange(query, now);
  if (typeof range !== 'string') return range;
  ctx.addIssue({ code: 'custom', message: range });
  return z.NEVER;
}

export const RangeQuery = z.strictObject(rangeFields);

/** `team=slug` (spec: Teams): the figures of that team's people; any case, answered lowercase. */
const team = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'must be a team slug (letters, digits, "-" and "_")')
  .transform((t) => t.toLowerCase())
  .optional()
  .openapi({
    param: { name: 'team', in: 'query' },
    type: 'string',
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$',
    example: 'platform',
    description: "Only this team's people: a GitHub team's slug, or a `team` resource attribute of Claude Code's telemetry (404 when the org has no such team)",
  });

export const TeamRangeQuery = z.strictObject({ ...rangeFields, team });

/** The `team=` query parameter, for routes whose query is defined elsewhere (the spend report's). */
export const TeamParam = team;

const limit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .openapi({ param: { name: 'limit', in: 'query' }, example: fallback, description: `Items per page (1–${max}, default ${fallback})` });

const page = z
  .string()
  .optional()
  .openapi({ param: { name: 'page', in: 'query' }, description: 'Opaque cursor from the previous answer’s `next_page`' });

const format = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ param: { name: 'format', in: 'query' }, description: 'csv: every item of the range as CSV (same as Accept: text/csv)' });

export const ListQuery = z.strictObject({ ...rangeFields, limit: limit(1000, 100), page, format, team });

export const PullRequestListQuery = z.strictObject({
  ...rangeFields,
  limit: limit(1000, 100),
  page,
  format,
  team,
  with_claude_code: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'with_claude_code', in: 'query' }, description: 'Only PRs with (true) or without (false) Claude Code' }),
});

export const OutcomesQuery = z.strictObject({
  ...rangeFields,
  repository: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be owner/name')
    .optional()
    .openapi({ param: { name: 'repository', in: 'query' }, example: 'acme/widgets', description: 'Only PRs of this repository (owner/name)' }),
  login: z
    .string()
    .regex(/^[A-Za-z0-9_.[\]-]{1,100}$/, 'must be a GitHub login')
    .optional()
    .openapi({ param: { name: 'login', in: 'query' }, example: 'dana', description: 'Only PRs this person counts for' }),
  team,
});

export const UsageQuery = z.strictObject({
  starting_at: calendarDate().openapi({ param: { name: 'starting_at', in: 'query' }, example: '2026-11-21', description: 'The UTC day to report' }),
  beta,
  limit: limit(1000, 20),
  page,
});

/**
 * The metrics API's queries with their range and cursor rules: each answers the checked `range`
 * (and `after`, the decoded cursor), or fails validation with the message the hook answers.
 */
export function metricsQueries(now: () => Date) {
  return {
    range: RangeQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()) })),
    teamRange: TeamRangeQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()) })),
    users: ListQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()), after: cursorOf(ctx, q.page, isKeyCursor) })),
    pullRequests: PullRequestListQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()), after: cursorOf(ctx, q.page, isPullRequestCursor) })),
    outcomes: OutcomesQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()) })),
    durability: OutcomesQuery.transform((q, ctx) => ({ ...q, range: rangeOf(ctx, q, now()) })),
    usage: UsageQuery.transform((q, ctx) => ({ ...q, after: cursorOf(ctx, q.page, isPersonTerminalCursor) })),
  };
}

const count = z.number().int();
const hours = z.number().nullable();

/** The zod type of each kind of metric field. */
const METRIC_FIELD_SCHEMAS = { count, rate: z.number().nullable(), usd: z.number() } satisfies Record<FieldKind, z.ZodType>;

/** A metric row's fields (src/metrics/report.ts), each typed by its kind, in their order. */
function metricRowShape<F extends MetricFields>(fields: F) {
  const shape: Record<string, z.ZodType> = {};
  for (const name in fields) shape[name] = METRIC_FIELD_SCHEMAS[fields[name]!.kind];
  return shape as { [N in keyof F]: (typeof METRIC_FIELD_SCHEMAS)[F[N]['kind']] };
}

export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.enum(['invalid_request_error', 'authentication_error', 'not_found_error', 'rate_limit_error', 'api_error']),
      message: z.string(),
    }),
  })
  .openapi('Error');

export const SummarySchema = z
  .object({
    org: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    pull_requests: z.object({
      merged: count.describe('Merged PRs by people (bots apart)'),
      with_claude_code: count,
      without_claude_code: count,
      with_claude_code_share: z.number().nullable().describe('with ÷ merged; null when none merged'),
      opened: count,
      by_bots: count,
    }),
    lines_committed: z.object({ total: count, with_claude_code: count, without_claude_code: count }),
    claude_code: z.object({
      lines_accepted: count,
      lines_removed: count,
      suggestion_accept_rate: z.number().nullable().describe('accepted ÷ (accepted + rejected) edit decisions; null when none'),
      decisions: z.object({ accepted: count, rejected: count }),
      sessions: count,
      active_users: count,
      commits: count,
      pull_requests: count,
      cost_usd: z.number(),
    }),
    data_processed_at: z.string().nullable(),
  })
  .extend({ team: z.string().optional().describe('The team asked for (`team=`): the figures are its people’s') })
  .openapi('Summary');

export const DailyRowSchema = z
  .object({ date: z.string(), ...metricRowShape(DAILY_ROW_FIELDS) })
  .openapi('DailyRow');

export const DailySchema = z
  .object({
    org: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    team: z.string().optional().describe('The team asked for (`team=`): the figures are its people’s'),
    data: z.array(DailyRowSchema),
    data_processed_at: z.string().nullable(),
  })
  .openapi('Daily');

export const UserRowSchema = z
  .object({
    login: z.string().nullable().describe('GitHub login; null for Claude Code telemetry no identity links to one'),
    email: z.string().nullable(),
    ...metricRowShape(USER_ROW_FIELDS),
  })
  .openapi('UserRow');

export const UsersSchema = z
  .object({ data: z.array(UserRowSchema), next_page: z.string().nullable(), data_processed_at: z.string().nullable() })
  .openapi('Users');

export const UserDetailSchema = z
  .object({
    org: z.string(),
    totals: UserRowSchema,
    data: z.array(DailyRowSchema),
    data_processed_at: z.string().nullable(),
  })
  .openapi('UserDetail');

export const EvidenceSchema = z
  .object({ kind: z.enum(['line_match', 'commit_link', 'trailer', 'claude_code_remote', 'session_activity']) })
  .catchall(z.unknown())
  .openapi('Evidence', {
    description:
      'What was found, with the detail of its kind (sessions, commits, files, lines). A line_match counts, per file, `exact` lines (the same after normalization) and `edited` ones (changed by a person or a formatter, similarity at least `minSimilarity`)',
  });

export const PullRequestSchema = z
  .object({
    repository: z.string(),
    number: count,
    title: z.string(),
    author: z
      .string()
      .describe("The person the PR counts for: its author, or for a PR Claude Code's GitHub bot opened, the person who asked for it (evidence `claude_code_remote`)"),
    author_is_bot: z.boolean(),
    created_at: z.string(),
    merged_at: z.string(),
    with_claude_code: z.boolean(),
    lines_added: count,
    lines_with_claude_code: count,
    evidence: z.array(EvidenceSchema),
    explanation: z.array(z.string()).describe('The evidence in plain words'),
    first_commit_at: z.string().nullable().describe('The earliest author date of its commits'),
    cycle_time_hours: hours.describe('First commit → merge'),
    coding_time_hours: hours.describe('First commit → opened'),
    pickup_time_hours: hours.describe('Opened (or ready for review, for a draft) → first review by someone else, not a bot; null without one'),
    review_time_hours: hours.describe('That first review → merge'),
    review_rounds: count.nullable().describe('Reviews by others that requested changes'),
    reverted: z.boolean().describe('A later merged PR or commit reverted it'),
    reverted_by: z.string().nullable().describe('The revert: owner/repo#N, or the sha of a commit pushed to the branch'),
    reverted_at: z.string().nullable().describe('When that revert landed (its merge, or its commit pushed); null when not reverted'),
    lines_surviving_14d: count.nullable().describe('Of the effective lines whose life began with this PR, those still there 14 days after the merge; null until it is 14 days old'),
    lines_surviving_30d: count.nullable().describe('The same 30 days after the merge; null until then'),
    lines_surviving_90d: count.nullable().describe('The same 90 days after the merge; null until then'),
  })
  .openapi('PullRequest');

export const PullRequestsSchema = z
  .object({ data: z.array(PullRequestSchema), next_page: z.string().nullable(), data_processed_at: z.string().nullable() })
  .openapi('PullRequests');

export const PullRequestDetailSchema = PullRequestSchema.extend({ data_processed_at: z.string().nullable() }).openapi('PullRequestDetail');

export const RepositoryRowSchema = z
  .object({ repository: z.string(), ...metricRowShape(REPOSITORY_ROW_FIELDS) })
  .openapi('RepositoryRow');

export const RepositoriesSchema = z
  .object({ data: z.array(RepositoryRowSchema), data_processed_at: z.string().nullable() })
  .openapi('Repositories');

const toolAction = z.object({ accepted: count, rejected: count });

export const UsageRecordSchema = z
  .object({
    date: z.string().describe('The day, as RFC 3339 midnight UTC'),
    actor: z.union([
      z.object({ type: z.literal('user_actor'), email_address: z.string() }),
      z.object({ type: z.literal('api_actor'), api_key_name: z.string() }),
    ]),
    organization_id: z.string(),
    customer_type: z.enum(['api', 'subscription']),
    subscription_type: z.null().describe('Null: Claude Code’s telemetry says whether a Claude account was signed in (customer_type), not its plan'),
    terminal_type: z.string().describe('The sessions’ terminal (`terminal.type`; `unknown` when unset): one record per person, day and terminal'),
    is_remote: z.boolean().describe('True for sessions of Claude Code on the web (their commits carry its session URL or bot author): one record per person, day, terminal and is_remote'),
    core_metrics: z.object({
      num_sessions: count,
      lines_of_code: z.object({ added: count, removed: count }),
      commits_by_claude_code: count,
      pull_requests_by_claude_code: count,
    }),
    tool_actions: z.object({ edit_tool: toolAction, multi_edit_tool: toolAction, write_tool: toolAction, notebook_edit_tool: toolAction }),
    model_breakdown: z.array(
      z.object({
        model: z.string(),
        tokens: z.object({ input: count, output: count, cache_read: count, cache_creation: count }),
        estimated_cost: z.object({ currency: z.literal('USD'), amount: z.number().describe('cents') }),
      }),
    ),
    contribution_metrics: z
      .object({
        github_login: z.string().nullable(),
        pull_requests: z.object({ merged: count, with_claude_code: count, without_claude_code: count }),
        lines_committed: z.object({ total: count, with_claude_code: count, without_claude_code: count }),
      })
      .describe('This app’s PR and line figures for the actor and day (an addition to Anthropic’s record)'),
  })
  .openapi('ClaudeCodeUsageRecord');

export const UsageReportSchema = z
  .object({ data: z.array(UsageRecordSchema), has_more: z.boolean(), next_page: z.string().nullable(), data_processed_at: z.string().nullable() })
  .openapi('ClaudeCodeUsageReport');

const Cohort = z.object({ count, median: hours, p75: hours });

const TimeComparison = z.object({
  with_claude_code: Cohort,
  without_claude_code: Cohort,
  same_author: z
    .object({
      people: count.describe('People with enough PRs of both kinds'),
      median_difference: z.number().describe('Median over those people of (their median with − their median without), hours'),
      ci95: z.tuple([z.number(), z.number()]).describe('Bootstrap 95% confidence interval (2,000 resamples of people, fixed seed)'),
    })
    .nullable()
    .describe('null: not enough data (see same_author_minimum)'),
});

const SizeCohort = z.object({ count, mean: z.number().nullable(), median: z.number().nullable() });
const RevertCohort = z.object({ prs: count, reverted: count, rate: z.number().nullable(), median_time_to_revert_hours: hours });

export const OutcomesSchema = z
  .object({
    org: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    repository: z.string().nullable(),
    login: z.string().nullable(),
    team: z.string().optional().describe('The team asked for (`team=`): PRs its people merged while in it, and their spend'),
    cycle_time_hours: TimeComparison.describe('First commit → merge'),
    coding_time_hours: TimeComparison.describe('First commit → opened'),
    pickup_time_hours: TimeComparison.describe('Opened or ready for review → first review by someone else, not a bot'),
    review_time_hours: TimeComparison.describe('First review → merge'),
    size_lines: z.object({ with_claude_code: SizeCohort, without_claude_code: SizeCohort }).describe('Effective lines added'),
    reverts: z.object({ with_claude_code: RevertCohort, without_claude_code: RevertCohort }),
    spend_usd: z.number().nullable().describe('Claude Code spend over the range; null for a repository (spend is not known per repository)'),
    cost_per_pr_usd: z.number().nullable().describe('Spend ÷ PRs merged with Claude Code; null without spend'),
    cost_per_line_usd: z.number().nullable().describe('Spend ÷ lines committed with Claude Code; null without spend'),
    weekly: z.array(
      z.object({
        week_start: z.string().describe('Monday (UTC)'),
        cycle_time_hours: z.object({ with_claude_code: Cohort, without_claude_code: Cohort }),
        spend_usd: z.number().nullable(),
        cost_per_pr_usd: z.number().nullable(),
      }),
    ),
    same_author_minimum: z.object({ pull_requests_of_each_kind: count, people: count }),
    data_processed_at: z.string().nullable(),
  })
  .openapi('Outcomes');

export const TeamRowSchema = z
  .object({
    slug: z.string().describe('The GitHub team’s slug, or the telemetry `team` attribute read as one'),
    name: z.string().describe('The GitHub team’s name; a telemetry team’s slug'),
    source: z.enum(['github', 'telemetry']).describe('github: a team of the org on GitHub (telemetry naming the same slug joins it); telemetry: named only by telemetry'),
    members: count.describe('People in the team over the range: its GitHub members, and those telemetry placed in it'),
    ...metricRowShape(TEAM_ROW_FIELDS),
  })
  .openapi('TeamRow');

export const TeamsSchema = z
  .object({ org: z.string(), start_date: z.string(), end_date: z.string(), data: z.array(TeamRowSchema), data_processed_at: z.string().nullable() })
  .openapi('Teams');

const SurvivalCohort = z
  .object({
    prs: count.describe('PRs old enough for the horizon that added at least one line'),
    lines: count.describe('Effective lines those PRs added'),
    surviving: count.describe('Of those, still there at the horizon'),
    rate: z.number().describe('surviving ÷ lines'),
  })
  .nullable()
  .describe('null: no PR of this kind is old enough yet');
const SurvivalCurve = z.object({ d14: SurvivalCohort, d30: SurvivalCohort, d90: SurvivalCohort });
const ChurnCohort = z
  .object({
    prs: count,
    lines: count,
    deleted: count.describe('Lines a later merged change deleted or rewrote within 21 days of the merge'),
    rewritten: count.describe('Of those, rewritten: the change added a line within the attribution’s similarity threshold in their place'),
    rate: z.number().describe('deleted ÷ lines'),
  })
  .nullable()
  .describe('null: no PR of this kind is 21 days old yet');
const OldEnough = z.object({
  merged: count.describe('Merged PRs of the range (people only) with durability computed'),
  old_enough: z.object({ d14: count, d30: count, d90: count, churn_21d: count }).describe('How many of them are old enough for each figure'),
});

export const DurabilitySchema = z
  .object({
    org: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    repository: z.string().nullable(),
    login: z.string().nullable(),
    team: z.string().optional().describe('The team asked for (`team=`): PRs its people merged while in it'),
    survival: z.object({ with_claude_code: SurvivalCurve, without_claude_code: SurvivalCurve }).describe('Share of added lines still there 14, 30 and 90 days after the merge'),
    churn_21d: z.object({ with_claude_code: ChurnCohort, without_claude_code: ChurnCohort }),
    median_life_days_of_deleted_lines: z
      .object({ with_claude_code: z.number().nullable(), without_claude_code: z.number().nullable() })
      .describe('Median life, in days, of the lines that ended so far (deleted or rewritten); null when none did'),
    deleted_lines: z.object({ with_claude_code: count, without_claude_code: count }).describe('Lines that ended so far: the median’s sample'),
    pull_requests: z.object({ with_claude_code: OldEnough, without_claude_code: OldEnough }),
    data_processed_at: z.string().nullable(),
  })
  .openapi('Durability');
