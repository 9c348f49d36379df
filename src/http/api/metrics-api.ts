import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../db/client.js';
import {
  dataProcessedAt,
  knownUser,
  orgDays,
  pullRequestAttribution,
  pullRequestAttributions,
  repositoryTotals,
  userDays,
  userTotal,
  userTotals,
} from '../../db/metrics-queries.js';
import { emptyMetrics } from '../../db/daily-metrics.js';
import { findTeam, teamDays, teamRepositoryTotals, teamUserTotals } from '../../db/team-queries.js';
import { teamsReport } from '../../metrics/teams-report.js';
import {
  allUserRows,
  dailyRow,
  PULL_REQUEST_COLUMNS,
  pullRequestRow,
  repositoryRow,
  summaryReport,
  USER_COLUMNS,
  userRow,
  usersCsvName,
} from '../../metrics/report.js';
import { toCsv } from '../../metrics/csv.js';
import { outcomesReportOnce } from '../../metrics/outcomes-report.js';
import { durabilityReportOnce } from '../../metrics/durability-report.js';
import { daysOf } from '../../utc-days.js';
import { ApiError, answerRefusal } from '../errors.js';
import { analyticsRoutes } from './analytics-routes.js';
import { claudeCodeUsage } from './claude-code-usage.js';
import { apiApp, orgRoute } from './api-app.js';
import { apiKeyAccess, apiRateLimiter } from './api-key-access.js';
import { pageOf } from './cursor-paging.js';
import type { FixedWindowRateLimiter } from './rate-limit.js';
import { freshJson, json } from './responses.js';
import {
  DailySchema,
  DurabilitySchema,
  metricsQueries,
  OrgParam,
  OutcomesSchema,
  PullRequestDetailSchema,
  PullRequestsSchema,
  RepositoriesSchema,
  SummarySchema,
  TeamsSchema,
  UsageReportSchema,
  UserDetailSchema,
  UsersSchema,
} from './schemas.js';

/*
 * The metrics API under /api/v1 (spec: HTTP surface): the daily-processed numbers for analytics
 * pipelines. Key-authenticated, rate-limited, validated with the same zod schemas that describe
 * it in /api/v1/openapi.json.
 */

export interface MetricsApiDeps {
  db: Db;
  now?: () => Date;
  /** Requests per minute per key. */
  rateLimitPerMinute?: number;
  /** The per-key allowance, when shared with Anthropic's paths (default: this API's own). */
  limiter?: FixedWindowRateLimiter | undefined;
  /** The org's seats (SEATS, else its GitHub member count); null when unknown. */
  seats?: ((org: string) => Promise<number | null> | number | null) | undefined;
  /** The org's discount on list spend in percent (DISCOUNT_PERCENT); default 0. */
  discountPercent?: ((org: string) => number) | undefined;
}

const withCsv = <R extends ReturnType<typeof json>>(responses: R, description: string) => ({
  ...responses,
  200: {
    description: `${responses[200].description}; with format=csv or Accept: text/csv: ${description.toLowerCase()}`,
    content: { ...responses[200].content, 'text/csv': { schema: z.string() } },
  },
});

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Claude Code contribution metrics API',
    version: '1',
    description: 'The daily-processed metrics: PRs and lines with vs without Claude Code, per org, person, repository and PR.',
  },
  servers: [{ url: '/api/v1' }],
};

