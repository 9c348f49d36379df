import { createRoute, z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Db } from '../../db/client.js';
import { dataProcessedAt } from '../../db/metrics-queries.js';
import { isStoreBusy } from '../../db/store-busy.js';
import { ApiError, errorTypeOf, storeBusyRefusal, type ErrorType } from '../errors.js';
import { analyticsQueries } from './analytics-queries.js';
import { analyticsReports } from './analytics-reports.js';
import {
  AnthropicSummariesSchema,
  beta,
  CostReportSchema,
  OrganizationSchema,
  UsageReportSchema,
  UserActivitiesSchema,
  UserCostReportSchema,
  UserUsageReportSchema,
} from './analytics-schemas.js';
import { apiApp, API_SECURITY, type ApiEnv } from './api-app.js';
import { apiKeyAccess } from './api-key-access.js';
import { claudeCodeUsage } from './claude-code-usage.js';
import type { FixedWindowRateLimiter } from './rate-limit.js';
import { freshJson, notModified } from './responses.js';
import { metricsQueries, UsageRecordSchema } from './schemas.js';

/*
 * Anthropic's own paths (`/v1/organizations/…`), so that Anthropic's SDKs and the connectors
 * built on its Admin API read this app with only their base URL changed: the same reports as
 * `/api/v1/orgs/{org}/…` (one builder per record), in Anthropic's envelopes, with Anthropic's
 * error envelope `{"type": "error", "error": {"type", "message"}}` and statuses. The key alone
 * decides the org; `anthropic-version` and `anthropic-beta` headers and `?beta=true` are accepted
 * and ignored.
 */

export interface AnthropicApiDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  rateLimitPerMinute: number;
  /** The per-key allowance shared with /api/v1. */
  limiter: FixedWindowRateLimiter;
  seats: (org: string) => Promise<number | null> | number | null;
  discountPercent: (org: string) => number;
}

/** Where these paths are mounted, and the server their OpenAPI operations name. */
export const ANTHROPIC_BASE_PATH = '/v1/organizations';

/** Anthropic's error envelope. */
export const anthropicErrorBody = (type: ErrorType | 'overloaded_error', message: string) => ({ type: 'error' as const, error: { type, message } });

const AnthropicErrorSchema = z
  .object({
    type: z.literal('error'),
    error: z.object({
      type: z.enum(['invalid_request_error', 'authentication_error', 'not_found_error', 'rate_limit_error', 'api_error', 'overloaded_error']),
      message: z.string(),
    }),
  })
  .openapi('AnthropicError');

const error = (description: string) => ({ content: { 'application/json': { schema: AnthropicErrorSchema } }, description });

const responses = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { content: { 'application/json': { schema } }, description },
  ...notModified,
  400: error('A parameter is invalid or its value cannot be served (the message names it)'),
  401: error('Missing, unknown or revoked API key'),
  404: error('No such route'),
  429: error('Rate limit exceeded; see Retry-After'),
  500: error('Internal error (the server log has the details)'),
  529: error('The database is busy with another writer; retry after Retry-After seconds'),
});

/** A GET route of the key's org, at one of Anthropic's paths. */
function anthropicRoute<P extends string, Req extends NonNullable<RouteConfig['request']>, Res extends RouteConfig['responses']>(route: {
  path: P;
  summary: string;
  description: string;
  request: Req;
  responses: Res;
}) {
  return createRoute({
    method: 'get',
    ...route,
    tags: ['Anthropic’s paths'],
    servers: [{ url: ANTHROPIC_BASE_PATH, description: 'Anthropic’s Admin API paths, beside /api/v1' }],
    security: API_SECURITY,
  });
}

/** Writes any refusal or failure in Anthropic's envelope (a store busy is Anthropic's 529 overloaded). */
const answerInAnthropicEnvelope = (log: Logger) => (err: Error, c: Context) => {
  if (isStoreBusy(err)) {
    const busy = storeBusyRefusal(err);
    return c.json(anthropicErrorBody('overloaded_error', busy.message), 529 as ContentfulStatusCode, busy.headers);
  }
  if (err instanceof ApiError) return c.json(anthropicErrorBody(errorTypeOf(err.status), err.message), err.status, err.headers);
  log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
  return c.json(anthropicErrorBody('api_error', 'Internal error; the server log has the details.'), 500);
};

/** Adds these paths' operations to another app's OpenAPI document (the one at /api/v1/openapi.json). */
export function documentAnthropicPaths(from: OpenAPIHono<ApiEnv>, into: OpenAPIHono<ApiEnv>): void {
  for (const definition of from.openAPIRegistry.definitions) {
    if (definition.type === 'route') into.openAPIRegistry.registerPath(definition.route);
  }
}

