import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { createTestApp } from '../helpers/test-app.js';
import { storeTeamsScenario, TEAMS_NOW, TEAMS_RANGE } from '../helpers/teams-scenario.js';

/*
 * `team=` on the spend report CSV (`GET /orgs/{org}/spend_report`) and, for a telemetry team, on
 * durability, on the scenario of test/helpers/teams-scenario.ts: GitHub teams platform = alice,
 * bob and web = alice, carol; telemetry: alice on 11-02 (team platform) $0.50, erin on 11-03
 * (telemetry team `data`) $0.25, bob on 11-03 (no team attribute) $0.10. Merged PRs: #1 alice
 * 11-02 with Claude Code, #2 bob 11-03, #3 carol 11-03 with, #4 dave 11-04, #5 erin 11-03, #6
 * erin 11-04 (the last four without).
 */

let t: Awaited<ReturnType<typeof createTestApp>>;
let key: string;

beforeAll(async () => {
  t = await createTestApp({ now: () => TEAMS_NOW, apiRateLimitPerMinute: 10_000 });
  await storeTeamsScenario(t.app, t.db, t.token);
  key = (await createApiKey(t.db, { org: 'acme' })).key;
}, 60_000);
afterAll(() => t.cleanup());

const get = (query: string) => t.app.request(`/api/v1/orgs/acme/spend_report?${TEAMS_RANGE}${query}`, { headers: { 'x-api-key': key } });
const rows = async (query: string) => {
  const res = await get(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (parse(await res.text(), { columns: true }) as Record<string, string>[]).map((r) => [r.date, r.github_login, r.gross_spend_usd]);
};

describe('team= on the spend report', () => {
  it('the rows of the team’s people on the days they were in it; a person in two teams is in both', async () => {
    expect(await rows('')).toEqual([
      ['2026-11-02', 'alice', '0.5'],
      ['2026-11-03', 'bob', '0.1'],
      ['2026-11-03', 'erin', '0.25'],
    ]);
    // platform: alice and bob (its GitHub members); erin is not in it.
    expect(await rows('&team=platform')).toEqual([
      ['2026-11-02', 'alice', '0.5'],
      ['2026-11-03', 'bob', '0.1'],
    ]);
    // web: alice (also in platform); carol sent no telemetry.
    expect(await rows('&team=web')).toEqual([['2026-11-02', 'alice', '0.5']]);
    // data: erin, on 11-03 when her telemetry placed her in it.
    expect(await rows('&team=Data')).toEqual([['2026-11-03', 'erin', '0.25']]);
  });

  it('names the team in the file name, and refuses an unknown (404) or malformed (400) team', async () => {
    expect((await get('&team=web')).headers.get('content-disposition')).toBe('attachment; filename="acme-spend-report-web-2026-11-02-2026-11-04.csv"');
    const unknown = await get('&team=nobody');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.type).toBe('not_found_error');
    const malformed = await get('&team=-web');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.type).toBe('invalid_request_error');
  });
});

describe('team= on durability, for a team only telemetry names', () => {
  it('counts the PRs merged on the days its people were in it: erin’s #5 (11-03), not her #6 (11-04)', async () => {
    const res = await t.app.request(`/api/v1/orgs/acme/durability?${TEAMS_RANGE}&team=data`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.team).toBe('data');
    // Days old at most: merged, none old enough for a figure.
    const none = { d14: 0, d30: 0, d90: 0, churn_21d: 0 };
    expect(body.pull_requests).toEqual({ with_claude_code: { merged: 0, old_enough: none }, without_claude_code: { merged: 1, old_enough: none } });
    expect(body.survival.without_claude_code).toEqual({ d14: null, d30: null, d90: null });
    // The org: 2 with (#1, #3), 4 without; web (alice, carol): #1 and #3.
    const org = (await (await t.app.request(`/api/v1/orgs/acme/durability?${TEAMS_RANGE}`, { headers: { 'x-api-key': key } })).json()) as any;
    expect([org.pull_requests.with_claude_code.merged, org.pull_requests.without_claude_code.merged]).toEqual([2, 4]);
    const web = (await (await t.app.request(`/api/v1/orgs/acme/durability?${TEAMS_RANGE}&team=web`, { headers: { 'x-api-key': key } })).json()) as any;
    expect([web.pull_requests.with_claude_code.merged, web.pull_requests.without_claude_code.merged]).toEqual([2, 0]);
  });
});
