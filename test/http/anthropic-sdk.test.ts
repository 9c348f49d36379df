import Anthropic, { AuthenticationError, BadRequestError, NotFoundError, RateLimitError } from '@anthropic-ai/sdk';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { AnalyticsSingleDayActivitySummary, AnalyticsUserActivity } from '@anthropic-ai/sdk/resources/organization/analytics/analytics';
import type {
  BetaAnalyticsCostReportTimeBucket,
  BetaAnalyticsCostUsersItem,
  BetaAnalyticsSingleDayActivitySummary,
  BetaAnalyticsUsageReportTimeBucket,
  BetaAnalyticsUsageUsersItem,
  BetaAnalyticsUserActivity,
} from '@anthropic-ai/sdk/resources/beta/organization/analytics/analytics';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { analyticsReports } from '../../src/http/api/analytics-reports.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createHttpApp } from '../../src/http/app.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { ACTIVITY, sendPlannedActivity, userKeyOf } from '../helpers/usage-activity.js';
import { createTestDb } from '../helpers/test-db.js';
import { silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * Anthropic's own SDK, unpatched, pointed at the app by its base URL: every analytics method
 * (GA and beta) reads the rows the app holds, auto-pagination walks every page, and refusals
 * surface as the SDK's own error classes. The data is generated telemetry sent through the real
 * OTLP receiver and processed (test/helpers/usage-activity.ts).
 */

const NOW = new Date('2026-10-20T15:00:00Z');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** The error a call was refused with. */
const refusal = <E>(call: PromiseLike<unknown>): Promise<E> =>
  Promise.resolve(call).then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as E,
  );