export function anthropicApi(deps: AnthropicApiDeps): OpenAPIHono<ApiEnv> {
  const { db, now } = deps;
  const api = apiApp((type, message) => anthropicErrorBody(type, message));
  api.onError(answerInAnthropicEnvelope(deps.log));
  api.use('*', apiKeyAccess(deps));
  const queries = analyticsQueries(now);
  const reports = analyticsReports({ db, seats: deps.seats, discountPercent: deps.discountPercent });
  const org = (c: Context<ApiEnv>) => c.get('apiKey').org;

  api.openapi(
    anthropicRoute({
      path: '/me',
      summary: 'The organization the key belongs to',
      description: 'Its GitHub organization, as `id` and `name`. Connectors call it to check a key.',
      request: { query: z.strictObject({ beta }) },
      responses: responses(OrganizationSchema, 'The key’s organization'),
    }),
    (c) => freshJson(c, { id: org(c), name: org(c), type: 'organization' as const }),
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/summaries',
      summary: 'Per day: active users over 1, 7 and 30 days, seats and adoption',
      description: 'Anthropic’s analytics `summaries`: the series in `data`, in full (`next_page` is null).',
      request: { query: queries.summaries },
      responses: responses(AnthropicSummariesSchema, 'One entry per day'),
    }),
    async (c) => {
      const { range } = c.req.valid('query');
      return freshJson(c, { data: await reports.summaries(org(c), range), next_page: null, data_refreshed_at: await dataProcessedAt(db, org(c)) });
    },
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/users',
      summary: 'Per person: Claude Code activity of a day or a range, by email address',
      description:
        'Anthropic’s analytics `users`: one row per person with Claude Code telemetry and an email (Anthropic’s rows need one), `claude_code_metrics` from it, the other products’ metrics at 0 (this app sees only Claude Code), and `contribution_metrics`.',
      request: { query: queries.users },
      responses: responses(UserActivitiesSchema, 'A page of people'),
    }),
    async (c) => freshJson(c, await reports.users(org(c), c.req.valid('query'))),
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/user_usage_report',
      summary: 'People ranked by Claude Code tokens over a range of at most 31 days',
      description: 'Anthropic’s analytics `user_usage_report`.',
      request: { query: queries.userUsage },
      responses: responses(UserUsageReportSchema, 'A page of people'),
    }),
    async (c) => freshJson(c, await reports.userUsage(org(c), c.req.valid('query'))),
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/user_cost_report',
      summary: 'People ranked by Claude Code spend over a range of at most 31 days',
      description: 'Anthropic’s analytics `user_cost_report`: amounts in cents as decimal strings.',
      request: { query: queries.userCost },
      responses: responses(UserCostReportSchema, 'A page of people'),
    }),
    async (c) => freshJson(c, await reports.userCost(org(c), c.req.valid('query'))),
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/usage_report',
      summary: 'Claude Code tokens per UTC day over a range of at most 31 days',
      description: 'Anthropic’s analytics `usage_report`: one bucket per day, oldest first, empty days included. Only `bucket_width=1d`.',
      request: { query: queries.usage },
      responses: responses(UsageReportSchema, 'A page of daily buckets'),
    }),
    async (c) => freshJson(c, await reports.usage(org(c), c.req.valid('query'))),
  );

  api.openapi(
    anthropicRoute({
      path: '/analytics/cost_report',
      summary: 'Claude Code spend per UTC day over a range of at most 31 days',
      description: 'Anthropic’s analytics `cost_report`: amounts in cents as decimal strings. Only `bucket_width=1d`.',
      request: { query: queries.cost },
      responses: responses(CostReportSchema, 'A page of daily buckets'),
    }),
    async (c) => freshJson(c, await reports.cost(org(c), c.req.valid('query'))),
  );

  const ClaudeCodeUsageSchema = z
    .object({ data: z.array(UsageRecordSchema), has_more: z.boolean(), next_page: z.string().nullable() })
    .openapi('AnthropicClaudeCodeUsageReport');

  api.openapi(
    anthropicRoute({
      path: '/usage_report/claude_code',
      summary: 'Claude Code usage per person for one UTC day',
      description: 'Anthropic’s Claude Code Analytics Admin API, each record extended with `contribution_metrics`.',
      request: { query: metricsQueries(now).usage },
      responses: responses(ClaudeCodeUsageSchema, 'A page of records for the day'),
    }),
    async (c) => {
      const { data, has_more, next_page } = await claudeCodeUsage(db, org(c), c.req.valid('query'));
      return freshJson(c, { data, has_more, next_page });
    },
  );

  // Anything else under these paths is Anthropic's 404, after the key check.
  api.all('*', (c) => {
    throw new ApiError(404, 'not_found_error', `No route for ${c.req.method} ${c.req.path}`);
  });

  return api;
}
