import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { startProcessedOrg } from '../helpers/processed-org.js';

let app: AppServer;
let cleanup: () => Promise<void>;
let key: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg());
  key = (await createApiKey(app.db, { org: 'acme' })).key;
});
afterAll(() => cleanup());

const get = (path: string, headers: Record<string, string> = {}) => app.http.request(`/api/v1${path}`, { headers: { 'x-api-key': key, ...headers } });
const json = async (path: string) => (await (await get(path)).json()) as any;

describe('CSV', () => {
  it.each([
    ['users', `/orgs/acme/users?${RANGE}&format=csv`, {}],
    ['users (Accept)', `/orgs/acme/users?${RANGE}`, { accept: 'text/csv' }],
    ['pull-requests', `/orgs/acme/pull-requests?${RANGE}&format=csv`, {}],
  ])('%s parses back to the same rows as JSON, all pages', async (_name, path, headers) => {
    const res = await get(path, headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="acme-(users|pull-requests)-2026-11-20-2026-11-22\.csv"$/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    const jsonPath = path.replace('&format=csv', '') + '&limit=1';
    // Walk the JSON pages one item at a time.
    const items: Record<string, unknown>[] = [];
    let page: string | null = null;
    do {
      const body: any = await json(`${jsonPath}${page ? `&page=${page}` : ''}`);
      items.push(...body.data);
      page = body.next_page;
    } while (page);
    expect(rows).toHaveLength(items.length);
    expect(rows.length).toBeGreaterThan(0);
    rows.forEach((row, i) => {
      const item = items[i]!;
      for (const [column, value] of Object.entries(row)) {
        const expected = item[column];
        if (column === 'evidence') expect(value).toBe((expected as { kind: string }[]).map((e) => e.kind).join(' '));
        else if (column === 'explanation') expect(value).toBe((expected as string[]).join('; '));
        else expect(value).toBe(expected === null ? '' : String(expected));
      }
    });
  });
});

describe('claude_code_usage', () => {
  const schema = JSON.parse(readFileSync(new URL('../fixtures/claude-code-usage-record.schema.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);

  it('answers records in the shape of Anthropic’s report, summing to the summary', async () => {
    const body = await json('/orgs/acme/claude_code_usage?starting_at=2026-11-21');
    expect(body.has_more).toBe(false);
    expect(body.next_page).toBeNull();
    for (const record of body.data) expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    expect(body.data.map((r: any) => r.actor)).toEqual([
      { type: 'user_actor', email_address: 'dana@acme.example' },
      { type: 'user_actor', email_address: 'sam@acme.example' },
    ]);
    expect(body.data[0]).toMatchObject({
      date: '2026-11-21T00:00:00Z',
      organization_id: 'acme',
      terminal_type: 'xterm',
      core_metrics: { num_sessions: 1, lines_of_code: { added: 30, removed: 0 }, commits_by_claude_code: 1, pull_requests_by_claude_code: 1 },
      tool_actions: { edit_tool: { accepted: 2, rejected: 0 }, write_tool: { accepted: 1, rejected: 0 } },
      // By the recorded api_request events: eight requests to `claude-sonnet-4-5`, 120 input and 42
      // output tokens and $0.00165 each (the cost/token metrics of the same session say
      // `claude-opus-4-8[1m]` for the same totals; a session's events win, see rollupDay).
      model_breakdown: [
        { model: 'claude-sonnet-4-5', tokens: { input: 960, output: 336, cache_read: 0, cache_creation: 0 }, estimated_cost: { currency: 'USD', amount: 1.32 } },
      ],
      contribution_metrics: {
        github_login: 'dana',
        pull_requests: { merged: 1, with_claude_code: 1, without_claude_code: 0 },
        lines_committed: { total: 23, with_claude_code: 22, without_claude_code: 1 },
      },
    });

    const summary = await json('/orgs/acme/summary?start_date=2026-11-21&end_date=2026-11-21');
    const sum = (f: (r: any) => number) => body.data.reduce((n: number, r: any) => n + f(r), 0);
    expect(sum((r) => r.core_metrics.num_sessions)).toBe(summary.claude_code.sessions);
    expect(sum((r) => r.core_metrics.lines_of_code.added)).toBe(summary.claude_code.lines_accepted);
    expect(sum((r) => r.core_metrics.commits_by_claude_code)).toBe(summary.claude_code.commits);
    expect(sum((r) => Object.values(r.tool_actions).reduce((n: number, t: any) => n + t.accepted, 0))).toBe(summary.claude_code.decisions.accepted);
    expect(sum((r) => r.model_breakdown.reduce((n: number, m: any) => n + m.estimated_cost.amount, 0))).toBeCloseTo(summary.claude_code.cost_usd * 100, 6);
    expect(sum((r) => r.contribution_metrics.lines_committed.with_claude_code)).toBe(summary.lines_committed.with_claude_code);
  });

  it('pages with limit, has_more and next_page', async () => {
    const first = await json('/orgs/acme/claude_code_usage?starting_at=2026-11-21&limit=1');
    expect(first).toMatchObject({ has_more: true, next_page: expect.any(String) });
    const second = await json(`/orgs/acme/claude_code_usage?starting_at=2026-11-21&limit=1&page=${first.next_page}`);
    expect(second).toMatchObject({ has_more: false, next_page: null });
    expect([first.data[0].actor.email_address, second.data[0].actor.email_address]).toEqual(['dana@acme.example', 'sam@acme.example']);
  });

  it('needs starting_at, and its limit defaults to 20 and stops at 1000', async () => {
    const missing = await get('/orgs/acme/claude_code_usage');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.message).toMatch(/^Invalid query parameter "starting_at": /);
    expect((await get('/orgs/acme/claude_code_usage?starting_at=2026-11-21&limit=1001')).status).toBe(400);
  });
});

describe('OpenAPI document and reference page', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = await (await app.http.request('/api/v1/openapi.json')).json();
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((doc as { paths: object }).paths)).toContain('/orgs/{org}/claude_code_usage');
  });

  it('/api/docs lists every route, offline', async () => {
    const res = await app.http.request('/api/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const path of ['summary', 'daily', 'users', 'users/{login}', 'pull-requests', 'pull-requests/{owner}/{repo}/{number}', 'repositories', 'claude_code_usage']) {
      expect(html).toContain(`GET /api/v1/orgs/{org}/${path}`);
    }
    for (const path of ['me', 'analytics/summaries', 'analytics/users', 'analytics/user_usage_report', 'usage_report/claude_code']) {
      expect(html).toContain(`GET /v1/organizations/${path}`);
    }
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(html).not.toMatch(/<link[^>]+href="https?:/);
  });
});
