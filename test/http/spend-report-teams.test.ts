import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { createTestApp } from '../helpers/test-app.js';
import { storeTeamsScenario, TEAMS_NOW, TEAMS_RANGE } from '../helpers/teams-scenario.js';

/*
 * `team=` on the spend report CSV (`GET /orgs/{org}/spend_report`), on the scenario of
 * test/helpers/teams-scenario.ts: GitHub teams platform = alice, bob and web = alice, carol;
 * telemetry: alice on 11-02 (team platform) $0.50, erin on 11-03 (telemetry team `data`) $0.25,
 * bob on 11-03 (no team attribute) $0.10.
 */

let t: ReturnType<typeof createTestApp>;
let key: string;

beforeAll(async () => {
  t = createTestApp({ now: () => TEAMS_NOW, apiRateLimitPerMinute: 10_000 });
  await storeTeamsScenario(t.app, t.db, t.token);
  key = createApiKey(t.db, { org: 'acme' }).key;
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
