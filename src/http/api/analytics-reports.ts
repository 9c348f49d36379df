import type { Db } from '../../db/client.js';
import { dataProcessedAt, userTotals, type UserTotals } from '../../db/metrics-queries.js';
import { activityByDay, netSpend, seatUtilization, usageByDay, usageByPerson, type PersonUsage, type UsageFilter, type UsageSums } from '../../db/usage-queries.js';
import { addDays, dayStartInstant as dayStart, daysOf, type DayRange } from '../../utc-days.js';
import type { RankCursor, ReportFilters } from './analytics-queries.js';
import { OTHER_PRODUCT_METRICS, OTHER_PRODUCTS } from './analytics-schemas.js';
import { encodeCursor, pageOf } from './cursor-paging.js';

/*
 * The records of the analytics reports, in the shapes of Anthropic's analytics API (field names
 * and types of `@anthropic-ai/sdk`'s `organization.analytics` and `beta.organization.analytics`),
 * written once for both paths that serve them: `/api/v1/orgs/{org}/…` and Anthropic's own
 * `/v1/organizations/analytics/…`. Each report is a function of the checked query; the routes
 * wrap it in their envelope.
 *
 * What Claude Code's telemetry cannot know is answered the way Anthropic's API answers a
 * dimension it did not group by (null), and counts of products this app does not see (chat,
 * Cowork, Design, Office, Science) are 0.
 */

export interface AnalyticsReportDeps {
  db: Db;
  /** The org's seats (SEATS, else its GitHub member count); null when unknown. */
  seats: (org: string) => Promise<number | null> | number | null;
  /** A negotiated discount in percent (0 ≤ d ≤ 100): net spend = list spend × (1 − d/100). */
  discountPercent: (org: string) => number;
}

const BUCKETS_PER_PAGE = 7;

const totalTokens = (u: UsageSums) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheCreationTokens;
const centsText = (usd: number) => (usd * 100).toFixed(6);

interface Dimensions {
  product: boolean;
}

/** The dimensions of a row: only `product` and `model` are in Claude Code's telemetry. */
function dimensionFields(u: { model: string | null }, dims: Dimensions) {
  return {
    product: dims.product ? ('claude_code' as const) : null,
    model: u.model,
    context_window: null,
    inference_geo: null,
    speed: null,
    rbac_group_id: null,
    slack_channel_id: null,
    claude_tag_category: null,
    claude_tag_user_id: null,
  };
}

