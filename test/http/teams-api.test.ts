import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { createTestApp } from '../helpers/test-app.js';
import { storeTeamsScenario, TEAMS_NOW, TEAMS_RANGE } from '../helpers/teams-scenario.js';

let t: Awaited<ReturnType<typeof createTestApp>>;
let key: string;

beforeAll(async () => {
  t = await createTestApp({ now: () => TEAMS_NOW, apiRateLimitPerMinute: 10_000 });
  await storeTeamsScenario(t.app, t.db, t.token);
  key = (await createApiKey(t.db, { org: 'acme' })).key;
}, 60_000);
afterAll(() => t.cleanup());

const get = (path: string) => t.app.request(`/api/v1${path}`, { headers: { 'x-api-key': key } });
const json = async (path: string) => {
  const res = await get(path);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as any;
};

/*
 * `team=` on every list and summary route, and `GET …/teams`, on the scenario of
 * test/helpers/teams-scenario.ts (real receiver, stores and processing). Expected values are
 * computed by hand from that scenario: alice is in platform and web; erin is in the telemetry
 * team `data` on 11-03 only.
 */

describe('GET /orgs/{org}/teams', () => {
  it('one row per team, by slug: GitHub teams (telemetry naming the same slug joins them) and telemetry-only teams', async () => {
    const body = await json(`/orgs/acme/teams?${TEAMS_RANGE}`);
    const zeros = { pull_requests_with_claude_code: 0, lines_with_claude_code: 0 };
    expect(body.data).toEqual([
      // erin on 11-03: #5 (1 line), 7 lines accepted, $0.25. #6 (11-04) is not the team's.
      { slug: 'data', name: 'data', source: 'telemetry', members: 1, pull_requests_merged: 1, ...zeros, pull_requests_without_claude_code: 1, lines_committed: 1, lines_without_claude_code: 1, active_users: 1, cost_usd: 0.25 },
      // alice #1 (with, 4) and bob #2 (without, 3); alice $0.50 + bob $0.10.
      { slug: 'platform', name: 'Platform', source: 'github', members: 2, pull_requests_merged: 2, pull_requests_with_claude_code: 1, pull_requests_without_claude_code: 1, lines_committed: 7, lines_with_claude_code: 4, lines_without_claude_code: 3, active_users: 2, cost_usd: 0.6 },
      // alice #1 (with, 4) and carol #3 (with, 2); carol sent no telemetry.
      { slug: 'web', name: 'Web', source: 'github', members: 2, pull_requests_merged: 2, pull_requests_with_claude_code: 2, pull_requests_without_claude_code: 0, lines_committed: 6, lines_with_claude_code: 6, lines_without_claude_code: 0, active_users: 1, cost_usd: 0.5 },
    ]);
  });

  it('the org total never double counts: alice counts in platform and web, once in the org', async () => {
    const teams = (await json(`/orgs/acme/teams?${TEAMS_RANGE}`)).data as { pull_requests_merged: number; active_users: number }[];
    const org = await json(`/orgs/acme/summary?${TEAMS_RANGE}`);
    // Teams' rows add to 5 PRs (alice's #1 twice) and 4 active users (alice twice); dave's #4 and erin's #6 are in no team.
    expect(teams.reduce((n, r) => n + r.pull_requests_merged, 0)).toBe(5);
    expect(teams.reduce((n, r) => n + r.active_users, 0)).toBe(4);
    expect(org.pull_requests).toMatchObject({ merged: 6, with_claude_code: 2, without_claude_code: 4 });
    expect(org.claude_code).toMatchObject({ active_users: 3, lines_accepted: 20, cost_usd: 0.85 });
    expect(org.team).toBeUndefined();
  });
});

