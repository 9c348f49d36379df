import { Validator } from '@seriousme/openapi-schema-validator';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { getOrgSettings } from '../../src/db/org-settings.js';
import { jobs } from '../../src/db/schema.js';
import { metricsApi } from '../../src/http/api/metrics-api.js';
import { ORG_MEMBERS, startProcessedOrg } from '../helpers/processed-org.js';
import { capturedRequests } from '../helpers/replay.js';
import { createTestApp } from '../helpers/test-app.js';
import { ACTIVITY, SCHEDULE, sendPlannedActivity, userKeyOf, type Person } from '../helpers/usage-activity.js';

/*
 * The usage and spend analytics routes: on telemetry generated over several weeks (windows,
 * seats, rankings, buckets, pagination, limits), and on the real recordings processed by the real
 * pipeline (the spend report against the recorded events, keys and orgs).
 */

const DAY_MS = 86_400_000;
const shift = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const persons = Object.keys(SCHEDULE) as Person[];
const activeIn = (day: string, window: number) => persons.filter((p) => SCHEDULE[p].some((d) => d <= day && d > shift(day, -window))).length;
const inRange = (day: string, from: string, to: string) => day >= from && day <= to;
const cents = (usd: number) => Number((usd * 100).toFixed(6));

describe('on generated telemetry', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  let key: string;
  let otherKey: string;
  const NOW = new Date('2026-10-20T15:00:00Z');
  const withSeats = () => metricsApi({ db: t.db, now: () => NOW, seats: (org) => (org === 'acme' ? 8 : null) });
  let api: ReturnType<typeof metricsApi>;
  let noSeats: ReturnType<typeof metricsApi>;

  beforeAll(async () => {
    t = await createTestApp();
    await sendPlannedActivity(t.app, t.db, t.token);
    key = (await createApiKey(t.db, { org: 'acme' })).key;
    otherKey = (await createApiKey(t.db, { org: 'globex' })).key;
    api = withSeats();
    noSeats = metricsApi({ db: t.db, now: () => NOW });
  }, 60_000);
  afterAll(() => t.cleanup());

  const get = (path: string, k = key, app = api) => app.request(path, { headers: { 'x-api-key': k } });
  const json = async (path: string, app = api) => {
    const res = await get(path, key, app);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as any;
  };
  const error400 = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    return body.error.message;
  };
  /** Every page of a paginated answer, in order. */
  const walk = async (path: string) => {
    const items: any[] = [];
    let page: string | null = null;
    let pages = 0;
    do {
      const body: any = await json(`${path}${page ? `&page=${page}` : ''}`);
      items.push(...body.data);
      expect(body.has_more).toBe(body.next_page !== null);
      page = body.next_page;
      pages++;
    } while (page);
    return { items, pages };
  };

  describe('summaries', () => {
    it('per day DAU/WAU/MAU across the month and quarter boundary, seats and utilization', async () => {
      const body = await json('/orgs/acme/summaries?starting_date=2026-09-26&ending_date=2026-10-09');
      expect(body.summaries).toHaveLength(13); // ending_date is exclusive
      for (const [i, s] of (body.summaries as any[]).entries()) {
        const day = shift('2026-09-26', i);
        const wau = activeIn(day, 7);
        expect(s).toEqual({
          starting_at: `${day}T00:00:00Z`,
          ending_at: `${shift(day, 1)}T00:00:00Z`,
          daily_active_user_count: activeIn(day, 1),
          weekly_active_user_count: wau,
          monthly_active_user_count: activeIn(day, 30),
          claude_code_daily_active_user_count: activeIn(day, 1),
          claude_code_weekly_active_user_count: wau,
          claude_code_monthly_active_user_count: activeIn(day, 30),
          cowork_daily_active_user_count: 0,
          cowork_weekly_active_user_count: 0,
          cowork_monthly_active_user_count: 0,
          chat_daily_active_user_count: 0,
          chat_weekly_active_user_count: 0,
          chat_monthly_active_user_count: 0,
          claude_design_daily_active_user_count: 0,
          claude_design_weekly_active_user_count: 0,
          claude_design_monthly_active_user_count: 0,
          office_agent_daily_active_user_count: 0,
          office_agent_weekly_active_user_count: 0,
          office_agent_monthly_active_user_count: 0,
          assigned_seat_count: 8,
          pending_invite_count: null,
          daily_adoption_rate: (activeIn(day, 1) / 8) * 100,
          weekly_adoption_rate: (wau / 8) * 100,
          monthly_adoption_rate: (activeIn(day, 30) / 8) * 100,
          seat_utilization: wau / 8,
          sessions: ACTIVITY.filter((a) => a.day === day).length,
          active_time_seconds: ACTIVITY.filter((a) => a.day === day).reduce((n, a) => n + 60 + a.requests, 0),
        });
      }
      expect(body.summaries[4]).toMatchObject({ starting_at: '2026-09-30T00:00:00Z', weekly_active_user_count: 4, seat_utilization: 0.5 });
      expect(body.data_refreshed_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    });

    it('without seats: seats, adoption rates and utilization are null', async () => {
      const body = await json('/orgs/acme/summaries?starting_date=2026-10-01&ending_date=2026-10-02', noSeats);
      expect(body.summaries).toEqual([
        expect.objectContaining({
          daily_active_user_count: activeIn('2026-10-01', 1),
          weekly_active_user_count: activeIn('2026-10-01', 7),
          assigned_seat_count: null,
          daily_adoption_rate: null,
          weekly_adoption_rate: null,
          monthly_adoption_rate: null,
          seat_utilization: null,
        }),
      ]);
    });

    it('defaults ending_date to tomorrow (today is the last entry), and checks the range', async () => {
      const body = await json('/orgs/acme/summaries?starting_date=2026-10-18');
      expect(body.summaries.map((s: any) => s.starting_at.slice(0, 10))).toEqual(['2026-10-18', '2026-10-19', '2026-10-20']);
      expect(await error400('/orgs/acme/summaries?starting_date=2026-10-18&ending_date=2026-10-18')).toMatch(/ending_date .* must be after starting_date/);
      expect(await error400('/orgs/acme/summaries?starting_date=2025-01-01&ending_date=2026-10-18')).toMatch(/spans 655 days; at most 366/);
      expect(await error400('/orgs/acme/summaries')).toMatch(/"starting_date"/);
    });
  });

  describe('user_usage_report and user_cost_report', () => {
    const range = { from: '2026-09-15', to: '2026-10-14' };
    const Q = `starting_at=${range.from}T00:00:00Z&ending_at=${shift(range.to, 1)}T00:00:00Z`;
    const planned = ACTIVITY.filter((a) => inRange(a.day, range.from, range.to));
    const totals = persons
      .map((p) => {
        const rows = planned.filter((a) => a.person === p);
        const sum = (f: (a: (typeof rows)[number]) => number) => rows.reduce((n, a) => n + f(a) * a.requests, 0);
        return {
          user_id: userKeyOf(p),
          uncached_input_tokens: sum((a) => a.input),
          output_tokens: sum((a) => a.output),
          cache_read_input_tokens: sum((a) => a.cacheRead),
          cache_creation_input_tokens: sum((a) => a.cacheCreation),
          requests: rows.reduce((n, a) => n + a.requests, 0),
          cost: sum((a) => a.cost),
        };
      })
      .filter((u) => u.requests > 0)
      .map((u) => ({ ...u, total_tokens: u.uncached_input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens }));

    it('ranks people by total tokens, with the plan’s figures', async () => {
      const body = await json(`/orgs/acme/user_usage_report?${Q}&limit=1000`);
      const expected = [...totals].sort((a, b) => b.total_tokens - a.total_tokens || a.user_id.localeCompare(b.user_id));
      expect(body.data.map((r: any) => r.actor.user_id)).toEqual(expected.map((u) => u.user_id));
      for (const [i, r] of (body.data as any[]).entries()) {
        const { cost: _cost, user_id, ...e } = expected[i]!;
        expect(r).toEqual({
          actor: { type: 'user_actor', user_id, email_address: `${persons.find((p) => userKeyOf(p) === user_id)}@acme.example`, name: user_id === 'alice' ? 'Alice' : null, deleted: false },
          starting_at: '2026-09-15T00:00:00Z',
          ending_at: '2026-10-15T00:00:00Z',
          product: null,
          model: null,
          context_window: null,
          inference_geo: null,
          speed: null,
          rbac_group_id: null,
          slack_channel_id: null,
          claude_tag_category: null,
          claude_tag_user_id: null,
          cache_creation: { ephemeral_5m_input_tokens: e.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
          server_tool_use: { web_search_requests: 0 },
          ...e,
        });
      }
      expect(body).toMatchObject({ has_more: false, next_page: null, organization_id: 'acme' });
    });

    it('pages through the ranking without skipping or repeating anyone, in both directions', async () => {
      const all = (await json(`/orgs/acme/user_usage_report?${Q}&limit=1000&order_by=output_tokens`)).data;
      const paged = await walk(`/orgs/acme/user_usage_report?${Q}&limit=2&order_by=output_tokens`);
      expect(paged.pages).toBe(Math.ceil(all.length / 2));
      expect(paged.items).toEqual(all);
      const outputs = all.map((r: any) => r.output_tokens);
      expect(outputs).toEqual([...outputs].sort((a, b) => b - a));
      const asc = await walk(`/orgs/acme/user_usage_report?${Q}&limit=3&order_by=output_tokens&order=asc`);
      expect(asc.items.map((r: any) => r.output_tokens)).toEqual([...outputs].sort((a, b) => a - b));
      expect(await error400(`/orgs/acme/user_usage_report?${Q}&page=bm90LWEtY3Vyc29y`)).toMatch(/"page"/);
    });

    it('breaks each person out by model and product; filters by model and person', async () => {
      const body = await json(`/orgs/acme/user_usage_report?${Q}&limit=1000&group_by[]=model&group_by[]=product`);
      expect(body.data).toHaveLength(new Set(planned.map((a) => `${a.person}|${a.model}`)).size);
      for (const r of body.data) {
        const rows = planned.filter((a) => userKeyOf(a.person) === r.actor.user_id && a.model === r.model);
        expect(r.product).toBe('claude_code');
        expect(r.requests).toBe(rows.reduce((n, a) => n + a.requests, 0));
        expect(r.output_tokens).toBe(rows.reduce((n, a) => n + a.output * a.requests, 0));
      }
      const onlyBob = await json(`/orgs/acme/user_usage_report?${Q}&user_ids[]=unlinked:bob@acme.example&models[]=claude-opus-4-1`);
      const bobOpus = planned.filter((a) => a.person === 'bob' && a.model === 'claude-opus-4-1');
      expect(onlyBob.data).toHaveLength(1);
      expect(onlyBob.data[0].requests).toBe(bobOpus.reduce((n, a) => n + a.requests, 0));
      expect((await json(`/orgs/acme/user_usage_report?${Q}&products[]=chat`)).data).toEqual([]);
      expect(await error400(`/orgs/acme/user_usage_report?${Q}&group_by[]=speed`)).toMatch(/group_by\[\].*speed is not available/);
      expect(await error400(`/orgs/acme/user_usage_report?${Q}&group_by[]=colour`)).toMatch(/"group_by\[\]"/);
    });

    it('cost: amounts in cents as decimal strings, ranked by amount; no split by token or cost type', async () => {
      const body = await json(`/orgs/acme/user_cost_report?${Q}&limit=1000`);
      const expected = [...totals].sort((a, b) => b.cost - a.cost);
      expect(body.data.map((r: any) => r.actor.user_id)).toEqual(expected.map((u) => u.user_id));
      for (const [i, r] of (body.data as any[]).entries()) {
        expect(r).toMatchObject({ currency: 'USD', requests: expected[i]!.requests, cost_type: null, token_type: null, model: null });
        expect(r.amount).toMatch(/^\d+\.\d{6}$/);
        expect(Number(r.amount)).toBeCloseTo(cents(expected[i]!.cost), 4);
        expect(r.list_amount).toBe(r.amount); // no discount configured
      }
      const paged = await walk(`/orgs/acme/user_cost_report?${Q}&limit=2`);
      expect(paged.items).toEqual(body.data);
      expect(await error400(`/orgs/acme/user_cost_report?${Q}&group_by[]=token_type`)).toMatch(/token_type is not available: Claude Code reports one cost per model/);
      expect(await error400(`/orgs/acme/user_cost_report?${Q}&group_by[]=cost_type`)).toMatch(/cost_type is not available/);
    });

    it('rejects a range over 31 days, naming the parameters', async () => {
      const message = await error400('/orgs/acme/user_usage_report?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-03T00:00:00Z');
      expect(message).toBe(
        'Invalid query parameters: starting_at (2026-09-01T00:00:00Z) to ending_at (2026-10-03T00:00:00Z) spans 32 days; at most 31 are allowed per request: split a longer period into adjacent ranges',
      );
      expect(await error400('/orgs/acme/user_cost_report?starting_at=2026-08-01&ending_at=2026-10-01')).toMatch(/starting_at .* to ending_at .* spans 61 days; at most 31/);
      // Exactly 31 days is fine; without ending_at the range stops at 31 days (or today).
      expect((await get('/orgs/acme/user_usage_report?starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-02T00:00:00Z')).status).toBe(200);
      const open = await json('/orgs/acme/user_usage_report?starting_at=2026-09-01');
      expect(open.data[0]).toMatchObject({ starting_at: '2026-09-01T00:00:00Z', ending_at: '2026-10-02T00:00:00Z' });
      const recent = await json('/orgs/acme/user_usage_report?starting_at=2026-10-10T08:30:00Z');
      expect(recent.data[0]).toMatchObject({ starting_at: '2026-10-10T00:00:00Z', ending_at: '2026-10-21T00:00:00Z' });
      expect(await error400('/orgs/acme/user_usage_report?starting_at=2026-10-10T08:00:00Z&ending_at=2026-10-10T20:00:00Z')).toMatch(
        /ending_at .* must be at least one whole UTC day after starting_at/,
      );
      expect(await error400('/orgs/acme/user_usage_report?starting_at=yesterday')).toMatch(/"starting_at"/);
    });
  });

  describe('usage_report and cost_report', () => {
    const Q = 'starting_at=2026-09-20T00:00:00Z&ending_at=2026-10-11T00:00:00Z';
    const planned = ACTIVITY.filter((a) => inRange(a.day, '2026-09-20', '2026-10-10'));

    it('one bucket per day, 7 per page by default; the buckets sum to the per-person totals and to the plan', async () => {
      const { items: buckets, pages } = await walk(`/orgs/acme/usage_report?${Q}`);
      expect(pages).toBe(3);
      expect(buckets.map((b) => b.starting_at)).toEqual(Array.from({ length: 21 }, (_, i) => `${shift('2026-09-20', i)}T00:00:00Z`));
      for (const b of buckets) {
        const day = b.starting_at.slice(0, 10);
        const rows = planned.filter((a) => a.day === day);
        expect(b.ending_at).toBe(`${shift(day, 1)}T00:00:00Z`);
        if (rows.length === 0) expect(b.results).toEqual([]);
        else {
          expect(b.results).toHaveLength(1);
          expect(b.results[0]).toMatchObject({
            model: null,
            requests: rows.reduce((n, a) => n + a.requests, 0),
            uncached_input_tokens: rows.reduce((n, a) => n + a.input * a.requests, 0),
            output_tokens: rows.reduce((n, a) => n + a.output * a.requests, 0),
          });
        }
      }
      const sum = (rows: any[], field: string) => rows.reduce((n, r) => n + r[field], 0);
      const results = buckets.flatMap((b) => b.results);
      const people = (await json(`/orgs/acme/user_usage_report?${Q}&limit=1000`)).data;
      for (const field of ['requests', 'uncached_input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
        expect(sum(results, field)).toBe(sum(people, field));
      }
      expect(sum(results, 'requests')).toBe(planned.reduce((n, a) => n + a.requests, 0));
      const byModel = (await walk(`/orgs/acme/usage_report?${Q}&group_by[]=model&limit=31`)).items.flatMap((b) => b.results);
      expect(sum(byModel, 'output_tokens')).toBe(sum(results, 'output_tokens'));
      expect(new Set(byModel.map((r) => r.model))).toEqual(new Set(planned.map((a) => a.model)));
    });

    it('cost per day sums to the per-person costs and the plan', async () => {
      const buckets = (await json(`/orgs/acme/cost_report?${Q}&limit=31`)).data as any[];
      expect(buckets).toHaveLength(21);
      const total = buckets.flatMap((b) => b.results).reduce((n, r) => n + Number(r.amount), 0);
      const people = (await json(`/orgs/acme/user_cost_report?${Q}&limit=1000`)).data.reduce((n: number, r: any) => n + Number(r.amount), 0);
      expect(total).toBeCloseTo(people, 4);
      expect(total).toBeCloseTo(cents(planned.reduce((n, a) => n + a.cost * a.requests, 0)), 4);
      const byModel = (await json(`/orgs/acme/cost_report?${Q}&limit=31&group_by[]=model`)).data.flatMap((b: any) => b.results);
      expect(byModel.reduce((n: number, r: any) => n + Number(r.list_amount), 0)).toBeCloseTo(total, 4);
    });

    it('refuses hourly and minute buckets: the telemetry is kept per day', async () => {
      expect(await error400(`/orgs/acme/usage_report?${Q}&bucket_width=1h`)).toBe(
        'Invalid query parameter "bucket_width": 1h buckets are not available: Claude Code’s telemetry is stored rolled up per UTC day, so only 1d buckets can be computed',
      );
      expect(await error400(`/orgs/acme/cost_report?${Q}&bucket_width=1m`)).toMatch(/1m buckets are not available/);
      expect(await error400(`/orgs/acme/usage_report?${Q}&limit=32`)).toMatch(/"limit": must be at most 31/);
      expect(await error400('/orgs/acme/cost_report?starting_at=2026-08-01&ending_at=2026-09-05')).toMatch(/spans 35 days; at most 31/);
      expect(await error400(`/orgs/acme/usage_report?${Q}&page=${Buffer.from('"2026-08-01"').toString('base64url')}`)).toMatch(/"page"/);
    });
  });

  describe('spend_report', () => {
    it('a period preset gives the same rows as its dates', async () => {
      const res = await get('/orgs/acme/spend_report?period=last_month');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-spend-report-2026-09-01-2026-09-30.csv"');
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(ACTIVITY.filter((a) => inRange(a.day, '2026-09-01', '2026-09-30')).length);
      const again = await (await get('/orgs/acme/spend_report?start_date=2026-09-01&end_date=2026-09-30')).text();
      expect(parse(again, { columns: true })).toEqual(rows);
      expect(rows.find((r) => r.user_email === 'carol@acme.example')).toMatchObject({ account_uuid: '5f0c9a2e-3b1d-4c7e-9a61-2d8e4b7f1c03' });
      expect(await error400('/orgs/acme/spend_report?period=last_month&start_date=2026-09-01')).toMatch(/either period or start_date\/end_date/);
    });

    it('a range with no spend is the header row alone', async () => {
      const text = await (await get('/orgs/acme/spend_report?start_date=2026-08-01&end_date=2026-08-31')).text();
      expect(text.trim()).toBe(
        'date,org,user_email,account_uuid,product,model,request_count,prompt_tokens,completion_tokens,net_spend_usd,gross_spend_usd,github_login',
      );
    });
  });

  describe('keys and orgs', () => {
    it('needs a key, and a key of another org sees nothing of this one', async () => {
      for (const path of [
        '/orgs/acme/summaries?starting_date=2026-10-01',
        '/orgs/acme/user_usage_report?starting_at=2026-10-01',
        '/orgs/acme/cost_report?starting_at=2026-10-01',
        '/orgs/acme/spend_report',
      ]) {
        expect((await api.request(path)).status).toBe(401);
        const res = await get(path, otherKey);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: { type: 'not_found_error', message: 'No organization "acme".' } });
      }
      const own = await get('/orgs/globex/user_usage_report?starting_at=2026-10-01', otherKey);
      expect(((await own.json()) as any).data).toEqual([]);
    });
  });
});