export function metricsApi({
  db,
  now = () => new Date(),
  rateLimitPerMinute = 60,
  limiter = apiRateLimiter(db, rateLimitPerMinute),
  seats = () => null,
  discountPercent = () => 0,
}: MetricsApiDeps) {
  const api = apiApp();
  api.onError(answerRefusal);
  const queries = metricsQueries(now);

  api.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'x-api-key' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });

  // Authentication, the org a key covers, and the rate limit, for every route under /orgs.
  api.use(
    '/orgs/*',
    apiKeyAccess({
      db,
      now,
      rateLimitPerMinute,
      limiter,
      orgOf: (c) => decodeURIComponent(c.req.path.split('/orgs/')[1]?.split('/')[0] ?? '').toLowerCase(),
    }),
  );

  /** The team a `team=` names (spec: Teams), checked to be one of the org's; undefined without one. */
  const teamOf = async (org: string, slug: string | undefined) => {
    if (slug === undefined) return undefined;
    if (!(await findTeam(db, org, slug))) throw new ApiError(404, 'not_found_error', `No team "${slug}" in ${org}: neither a GitHub team of the org nor a team its telemetry named.`);
    return slug;
  };

  const wantsCsv = (c: Context, format: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/.test(c.req.header('accept') ?? ''));
  /** Every item as CSV, with a header row: a download for spreadsheets and BI tools. */
  const csv = (c: Context, filename: string, rows: object[], columns: readonly string[]) =>
    c.body(toCsv(rows, columns), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    });

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/summary',
      summary: 'PRs and lines with vs without Claude Code, and Claude Code usage, over a range',
      request: { params: OrgParam, query: queries.teamRange },
      responses: json(SummarySchema, 'Totals over the range'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const query = c.req.valid('query');
      return freshJson(c, await summaryReport(db, org, query.range, await teamOf(org, query.team)));
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/daily',
      summary: 'One row per day of the range, with the summary’s figures flattened',
      request: { params: OrgParam, query: queries.teamRange },
      responses: json(DailySchema, 'Every day of the range, zeros where nothing happened'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, ...query } = c.req.valid('query');
      const team = await teamOf(org, query.team);
      const byDay = team === undefined ? await orgDays(db, org, range.startDate, range.endDate) : await teamDays(db, org, team, range.startDate, range.endDate);
      return freshJson(c, {
        org,
        start_date: range.startDate,
        end_date: range.endDate,
        ...(team === undefined ? {} : { team }),
        data: daysOf(range).map((d) => dailyRow(d, byDay.get(d) ?? emptyMetrics())),
        data_processed_at: await dataProcessedAt(db, org),
      });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/users',
      summary: 'Per person over the range, paginated',
      request: { params: OrgParam, query: queries.users },
      responses: withCsv(json(UsersSchema, 'A page of people, ordered by login (unlinked people last)'), 'Every person of the range, as CSV'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, after, ...query } = c.req.valid('query');
      const team = await teamOf(org, query.team);
      if (wantsCsv(c, query.format)) {
        return csv(c, usersCsvName(org, range, team), await allUserRows(db, org, range, team), USER_COLUMNS);
      }
      const pageAsked = { afterKey: after, limit: query.limit + 1 };
      const people =
        team === undefined
          ? await userTotals(db, org, range.startDate, range.endDate, pageAsked)
          : await teamUserTotals(db, org, team, range.startDate, range.endDate, pageAsked);
      const page = pageOf(people, query.limit, (u) => u.userKey);
      return freshJson(c, {
        data: page.rows.map(userRow),
        next_page: page.nextPage,
        data_processed_at: await dataProcessedAt(db, org),
      });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/users/{login}',
      summary: 'One person: totals and daily rows over the range',
      request: {
        params: OrgParam.extend({ login: z.string().min(1).openapi({ param: { name: 'login', in: 'path' }, example: 'dana' }) }),
        query: queries.range,
      },
      responses: json(UserDetailSchema, 'The person’s totals and days'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { login } = c.req.valid('param');
      const { range } = c.req.valid('query');
      const userKey = login.toLowerCase();
      const who = await knownUser(db, org, userKey);
      if (!who) throw new ApiError(404, 'not_found_error', `No person "${login}" in ${org}.`);
      const days = new Map((await userDays(db, org, userKey, range.startDate, range.endDate)).map(({ day, ...m }) => [day, m]));
      const totals = await userTotal(db, org, userKey, range.startDate, range.endDate);
      return freshJson(c, {
        org,
        totals: userRow({ ...totals, userKey, githubLogin: who.githubLogin, email: who.email }),
        data: daysOf(range).map((d) => dailyRow(d, days.get(d) ?? emptyMetrics())),
        data_processed_at: await dataProcessedAt(db, org),
      });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/pull-requests',
      summary: 'Merged PRs of the range with their attribution and evidence, paginated',
      request: { params: OrgParam, query: queries.pullRequests },
      responses: withCsv(json(PullRequestsSchema, 'A page of merged PRs, by merge time'), 'Every merged PR of the range, as CSV'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, after, ...query } = c.req.valid('query');
      const withClaudeCode = query.with_claude_code === undefined ? undefined : query.with_claude_code === 'true';
      const team = await teamOf(org, query.team);
      if (wantsCsv(c, query.format)) {
        const all = (await pullRequestAttributions(db, org, range.startDate, range.endDate, { withClaudeCode, team, limit: Number.MAX_SAFE_INTEGER })).map((pr) => {
          const row = pullRequestRow(pr);
          return { ...row, evidence: row.evidence.map((e) => e.kind).join(' '), explanation: row.explanation.join('; ') };
        });
        const name = `${org}-pull-requests-${team === undefined ? '' : `${team}-`}${range.startDate}-${range.endDate}.csv`;
        return csv(c, name, all, PULL_REQUEST_COLUMNS);
      }
      const rows = await pullRequestAttributions(db, org, range.startDate, range.endDate, { withClaudeCode, team, after, limit: query.limit + 1 });
      const page = pageOf(rows, query.limit, (pr) => [pr.mergedAt, pr.id]);
      return freshJson(c, {
        data: page.rows.map(pullRequestRow),
        next_page: page.nextPage,
        data_processed_at: await dataProcessedAt(db, org),
      });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/pull-requests/{owner}/{repo}/{number}',
      summary: 'One merged PR’s attribution, with the evidence explained',
      request: {
        params: OrgParam.extend({
          owner: z.string().min(1).openapi({ param: { name: 'owner', in: 'path' }, example: 'acme' }),
          repo: z.string().min(1).openapi({ param: { name: 'repo', in: 'path' }, example: 'widgets' }),
          number: z.coerce.number().int().min(1).openapi({ param: { name: 'number', in: 'path' }, example: 42 }),
        }),
        // No parameters: an unknown one is refused like on every other route.
        query: z.strictObject({}),
      },
      responses: json(PullRequestDetailSchema, 'The PR’s attribution'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { owner, repo, number } = c.req.valid('param');
      const pr = await pullRequestAttribution(db, org, `${owner}/${repo}`, number);
      if (!pr) throw new ApiError(404, 'not_found_error', `No processed merged pull request ${owner}/${repo}#${number}.`);
      return freshJson(c, { ...pullRequestRow(pr), data_processed_at: await dataProcessedAt(db, org) });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/outcomes',
      summary: 'Delivery outcomes of merged PRs with vs without Claude Code, compared honestly, and what one costs',
      description:
        'Cycle, coding, pickup and review times (count, median, p75 per kind, and the same-author comparison with its bootstrap 95% interval), size, reverts, spend per PR and per line, and weekly medians. Bots apart.',
      request: { params: OrgParam, query: queries.outcomes },
      responses: json(OutcomesSchema, 'The comparison over the range (and repository or person, when given)'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, repository, login, ...query } = c.req.valid('query');
      return freshJson(c, await outcomesReportOnce(db, org, range, { repository, login, team: await teamOf(org, query.team) }));
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/durability',
      summary: 'How long the lines merged PRs added lasted, with vs without Claude Code',
      description:
        'Of the effective lines the range’s merged PRs added, the share still there 14, 30 and 90 days after the merge (only PRs old enough count; each figure says how many), the share that ended within 21 days (churn), and the median life of the lines that ended. Bots apart. With `team=`, the PRs whose author was in the team on the merge day (a person in several teams counts in each).',
      request: { params: OrgParam, query: queries.durability },
      responses: json(DurabilitySchema, 'The comparison over the range (and repository, person or team, when given)'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, repository, login, ...query } = c.req.valid('query');
      return freshJson(c, await durabilityReportOnce(db, org, range, { repository, login, team: await teamOf(org, query.team) }));
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/repositories',
      summary: 'Per repository over the range',
      request: { params: OrgParam, query: queries.teamRange },
      responses: json(RepositoriesSchema, 'Every repository with activity in the range'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range, ...query } = c.req.valid('query');
      const team = await teamOf(org, query.team);
      const rows = team === undefined ? await repositoryTotals(db, org, range.startDate, range.endDate) : await teamRepositoryTotals(db, org, team, range.startDate, range.endDate);
      return freshJson(c, {
        data: rows.map(repositoryRow),
        data_processed_at: await dataProcessedAt(db, org),
      });
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/teams',
      summary: 'Per team over the range: its people, PRs and lines with vs without Claude Code, active users, spend',
      description:
        "One row per GitHub team of the org (listed daily with `members: read`, kept current by webhooks) and per team named only by Claude Code's `team` resource attribute in the range. A person in several teams counts in each, so the rows do not add up to the org's summary.",
      request: { params: OrgParam, query: queries.range },
      responses: json(TeamsSchema, 'Every team, by slug'),
    }),
    async (c) => {
      const org = c.get('apiKey').org;
      const { range } = c.req.valid('query');
      return freshJson(c, await teamsReport(db, org, range));
    },
  );

  api.openapi(
    orgRoute({
      path: '/orgs/{org}/claude_code_usage',
      summary: 'Per person and day, in the shape of Anthropic’s Claude Code usage report, plus contribution metrics',
      description:
        'Records with the field names, nesting, units (cost in cents) and pagination of the Claude Code Analytics Admin API usage report, each extended with `contribution_metrics`.',
      request: { params: OrgParam, query: queries.usage },
      responses: json(UsageReportSchema, 'A page of records for the day'),
    }),
    async (c) => freshJson(c, await claudeCodeUsage(db, c.get('apiKey').org, c.req.valid('query'))),
  );

  api.route('/', analyticsRoutes({ db, now, seats, discountPercent }));
  api.doc31('/openapi.json', OPENAPI_INFO);
  return api;
}