describe('team= on the list and summary routes', () => {
  it('summary: the team’s people only', async () => {
    const body = await json(`/orgs/acme/summary?${TEAMS_RANGE}&team=platform`);
    expect(body).toMatchObject({
      team: 'platform',
      pull_requests: { merged: 2, with_claude_code: 1, without_claude_code: 1, with_claude_code_share: 0.5, opened: 2, by_bots: 0 },
      lines_committed: { total: 7, with_claude_code: 4, without_claude_code: 3 },
      claude_code: { lines_accepted: 13, sessions: 2, active_users: 2, cost_usd: 0.6 },
    });
    // Any case names the same team.
    expect((await json(`/orgs/acme/summary?${TEAMS_RANGE}&team=Web`)).pull_requests.merged).toBe(2);
  });

  it('daily: the team’s days, zeros where its people did nothing', async () => {
    const body = await json(`/orgs/acme/daily?${TEAMS_RANGE}&team=data`);
    expect(body.team).toBe('data');
    expect(body.data.map((d: any) => [d.date, d.pull_requests_merged, d.lines_accepted, d.active_users])).toEqual([
      ['2026-11-02', 0, 0, 0],
      ['2026-11-03', 1, 7, 1],
      ['2026-11-04', 0, 0, 0],
    ]);
  });

  it('users, and their CSV: the team’s people with their figures', async () => {
    const body = await json(`/orgs/acme/users?${TEAMS_RANGE}&team=web`);
    expect(body.data.map((u: any) => [u.login, u.pull_requests_merged, u.lines_with_claude_code, u.lines_accepted])).toEqual([
      ['alice', 1, 4, 10],
      ['carol', 1, 2, 0],
    ]);
    const csv = await (await get(`/orgs/acme/users?${TEAMS_RANGE}&team=web&format=csv`)).text();
    expect(csv.trim().split('\n').map((l) => l.split(',')[0])).toEqual(['login', 'alice', 'carol']);
    const res = await get(`/orgs/acme/users?${TEAMS_RANGE}&team=web&format=csv`);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-users-web-2026-11-02-2026-11-04.csv"');
  });

  it('pull-requests, and their CSV: PRs its people merged while in it', async () => {
    const numbers = async (q: string) => (await json(`/orgs/acme/pull-requests?${TEAMS_RANGE}&${q}`)).data.map((p: any) => p.number);
    expect(await numbers('team=web')).toEqual([1, 3]);
    expect(await numbers('team=platform&with_claude_code=false')).toEqual([2]);
    expect(await numbers('team=data')).toEqual([5]);
    const csv = await (await get(`/orgs/acme/pull-requests?${TEAMS_RANGE}&team=web&format=csv`)).text();
    expect(csv.trim().split('\n').slice(1).map((l) => l.split(',')[1])).toEqual(['1', '3']);
  });

  it('repositories: the team’s PRs and lines per repository', async () => {
    const body = await json(`/orgs/acme/repositories?${TEAMS_RANGE}&team=platform`);
    expect(body.data).toEqual([
      {
        repository: 'acme/widgets',
        pull_requests_merged: 2,
        pull_requests_with_claude_code: 1,
        pull_requests_without_claude_code: 1,
        pull_requests_opened: 2,
        lines_committed: 7,
        lines_with_claude_code: 4,
        lines_without_claude_code: 3,
      },
    ]);
  });

  it('outcomes: the team’s PRs and spend', async () => {
    const body = await json(`/orgs/acme/outcomes?${TEAMS_RANGE}&team=web`);
    expect(body.team).toBe('web');
    expect(body.size_lines.with_claude_code).toMatchObject({ count: 2, mean: 3 });
    expect(body.size_lines.without_claude_code.count).toBe(0);
    // alice's $0.50 bought the team's 2 PRs with Claude Code.
    expect(body).toMatchObject({ spend_usd: 0.5, cost_per_pr_usd: 0.25 });
    const platform = await json(`/orgs/acme/outcomes?${TEAMS_RANGE}&team=platform`);
    expect(platform.size_lines.without_claude_code).toMatchObject({ count: 1, mean: 3 });
  });

  it('an unknown team is 404, a malformed one 400, in the spec’s error shape; another org’s team is unknown', async () => {
    for (const path of ['summary', 'daily', 'users', 'pull-requests', 'repositories', 'outcomes']) {
      const missing = await get(`/orgs/acme/${path}?${TEAMS_RANGE}&team=nobody`);
      expect(missing.status, path).toBe(404);
      expect(await missing.json()).toEqual({ error: { type: 'not_found_error', message: expect.stringContaining('No team "nobody" in acme') } });
      const bad = await get(`/orgs/acme/${path}?${TEAMS_RANGE}&team=${encodeURIComponent('../x')}`);
      expect(bad.status, path).toBe(400);
      expect(((await bad.json()) as any).error.type).toBe('invalid_request_error');
    }
    await t.db.run(sql`INSERT INTO github_teams (org, id, slug, name, updated_at) VALUES ('globex', 9, 'secret', 'Secret', 'x')`);
    expect((await get(`/orgs/acme/summary?${TEAMS_RANGE}&team=secret`)).status).toBe(404);
  });
});