describe('Anthropic’s SDK against the app', () => {
  let t: Awaited<ReturnType<typeof createTestDb>>;
  let server: ServerType;
  let baseURL: string;
  let client: Anthropic;
  let globexClient: Anthropic;

  beforeAll(async () => {
    t = await createTestDb();
    const app = createHttpApp({ db: t.db, log: silentLog, fingerprintKey: TEST_FINGERPRINT_KEY, ingestMaxBodyBytes: 10 * 1024 * 1024, now: () => NOW, apiRateLimitPerMinute: 1000, seats: () => 8 });
    await sendPlannedActivity(app, t.db, (await createIngestToken(t.db, { org: 'acme' })).token);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new Anthropic({ apiKey: (await createApiKey(t.db, { org: 'acme' })).key, baseURL, maxRetries: 0 });
    globexClient = new Anthropic({ apiKey: (await createApiKey(t.db, { org: 'globex' })).key, baseURL, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.cleanup();
  });

  const all = async <T>(items: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const item of items) out.push(item);
    return out;
  };

  it('organization.retrieve(): the key’s org, by either header', async () => {
    expect(await client.organization.retrieve()).toEqual({ id: 'acme', name: 'acme', type: 'organization' });
    expect(await globexClient.beta.organization.retrieve()).toEqual({ id: 'globex', name: 'globex', type: 'organization' });
    // x-api-key, as connectors send it, with Anthropic's version header.
    const res = await fetch(`${baseURL}/v1/organizations/me`, { headers: { 'x-api-key': (client.apiKey as string), 'anthropic-version': '2023-06-01' } });
    expect(await res.json()).toEqual({ id: 'acme', name: 'acme', type: 'organization' });
  });

  it('summaries.list() (GA and beta): one entry per day, in data', async () => {
    const ga = await all(client.organization.analytics.summaries.list({ starting_date: '2026-09-28', ending_date: '2026-10-05' }));
    const beta = await all(client.beta.organization.analytics.summaries.list({ starting_date: '2026-09-28', ending_date: '2026-10-05' }));
    expect(ga).toHaveLength(7);
    expect(beta).toEqual(ga);
    const active = (day: string) => new Set(ACTIVITY.filter((a) => a.day === day).map((a) => a.person)).size;
    expect(ga.map((s) => [s.starting_at, s.daily_active_user_count, s.claude_code_daily_active_user_count])).toEqual(
      ['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04'].map((d) => [`${d}T00:00:00Z`, active(d), active(d)]),
    );
    expect(ga[0]).toMatchObject({ assigned_seat_count: 8, pending_invite_count: null, cowork_daily_active_user_count: 0 });
  });

  it('users.list() (GA and beta): everyone active that day, by email, across pages', async () => {
    const day = '2026-09-30';
    const rows = await all(client.organization.analytics.users.list({ date: day, limit: 2 }));
    const planned = ACTIVITY.filter((a) => a.day === day).sort((a, b) => a.email.localeCompare(b.email));
    expect(rows.map((r) => r.user?.email_address)).toEqual(planned.map((a) => a.email));
    for (const [i, r] of rows.entries()) {
      expect(r.user?.id).toBe(userKeyOf(planned[i]!.person));
      expect(r.claude_code_metrics.core_metrics.lines_of_code.added_count).toBe(planned[i]!.linesAdded);
      expect(r.claude_code_metrics.core_metrics.distinct_session_count).toBe(1);
    }
    expect(await all(client.beta.organization.analytics.users.list({ date: day, limit: 2 }))).toEqual(rows);
    // A range: each person once, lines summed.
    const range = await all(client.organization.analytics.users.list({ starting_date: '2026-09-28', ending_date: '2026-10-02' }));
    const inRange = ACTIVITY.filter((a) => a.day >= '2026-09-28' && a.day < '2026-10-02');
    expect(range.map((r) => [r.user?.email_address, r.claude_code_metrics.core_metrics.lines_of_code.added_count])).toEqual(
      [...new Set(inRange.map((a) => a.email))].sort().map((email) => [email, sum(inRange.filter((a) => a.email === email).map((a) => a.linesAdded))]),
    );
  });

  it('userUsageReport.list(): every person, tokens as planned, across pages; bucket_width=1d splits by day', async () => {
    const query = { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z' };
    const rows = await all(client.beta.organization.analytics.userUsageReport.list({ ...query, limit: 2 }));
    const planned = ACTIVITY.filter((a) => a.day >= '2026-09-01' && a.day < '2026-10-01');
    const people = [...new Set(planned.map((a) => a.person))];
    expect(rows.map((r) => r.actor.user_id).sort()).toEqual(people.map(userKeyOf).sort());
    for (const r of rows) {
      const mine = planned.filter((a) => userKeyOf(a.person) === r.actor.user_id);
      expect(r.actor.email_address).toBe(mine[0]!.email);
      expect(r.output_tokens).toBe(sum(mine.map((a) => a.output * a.requests)));
      expect(r.cache_creation.ephemeral_5m_input_tokens).toBe(sum(mine.map((a) => a.cacheCreation * a.requests)));
      expect(r.server_tool_use).toEqual({ web_search_requests: 0 });
    }
    const daily = await all(client.beta.organization.analytics.userUsageReport.list({ ...query, bucket_width: '1d', limit: 7 }));
    expect(daily).toHaveLength(planned.length);
    expect(sum(daily.map((r) => r.output_tokens))).toBe(sum(rows.map((r) => r.output_tokens)));
  });

  it('userCostReport.list(): spend per person and model, across pages', async () => {
    const query = { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z', group_by: ['model' as const], limit: 3 };
    const rows = await all(client.beta.organization.analytics.userCostReport.list(query));
    const planned = ACTIVITY.filter((a) => a.day >= '2026-09-01' && a.day < '2026-10-01');
    expect(rows).toHaveLength(new Set(planned.map((a) => `${a.person} ${a.model}`)).size);
    expect(sum(rows.map((r) => Number(r.list_amount)))).toBeCloseTo(sum(planned.map((a) => a.cost * a.requests)) * 100, 4);
  });

  it('usageReport.list() and costReport.list(): one bucket per day, every page', async () => {
    const query = { starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-01T00:00:00Z', limit: 7 };
    const buckets = await all(client.beta.organization.analytics.usageReport.list(query));
    expect(buckets).toHaveLength(30);
    const planned = ACTIVITY.filter((a) => a.day >= '2026-09-01' && a.day < '2026-10-01');
    expect(sum(buckets.flatMap((b) => b.results.map((r) => r.uncached_input_tokens)))).toBe(sum(planned.map((a) => a.input * a.requests)));
    const costs = await all(client.beta.organization.analytics.costReport.list({ ...query, group_by: ['model', 'product'] }));
    expect(costs).toHaveLength(30);
    expect(costs.flatMap((b) => b.results).every((r) => r.product === 'claude_code' && r.model !== null)).toBe(true);
  });

  it('refusals surface as the SDK’s error classes, in Anthropic’s envelope', async () => {
    const wrongKey = new Anthropic({ apiKey: 'ccm_api_nope', baseURL, maxRetries: 0 });
    await expect(wrongKey.organization.retrieve()).rejects.toBeInstanceOf(AuthenticationError);
    const refused = await refusal<AuthenticationError>(wrongKey.organization.retrieve());
    expect(refused.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    await expect(client.get('/v1/organizations/nothing_here')).rejects.toBeInstanceOf(NotFoundError);
    const finer = client.beta.organization.analytics.usageReport.list({ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-09-02T00:00:00Z', bucket_width: '1h' });
    await expect(finer).rejects.toBeInstanceOf(BadRequestError);
    const error = await refusal<BadRequestError>(
      client.beta.organization.analytics.usageReport.list({ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-09-02T00:00:00Z', bucket_width: '1h' }),
    );
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(error.message).toContain('bucket_width');
  });

  it('the rate limit surfaces as RateLimitError, with Retry-After', async () => {
    const d = await createTestDb();
    const app = createHttpApp({ db: d.db, log: silentLog, fingerprintKey: TEST_FINGERPRINT_KEY, ingestMaxBodyBytes: 1024, apiRateLimitPerMinute: 2 });
    const limited = new Anthropic({ apiKey: (await createApiKey(d.db, { org: 'acme' })).key, baseURL: 'http://app.test', maxRetries: 0, fetch: async (url: string | URL | Request, init?: RequestInit) => app.request(String(url), init) });
    await limited.organization.retrieve();
    await limited.organization.retrieve();
    const error = await refusal<RateLimitError>(limited.organization.retrieve());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(Number(error.headers.get('retry-after'))).toBeGreaterThan(0);
    await d.cleanup();
  });
});

describe('the parameters Anthropic’s API accepts', () => {
  let t: Awaited<ReturnType<typeof createTestDb>>;
  let app: ReturnType<typeof createHttpApp>;
  let key: string;
  let globexKey: string;

  beforeAll(async () => {
    t = await createTestDb();
    app = createHttpApp({ db: t.db, log: silentLog, fingerprintKey: TEST_FINGERPRINT_KEY, ingestMaxBodyBytes: 10 * 1024 * 1024, now: () => NOW, apiRateLimitPerMinute: 1000 });
    await sendPlannedActivity(app, t.db, (await createIngestToken(t.db, { org: 'acme' })).token);
    key = (await createApiKey(t.db, { org: 'acme' })).key;
    globexKey = (await createApiKey(t.db, { org: 'globex' })).key;
  }, 60_000);
  afterAll(() => t.cleanup());

  const RANGE = 'starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-01T00:00:00Z';
  const get = (path: string, k = key, headers: Record<string, string> = {}) =>
    app.request(`/v1/organizations/${path}`, { headers: { 'x-api-key': k, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'analytics-2026-01-01', ...headers } });
  const ok = async (path: string, k = key) => {
    const res = await get(path, k);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as any;
  };
  const refused = async (path: string, status = 400, k = key) => {
    const res = await get(path, k);
    expect(res.status).toBe(status);
    const body = (await res.json()) as any;
    expect(Object.keys(body).sort()).toEqual(['error', 'type']);
    expect(body.type).toBe('error');
    return body.error as { type: string; message: string };
  };

  it('honours the filters the data can answer, and the no-ops', async () => {
    const all = await ok(`analytics/user_usage_report?${RANGE}&limit=1000&beta=true`);
    expect(all.data.length).toBeGreaterThan(0);
    for (const same of ['exclude_deleted_users=true', 'inference_geos[]=not_available', 'products[]=claude_code&products[]=chat', 'group_by[]=slack_channel_id&group_by[]=claude_tag_category']) {
      expect((await ok(`analytics/user_usage_report?${RANGE}&limit=1000&${same}`)).data.map((r: any) => r.actor.user_id)).toEqual(all.data.map((r: any) => r.actor.user_id));
    }
    for (const none of ['products[]=chat', 'slack_channel_ids[]=C123', 'claude_tag_categories[]=dm', 'claude_tag_user_ids[]=U1']) {
      expect((await ok(`analytics/user_usage_report?${RANGE}&${none}`)).data).toEqual([]);
    }
    // The SDKs' beta marker, on every path.
    expect(await ok('me?beta=true')).toEqual({ id: 'acme', name: 'acme', type: 'organization' });
    expect((await ok('usage_report/claude_code?starting_at=2026-09-30&beta=true')).data.length).toBeGreaterThan(0);
    expect((await ok('analytics/users?date=2026-09-30&beta=true')).data.length).toBeGreaterThan(0);
    const alice = await ok(`analytics/user_cost_report?${RANGE}&user_ids[]=alice&models[]=claude-sonnet-4-5&group_by[]=model`);
    expect(alice.data.map((r: any) => [r.actor.user_id, r.model])).toEqual([['alice', 'claude-sonnet-4-5']]);
  });

  it('answers 400, naming the parameter, where a value cannot be served', async () => {
    for (const [query, name] of [
      ['analytics/usage_report?' + RANGE + '&bucket_width=1h', 'bucket_width'],
      ['analytics/user_usage_report?' + RANGE + '&bucket_width=1m', 'bucket_width'],
      ['analytics/user_usage_report?' + RANGE + '&context_windows[]=0-200k', 'context_windows[]'],
      ['analytics/user_usage_report?' + RANGE + '&speeds[]=fast', 'speeds[]'],
      ['analytics/cost_report?' + RANGE + '&rbac_group_ids[]=rbac_group_1', 'rbac_group_ids[]'],
      ['analytics/cost_report?' + RANGE + '&inference_geos[]=us', 'inference_geos[]'],
      ['analytics/cost_report?' + RANGE + '&group_by[]=token_type', 'group_by[]'],
      ['analytics/usage_report?' + RANGE + '&group_by[]=rbac_group_id', 'group_by[]'],
      ['analytics/summaries?starting_date=2026-09-01&filter[]=rbac_group_id:rbac_group_1', 'filter[]'],
      ['analytics/users?date=2026-09-30&filter[]=project_id:claude_proj_1', 'filter[]'],
      ['analytics/users?date=2026-09-30&group_by[]=rbac_group_id', 'group_by[]'],
      ['analytics/users?date=2026-09-30&colour=blue', 'colour'],
      ['usage_report/claude_code?starting_at=2026-09-30&limit=1001', 'limit'],
    ] as const) {
      const error = await refused(query);
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toContain(name);
    }
  });

  it('401 and 404 in Anthropic’s envelope; a key never sees another org’s data', async () => {
    expect((await refused('me', 401, 'ccm_api_unknown')).type).toBe('authentication_error');
    expect((await (await app.request('/v1/organizations/me')).json()) as any).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await refused('analytics/nothing', 404)).type).toBe('not_found_error');
    expect((await ok('analytics/users?date=2026-09-30', globexKey)).data).toEqual([]);
    expect((await ok(`analytics/user_usage_report?${RANGE}`, globexKey)).data).toEqual([]);
    expect((await ok('usage_report/claude_code?starting_at=2026-09-30', globexKey)).data).toEqual([]);
    const buckets = (await ok(`analytics/usage_report?${RANGE}`, globexKey)).data;
    expect(buckets.every((b: any) => b.results.length === 0)).toBe(true);
  });
});

describe('the records have the SDK’s types', () => {
  it('each report’s record is assignable to the type Anthropic’s SDK declares for it', () => {
    type Reports = ReturnType<typeof analyticsReports>;
    type Row<F extends (...args: never[]) => Promise<{ data: readonly unknown[] }>> = Awaited<ReturnType<F>>['data'][number];
    expectTypeOf<Row<Reports['users']>>().toExtend<AnalyticsUserActivity>();
    expectTypeOf<Row<Reports['users']>>().toExtend<BetaAnalyticsUserActivity>();
    expectTypeOf<Awaited<ReturnType<Reports['summaries']>>[number]>().toExtend<AnalyticsSingleDayActivitySummary>();
    expectTypeOf<Awaited<ReturnType<Reports['summaries']>>[number]>().toExtend<BetaAnalyticsSingleDayActivitySummary>();
    expectTypeOf<Row<Reports['userUsage']>>().toExtend<BetaAnalyticsUsageUsersItem>();
    expectTypeOf<Row<Reports['userCost']>>().toExtend<BetaAnalyticsCostUsersItem>();
    expectTypeOf<Row<Reports['usage']>>().toExtend<BetaAnalyticsUsageReportTimeBucket>();
    expectTypeOf<Row<Reports['cost']>>().toExtend<BetaAnalyticsCostReportTimeBucket>();
  });
});