describe('on the recordings', () => {
  let app: AppServer;
  let cleanup: () => Promise<void>;
  let key: string;
  beforeAll(async () => {
    ({ app, cleanup } = await startProcessedOrg());
    key = (await createApiKey(app.db, { org: 'acme' })).key;
  });
  afterAll(() => cleanup());
  const get = (path: string) => app.http.request(`/api/v1${path}`, { headers: { 'x-api-key': key } });

  type Value = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
  type Kv = { key: string; value: Value };
  const scalar = (v: Value | undefined) => (v === undefined ? undefined : (v.stringValue ?? v.doubleValue ?? (v.intValue === undefined ? v.boolValue : Number(v.intValue))));
  const attrs = (list: Kv[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, scalar(a.value)]));
  const dayOfNanos = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().slice(0, 10);
  const RECORDINGS = ['rate-limiter-http-json-details-hooks', 'rejected-write-http-json-details-hooks'];

  /** The recorded `api_request` events, read straight from the captured OTLP/JSON bodies. */
  function recordedApiRequests() {
    const events: { day: string; email: string; model: string; input: number; output: number; cacheRead: number; cacheCreation: number; cost: number }[] = [];
    for (const recording of RECORDINGS) {
      for (const r of capturedRequests(recording).filter((r) => r.path === '/v1/logs')) {
        const body = JSON.parse(r.body.toString('utf8')) as { resourceLogs: { resource?: { attributes?: Kv[] }; scopeLogs: { logRecords: { timeUnixNano: string; attributes?: Kv[] }[] }[] }[] };
        for (const rl of body.resourceLogs) {
          const resource = attrs(rl.resource?.attributes);
          for (const record of rl.scopeLogs.flatMap((s) => s.logRecords)) {
            const a = { ...resource, ...attrs(record.attributes) };
            if (a['event.name'] !== 'api_request') continue;
            events.push({
              day: dayOfNanos(record.timeUnixNano),
              email: String(a['user.email']),
              model: String(a.model),
              input: Number(a.input_tokens ?? 0),
              output: Number(a.output_tokens ?? 0),
              cacheRead: Number(a.cache_read_tokens ?? 0),
              cacheCreation: Number(a.cache_creation_tokens ?? 0),
              cost: Number(a.cost_usd ?? 0),
            });
          }
        }
      }
    }
    return events;
  }

  /** The recorded `cost.usage` and `token.usage` points, per day, email and model. */
  function recordedModelMetrics() {
    const out = new Map<string, { cost: number; input: number; output: number }>();
    for (const recording of RECORDINGS) {
      for (const r of capturedRequests(recording).filter((r) => r.path === '/v1/metrics')) {
        const body = JSON.parse(r.body.toString('utf8')) as any;
        for (const rm of body.resourceMetrics) {
          const resource = attrs(rm.resource?.attributes);
          for (const m of rm.scopeMetrics.flatMap((s: any) => s.metrics)) {
            if (m.name !== 'claude_code.cost.usage' && m.name !== 'claude_code.token.usage') continue;
            for (const p of m.sum.dataPoints) {
              const a = { ...resource, ...attrs(p.attributes) };
              const k = `${dayOfNanos(p.timeUnixNano)}|${a['user.email']}|${a.model}`;
              const e = out.get(k) ?? { cost: 0, input: 0, output: 0 };
              const v = Number(p.asDouble ?? p.asInt);
              if (m.name === 'claude_code.cost.usage') e.cost += v;
              else if (a.type === 'input' || a.type === 'cacheRead' || a.type === 'cacheCreation') e.input += v;
              else if (a.type === 'output') e.output += v;
              out.set(k, e);
            }
          }
        }
      }
    }
    return out;
  }

  it('spend report CSV: one row per person, model and day, the sums of the recorded api_request events', async () => {
    const res = await get('/orgs/acme/spend_report?start_date=2026-11-20&end_date=2026-11-22');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-spend-report-2026-11-20-2026-11-22.csv"');
    const text = await res.text();
    expect(text.split('\n')[0]).toBe(
      'date,org,user_email,account_uuid,product,model,request_count,prompt_tokens,completion_tokens,net_spend_usd,gross_spend_usd,github_login',
    );
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const events = recordedApiRequests();
    expect(events.length).toBe(13); // Dana 8, Sam 5

    const byPersonDay = <T>(list: T[], keyOf: (x: T) => string, add: (acc: number[], x: T) => void) => {
      const m = new Map<string, number[]>();
      for (const x of list) add(m.get(keyOf(x)) ?? (m.set(keyOf(x), [0, 0, 0, 0]), m.get(keyOf(x))!), x);
      return new Map([...m].map(([k, v]) => [k, v.map((n) => Math.round(n * 1e9) / 1e9)]));
    };
    const fromCsv = byPersonDay(
      rows,
      (r) => `${r.date}|${r.user_email}`,
      (acc, r) => {
        acc[0]! += Number(r.request_count);
        acc[1]! += Number(r.prompt_tokens);
        acc[2]! += Number(r.completion_tokens);
        acc[3]! += Number(r.gross_spend_usd);
      },
    );
    const fromEvents = byPersonDay(
      events,
      (e) => `${e.day}|${e.email}`,
      (acc, e) => {
        acc[0]! += 1;
        acc[1]! += e.input + e.cacheRead + e.cacheCreation;
        acc[2]! += e.output;
        acc[3]! += e.cost;
      },
    );
    expect(fromCsv).toEqual(fromEvents);
    expect(fromEvents.get('2026-11-21|dana@acme.example')).toEqual([8, 960, 336, 0.0132]);

    for (const r of rows) {
      expect(r).toMatchObject({ org: 'acme', product: 'claude_code', account_uuid: '' }); // API-key sessions: no account UUID
      expect(r.net_spend_usd).toBe(r.gross_spend_usd); // no discount configured
    }
    expect(new Set(rows.map((r) => r.github_login))).toEqual(new Set(['dana', '']));

    // Per model: one row per person, model and day, each the sums of that model's events. In these
    // recordings the cost/token metrics name the model differently (`claude-opus-4-8[1m]`) than
    // the events (`claude-sonnet-4-5`); a session's events are the one source of its rows.
    const perModel = byPersonDay(
      events,
      (e) => `${e.day}|${e.email}|${e.model}`,
      (acc, e) => {
        acc[0]! += 1;
        acc[1]! += e.input + e.cacheRead + e.cacheCreation;
        acc[2]! += e.output;
        acc[3]! += e.cost;
      },
    );
    expect(rows.map((r) => `${r.date}|${r.user_email}|${r.model}`)).toEqual([...perModel.keys()].sort());
    for (const r of rows) {
      expect([Number(r.request_count), Number(r.prompt_tokens), Number(r.completion_tokens), Number(r.gross_spend_usd)]).toEqual(
        perModel.get(`${r.date}|${r.user_email}|${r.model}`),
      );
    }
    expect(rows.map((r) => r.model)).toEqual(['claude-sonnet-4-5', 'claude-sonnet-4-5']);

    // The metrics of the same sessions agree on each person-day's totals, under their own model name.
    const metrics = recordedModelMetrics();
    expect([...metrics.keys()].sort()).toEqual(['2026-11-21|dana@acme.example|claude-opus-4-8[1m]', '2026-11-21|sam@acme.example|claude-opus-4-8[1m]']);
    for (const [k, m] of metrics) {
      const [day, email] = k.split('|');
      const [, input, output, cost] = fromEvents.get(`${day}|${email}`)!;
      expect([m.input, m.output]).toEqual([input, output]);
      expect(m.cost).toBeCloseTo(cost!, 9);
    }
  });

  it('user_cost_report: each person’s spend and requests from the recordings', async () => {
    const body = (await (await get('/orgs/acme/user_cost_report?starting_at=2026-11-20&ending_at=2026-11-23')).json()) as any;
    const events = recordedApiRequests();
    const spend = (email: string) => events.filter((e) => e.email === email).reduce((n, e) => n + e.cost, 0);
    expect(body.data.map((r: any) => [r.actor.user_id, r.actor.email_address, r.requests])).toEqual([
      ['dana', 'dana@acme.example', 8],
      ['unlinked:sam@acme.example', 'sam@acme.example', 5],
    ]);
    expect(Number(body.data[0].amount)).toBeCloseTo(cents(spend('dana@acme.example')), 6);
    expect(Number(body.data[1].amount)).toBeCloseTo(cents(spend('sam@acme.example')), 6);
  });

  it('summaries: without SEATS, the seats are acme’s GitHub member count, fetched when the app was installed', async () => {
    expect(await getOrgSettings(app.db, 'acme')).toMatchObject({ memberCount: ORG_MEMBERS, memberCountAt: expect.any(String) });
    const body = (await (await get('/orgs/acme/summaries?starting_date=2026-11-21&ending_date=2026-11-22')).json()) as any;
    // Dana and Sam were active on 2026-11-21.
    expect(body.summaries).toEqual([
      expect.objectContaining({
        weekly_active_user_count: 2,
        assigned_seat_count: ORG_MEMBERS,
        weekly_adoption_rate: Math.round((2 / ORG_MEMBERS) * 10_000) / 100,
        seat_utilization: Math.round((2 / ORG_MEMBERS) * 10_000) / 10_000,
      }),
    ]);
  });

  it('the routes are in the OpenAPI document, which still validates', async () => {
    const doc = (await (await app.http.request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const path of ['summaries', 'user_usage_report', 'user_cost_report', 'usage_report', 'cost_report', 'spend_report']) {
      expect(doc.paths).toHaveProperty([`/orgs/{org}/${path}`]);
    }
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('with SEATS and DISCOUNT_PERCENT configured', () => {
  let app: AppServer;
  let cleanup: () => Promise<void>;
  let key: string;
  beforeAll(async () => {
    ({ app, cleanup } = await startProcessedOrg({ SEATS: '5', DISCOUNT_PERCENT: '20' }));
    key = (await createApiKey(app.db, { org: 'acme' })).key;
  });
  afterAll(() => cleanup());
  const get = (path: string) => app.http.request(`/api/v1${path}`, { headers: { 'x-api-key': key } });

  it('summaries: the seats are SEATS, and the member count is not fetched', async () => {
    expect((await app.db.select().from(jobs)).map((j) => j.kind)).toEqual(['enrich-pull-request']);
    expect((await getOrgSettings(app.db, 'acme')).memberCount).toBeNull();
    const body = (await (await get('/orgs/acme/summaries?starting_date=2026-11-21&ending_date=2026-11-22')).json()) as any;
    expect(body.summaries).toEqual([
      expect.objectContaining({ weekly_active_user_count: 2, assigned_seat_count: 5, weekly_adoption_rate: 40, seat_utilization: 0.4 }),
    ]);
  });

  it('spend report: net = gross × 0.8; gross stays the recorded list cost', async () => {
    const rows = parse(await (await get('/orgs/acme/spend_report?start_date=2026-11-20&end_date=2026-11-22')).text(), { columns: true }) as Record<string, string>[];
    // Dana: 8 requests × $0.00165; Sam: 5 × $0.00165 (the recorded api_request events).
    expect(rows.map((r) => [r.user_email, r.gross_spend_usd, r.net_spend_usd])).toEqual([
      ['dana@acme.example', '0.0132', '0.01056'],
      ['sam@acme.example', '0.00825', '0.0066'],
    ]);
  });

  it('user_cost_report: amount is net, list_amount gross', async () => {
    const body = (await (await get('/orgs/acme/user_cost_report?starting_at=2026-11-20&ending_at=2026-11-23')).json()) as any;
    expect(body.data.map((r: any) => [r.actor.email_address, Number(r.list_amount), Number(r.amount)])).toEqual([
      ['dana@acme.example', 1.32, 1.056],
      ['sam@acme.example', 0.825, 0.66],
    ]);
  });
});