function tokenFields(u: UsageSums) {
  return {
    uncached_input_tokens: u.inputTokens,
    // Claude Code reports cache writes without their TTL; it writes 5-minute entries (its default),
    // so they are all counted there. The total is also in cache_creation_input_tokens.
    cache_creation: { ephemeral_5m_input_tokens: u.cacheCreationTokens, ephemeral_1h_input_tokens: 0 },
    cache_creation_input_tokens: u.cacheCreationTokens,
    cache_read_input_tokens: u.cacheReadTokens,
    output_tokens: u.outputTokens,
    // Claude Code's telemetry has no server-side tool counts.
    server_tool_use: { web_search_requests: 0 },
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

/** A person as Anthropic's report actor. */
function actorOf(u: { userKey: string; email: string | null; githubLogin: string | null }) {
  return { type: 'user_actor' as const, user_id: u.userKey, email_address: u.email, name: u.githubLogin, deleted: false };
}

/** A person's usage in the reports, over the range or (with 1d buckets) one day of it. */
type PersonRow = PersonUsage & { day: string | null };

/** One page of rows ranked by `metric` (ties by user key, model, then day), after `after`. */
function rankPage(rows: PersonRow[], metric: (u: PersonRow) => number, desc: boolean, limit: number, after: RankCursor | undefined) {
  const sign = desc ? -1 : 1;
  const text = (a: string | null, b: string | null) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  const cmp = (a: RankCursor, b: RankCursor) => sign * (a[0] - b[0]) || text(a[1], b[1]) || text(a[2], b[2]) || text(a[3], b[3]);
  const ranked = rows.map((r) => ({ row: r, key: [metric(r), r.userKey, r.model, r.day] as RankCursor })).sort((a, b) => cmp(a.key, b.key));
  const rest = after ? ranked.filter((r) => cmp(r.key, after) > 0) : ranked;
  const page = pageOf(rest, limit, (r) => r.key);
  return { rows: page.rows.map((r) => r.row), hasMore: page.hasMore, next: page.nextPage };
}

/** The query filters as the usage reads take them; `none` when the filters leave out all of Claude Code's usage. */
function filterOf(query: ReportFilters, byModel: boolean): { filter: UsageFilter; none: boolean } {
  return {
    filter: { models: query['models[]'], userKeys: query['user_ids[]']?.map((u) => u.toLowerCase()), byModel },
    none: query.matchesNothing,
  };
}

type UserReportQuery = ReportFilters & { range: DayRange; dims: Dimensions & { model: boolean }; after: RankCursor | undefined; order: 'asc' | 'desc'; limit?: number | undefined; daily: boolean };
type BucketReportQuery = ReportFilters & { range: DayRange; dims: Dimensions & { model: boolean }; from: string | undefined; limit?: number | undefined };

export function analyticsReports({ db, seats, discountPercent }: AnalyticsReportDeps) {
  /** Each person's usage over the range, or per day of it. */
  const peopleOf = async (org: string, range: DayRange, filter: UsageFilter, daily: boolean): Promise<PersonRow[]> => {
    if (!daily) return (await usageByPerson(db, org, range, filter)).map((u) => ({ ...u, day: null }));
    const rows: PersonRow[] = [];
    for (const day of daysOf(range)) {
      for (const u of await usageByPerson(db, org, { startDate: day, endDate: day }, filter)) rows.push({ ...u, day });
    }
    return rows;
  };

  /** A page of people (or people × days, people × models) ranked by `metric`. */
  const userReport = async <R extends object>(org: string, query: UserReportQuery, metric: (u: PersonUsage) => number, fields: (u: PersonRow) => R) => {
    const { range, dims, after } = query;
    const { filter, none } = filterOf(query, dims.model);
    const rows = none ? [] : await peopleOf(org, range, filter, query.daily);
    const page = rankPage(rows, metric, query.order === 'desc', query.limit ?? 20, after);
    const boundsOf = (u: PersonRow) =>
      u.day === null
        ? { starting_at: dayStart(range.startDate), ending_at: dayStart(addDays(range.endDate, 1)) }
        : { starting_at: dayStart(u.day), ending_at: dayStart(addDays(u.day, 1)) };
    return {
      data: page.rows.map((u) => ({ actor: actorOf(u), ...boundsOf(u), ...dimensionFields(u, dims), ...fields(u) })),
      has_more: page.hasMore,
      next_page: page.next,
      data_refreshed_at: await dataProcessedAt(db, org),
      organization_id: org,
    };
  };

  /** A page of daily buckets, each with its rows. */
  const bucketReport = async <R extends object>(org: string, query: BucketReportQuery, fields: (u: UsageSums) => R) => {
    const { range, dims, from } = query;
    const first = from ?? range.startDate;
    const limit = query.limit ?? BUCKETS_PER_PAGE;
    const lastWanted = addDays(first, limit - 1);
    const last = lastWanted < range.endDate ? lastWanted : range.endDate;
    const { filter, none } = filterOf(query, dims.model);
    const rows = none ? [] : await usageByDay(db, org, { startDate: first, endDate: last }, filter);
    const hasMore = last < range.endDate;
    return {
      data: daysOf({ startDate: first, endDate: last }).map((day) => ({
        starting_at: dayStart(day),
        ending_at: dayStart(addDays(day, 1)),
        results: rows.filter((r) => r.day === day).map((r) => ({ ...dimensionFields(r, dims), ...fields(r) })),
      })),
      has_more: hasMore,
      next_page: hasMore ? encodeCursor(addDays(last, 1)) : null,
      data_refreshed_at: await dataProcessedAt(db, org),
      organization_id: org,
    };
  };

  return {
    /** One entry per day: active people over 1, 7 and 30 days, seats, adoption. */
    async summaries(org: string, range: DayRange) {
      const seatCount = await seats(org);
      const percent = (n: number) => (seatCount === null || seatCount <= 0 ? null : Math.round((n / seatCount) * 10_000) / 100);
      return (await activityByDay(db, org, range)).map((d) => ({
        starting_at: dayStart(d.day),
        ending_at: dayStart(addDays(d.day, 1)),
        daily_active_user_count: d.dailyActiveUsers,
        weekly_active_user_count: d.weeklyActiveUsers,
        monthly_active_user_count: d.monthlyActiveUsers,
        // Everyone active here is active in Claude Code.
        claude_code_daily_active_user_count: d.dailyActiveUsers,
        claude_code_weekly_active_user_count: d.weeklyActiveUsers,
        claude_code_monthly_active_user_count: d.monthlyActiveUsers,
        // Products other than Claude Code are not in its telemetry.
        ...OTHER_PRODUCTS_ACTIVE,
        assigned_seat_count: seatCount,
        // GitHub org invitations are not tracked.
        pending_invite_count: null,
        daily_adoption_rate: percent(d.dailyActiveUsers),
        weekly_adoption_rate: percent(d.weeklyActiveUsers),
        monthly_adoption_rate: percent(d.monthlyActiveUsers),
        seat_utilization: seatUtilization(d.weeklyActiveUsers, seatCount),
        sessions: d.sessions,
        active_time_seconds: Math.round(d.activeTimeSeconds * 1000) / 1000,
      }));
    },

    userUsage(org: string, query: UserReportQuery & { order_by: 'total_tokens' | 'output_tokens' | 'uncached_input_tokens' | 'requests' }) {
      const metric: Record<typeof query.order_by, (u: PersonUsage) => number> = {
        total_tokens: totalTokens,
        output_tokens: (u) => u.outputTokens,
        uncached_input_tokens: (u) => u.inputTokens,
        requests: (u) => u.requests,
      };
      return userReport(org, query, metric[query.order_by], (u) => ({ ...tokenFields(u), total_tokens: totalTokens(u) }));
    },

    userCost(org: string, query: UserReportQuery & { order_by: 'amount' | 'list_amount' }) {
      const discount = discountPercent(org);
      const metric = query.order_by === 'amount' ? (u: PersonUsage) => netSpend(u.costUsd, discount) : (u: PersonUsage) => u.costUsd;
      return userReport(org, query, metric, (u) => moneyFields(u, discount));
    },

    usage: (org: string, query: BucketReportQuery) => bucketReport(org, query, tokenFields),

    cost(org: string, query: BucketReportQuery) {
      const discount = discountPercent(org);
      return bucketReport(org, query, (u) => moneyFields(u, discount));
    },

    /** Per person with an email (everyone with Claude Code telemetry) over the range, by email address. */
    async users(org: string, query: { range: DayRange; userIds: string[] | undefined; order: 'asc' | 'desc'; limit?: number | undefined; after: string | undefined }) {
      const wanted = query.userIds?.map((u) => u.toLowerCase());
      const sign = query.order === 'desc' ? -1 : 1;
      const people = (await userTotals(db, org, query.range.startDate, query.range.endDate, { limit: Number.MAX_SAFE_INTEGER }))
        .filter((u): u is UserTotals & { email: string } => u.email !== null && u.activeUsers > 0 && (!wanted || wanted.includes(u.userKey)))
        .sort((a, b) => sign * (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
      const rest = query.after === undefined ? people : people.filter((u) => sign * (u.email < query.after! ? -1 : u.email > query.after! ? 1 : 0) > 0);
      const page = pageOf(rest, query.limit ?? 100, (u) => u.email);
      return { data: page.rows.map(userActivity), next_page: page.nextPage };
    },
  };
}

const zeroCounts = <K extends string>(...keys: K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
/** The active user counts of the products this app does not see (Cowork, chat, Design, Office), per window. */
const OTHER_PRODUCTS_ACTIVE = zeroCounts(
  ...OTHER_PRODUCTS.flatMap((p) => [`${p}_daily_active_user_count`, `${p}_weekly_active_user_count`, `${p}_monthly_active_user_count`] as const),
);

const OFFICE_PRODUCT = zeroCounts(...OTHER_PRODUCT_METRICS.office);
const toolCounts = (accepted: number, rejected: number) => ({ accepted_count: accepted, rejected_count: rejected });

/**
 * A person's activity in the shape of Anthropic's `AnalyticsUserActivity`: Claude Code's metrics
 * from the telemetry, every other product's at 0 (this app does not see them), and this app's
 * contribution metrics beside them.
 */
function userActivity(u: UserTotals & { email: string }) {
  return {
    user: { id: u.userKey, email_address: u.email, type: 'user' as const },
    distinct_user_count: null,
    web_search_count: 0,
    claude_code_metrics: {
      core_metrics: {
        artifacts_created_count: 0,
        commit_count: u.commitsByClaudeCode,
        distinct_session_count: u.sessions,
        lines_of_code: { added_count: u.linesAccepted, removed_count: u.linesRemoved },
        pull_request_count: u.pullRequestsByClaudeCode,
      },
      tool_actions: {
        edit_tool: toolCounts(u.editToolAccepted, u.editToolRejected),
        multi_edit_tool: toolCounts(u.multiEditToolAccepted, u.multiEditToolRejected),
        notebook_edit_tool: toolCounts(u.notebookEditToolAccepted, u.notebookEditToolRejected),
        write_tool: toolCounts(u.writeToolAccepted, u.writeToolRejected),
      },
    },
    chat_metrics: zeroCounts(...OTHER_PRODUCT_METRICS.chat),
    cowork_metrics: zeroCounts(...OTHER_PRODUCT_METRICS.cowork),
    design_metrics: zeroCounts(...OTHER_PRODUCT_METRICS.design),
    office_metrics: { excel: OFFICE_PRODUCT, outlook: OFFICE_PRODUCT, powerpoint: OFFICE_PRODUCT, word: OFFICE_PRODUCT },
    science_metrics: zeroCounts(...OTHER_PRODUCT_METRICS.science),
    contribution_metrics: {
      github_login: u.githubLogin,
      pull_requests: { merged: u.pullRequestsMerged, with_claude_code: u.pullRequestsWithClaudeCode, without_claude_code: u.pullRequestsWithoutClaudeCode },
      lines_committed: { total: u.linesCommitted, with_claude_code: u.linesWithClaudeCode, without_claude_code: u.linesWithoutClaudeCode },
    },
  };
}
