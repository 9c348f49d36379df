import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { markOutcomesTeamWithClaudeCode, storeOutcomesTeam } from '../helpers/outcome-timelines.js';
import { silentLog, testServerConfig } from '../helpers/test-probot.js';
import { testServerDatabase } from '../helpers/test-app.js';

/* GET /api/v1/orgs/{org}/outcomes, and the outcome fields of pull-requests (spec: Outcomes). */

let app: AppServer;
let dir: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;
let key: string;
const RANGE = 'start_date=2026-11-01&end_date=2026-11-08';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-outcomes-'));
  database = await testServerDatabase();
  app = await startAppServer({ config: testServerConfig(dir, database.env), log: silentLog, startWorker: false, octokitRetries: false });
  const withClaudeCode = await storeOutcomesTeam(app.db);
  await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-01', toDay: '2026-11-08' });
  await markOutcomesTeamWithClaudeCode(app.db, withClaudeCode);
  key = (await createApiKey(app.db, { org: 'acme' })).key;
});
afterAll(async () => {
  await app.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => app.http.request(`/api/v1${path}`, { headers: { 'x-api-key': key, ...headers } });
const json = async (path: string) => (await (await get(path)).json()) as any;

describe('GET /orgs/{org}/outcomes', () => {
  it('compares PRs with vs without Claude Code, bots apart, with the same-author comparison and cost', async () => {
    const res = await get(`/orgs/acme/outcomes?${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    const body = (await res.json()) as any;
    // 11 PRs with (3 + 3 + 3 + 2), 12 without (3 each, plus the revert PR 199); the bot's PR is not counted.
    expect(body.cycle_time_hours.with_claude_code.count).toBe(11);
    expect(body.cycle_time_hours.without_claude_code.count).toBe(13);
    // a, b and c qualify (three of each kind); d has two with Claude Code. a and c are 4 h faster
    // with it, b 3.75 h (b's quick revert PR 199 is one of b's PRs without).
    expect(body.cycle_time_hours.same_author).toEqual({ people: 3, median_difference: -4, ci95: [-4, -3.75] });
    // Coding time is 1 h for everyone: no difference.
    expect(body.coding_time_hours.same_author).toEqual({ people: 3, median_difference: 0, ci95: [0, 0] });
    expect(body.pickup_time_hours.with_claude_code).toEqual({ count: 11, median: 1, p75: 1 });
    expect(body.reverts.with_claude_code).toMatchObject({ prs: 11, reverted: 1, rate: 0.0909 });
    expect(body.reverts.without_claude_code).toMatchObject({ prs: 13, reverted: 0, rate: 0 });
    expect(body.cost_per_pr_usd).toBe(1.09); // $12 ÷ 11
    expect(body.cost_per_line_usd).toBe(0.02); // $12 ÷ 600
    expect(body.weekly.map((w: any) => w.week_start)).toEqual(['2026-10-26', '2026-11-02']);
    expect(body.same_author_minimum).toEqual({ pull_requests_of_each_kind: 3, people: 3 });

    const again = await get(`/orgs/acme/outcomes?${RANGE}`, { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('slices by person and repository; below the minimum the same-author answer is null', async () => {
    const d = await json(`/orgs/acme/outcomes?${RANGE}&login=d`);
    expect(d.login).toBe('d');
    expect(d.cycle_time_hours.with_claude_code.count).toBe(2);
    expect(d.cycle_time_hours.same_author).toBeNull();
    // d spent nothing: no cost per PR.
    expect(d.cost_per_pr_usd).toBeNull();
    const repo = await json(`/orgs/acme/outcomes?${RANGE}&repository=acme/widgets`);
    expect(repo.cycle_time_hours.with_claude_code.count).toBe(11);
    expect(repo.spend_usd).toBeNull();
    expect((await json(`/orgs/acme/outcomes?${RANGE}&repository=acme/gadgets`)).cycle_time_hours.with_claude_code).toEqual({ count: 0, median: null, p75: null });
  });

  it('refuses what the other routes refuse, in the same shape', async () => {
    expect((await get(`/orgs/acme/outcomes?${RANGE}&repository=not-a-repo`)).status).toBe(400);
    expect(((await json(`/orgs/acme/outcomes?${RANGE}&colour=blue`)) as any).error.type).toBe('invalid_request_error');
    expect((await get('/orgs/acme/outcomes?start_date=2026-11-08&end_date=2026-11-01')).status).toBe(400);
    expect((await get(`/orgs/other/outcomes?${RANGE}`)).status).toBe(404);
    expect((await app.http.request(`/api/v1/orgs/acme/outcomes?${RANGE}`)).status).toBe(401);
  });

  it('is computed once per processing run: a change behind processing’s back shows after the next run ends', async () => {
    const reverted = async () => (await json(`/orgs/acme/outcomes?${RANGE}`)).reverts.without_claude_code.reverted;
    expect(await reverted()).toBe(0);
    await app.db.run(sql`UPDATE pull_request_outcomes SET reverted_by = 'x', reverted_at = '2026-11-07T00:00:00.000Z' WHERE pull_request_id = 199`);
    expect(await reverted()).toBe(0);
    // A run going on (its heartbeats) leaves the report as it is; its end computes it again.
    await app.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at) VALUES ('acme', '2026-11-01', '2026-11-01', 'running', 'test', '2026-11-21T00:00:00Z', '2026-11-21T00:00:01Z')`);
    expect(await reverted()).toBe(0);
    await app.db.run(sql`UPDATE processing_runs SET heartbeat_at = '2026-11-21T00:00:02Z' WHERE trigger = 'test'`);
    expect(await reverted()).toBe(0);
    await app.db.run(sql`UPDATE processing_runs SET status = 'failed', finished_at = '2026-11-21T00:00:03Z' WHERE trigger = 'test'`);
    expect(await reverted()).toBe(1);
    await app.db.run(sql`UPDATE pull_request_outcomes SET reverted_by = NULL, reverted_at = NULL WHERE pull_request_id = 199`);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await app.http.request('/api/v1/openapi.json')).json()) as any;
    expect(Object.keys(doc.paths['/orgs/{org}/outcomes'].get.responses)).toContain('200');
    expect(Object.keys(doc.components.schemas.PullRequest.properties)).toEqual(expect.arrayContaining(['first_commit_at', 'cycle_time_hours', 'reverted_by', 'reverted_at']));
  });
});

describe('outcome fields of pull-requests', () => {
  it('carry each PR’s times, rounds and revert, in JSON and CSV', async () => {
    const body = await json(`/orgs/acme/pull-requests?${RANGE}&limit=1000`);
    const pr101 = body.data.find((p: any) => p.number === 101);
    expect(pr101).toMatchObject({
      first_commit_at: '2026-11-02T06:00:00.000Z',
      cycle_time_hours: 4,
      coding_time_hours: 1,
      pickup_time_hours: 1,
      review_time_hours: 2,
      review_rounds: 1,
      reverted: true,
      reverted_by: 'acme/widgets#199',
    });
    // The revert PR landed when it merged.
    const revert = body.data.find((p: any) => p.number === 199);
    expect(pr101.reverted_at).toBe(revert.merged_at);
    expect(body.data.find((p: any) => p.number === 102)).toMatchObject({ reverted: false, reverted_by: null, reverted_at: null });
    const csv = parse(await (await get(`/orgs/acme/pull-requests?${RANGE}&format=csv`)).text(), { columns: true }) as Record<string, string>[];
    expect(csv.find((r) => r.number === '101')).toMatchObject({ cycle_time_hours: '4', reverted: 'true', reverted_by: 'acme/widgets#199', reverted_at: revert.merged_at });
    expect(csv.find((r) => r.number === '102')).toMatchObject({ reverted: 'false', reverted_by: '', reverted_at: '' });
  });
});
