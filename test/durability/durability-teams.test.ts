import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { metricsApi } from '../../src/http/api/metrics-api.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { deliverDurabilityHistory, HISTORY_NOW, HISTORY_RANGE } from '../helpers/durability-history.js';
import { createTestDb } from '../helpers/test-db.js';

/*
 * `team=` on `GET /orgs/{org}/durability`: the PRs whose author was in the team on the merge day,
 * on the git-made history of test/helpers/durability-history.ts. Per PR, by hand there:
 * #1 Dana, with Claude Code, 8 lines (14 d: 5, 30 d: 5, 90 d: 4, ended within 21 d: 3, 1 rewritten);
 * #4 Dana, with, 1 line (0, 0, not 90 days old, 1 ended); #2, #3, #5 Lee, without.
 * GitHub teams: platform = Dana and Lee; web = Dana (Dana is in both); Lee is in no team but platform.
 */

let t: Awaited<ReturnType<typeof createTestDb>>;
let api: ReturnType<typeof metricsApi>;
let headers: Record<string, string>;
const RANGE = `start_date=${HISTORY_RANGE.fromDay}&end_date=${HISTORY_RANGE.toDay}`;
const teams = (web: string[]) => [
  { id: 1, slug: 'platform', name: 'Platform', members: ['dana', 'lee'] },
  { id: 2, slug: 'web', name: 'Web', members: web },
];

beforeAll(async () => {
  t = await createTestDb();
  await deliverDurabilityHistory(t.db);
  await runProcessing(t.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
  await replaceOrgPeople(t.db, 'acme', { members: ['dana', 'lee'], teams: teams(['dana']) }, '2026-11-01T00:00:00.000Z');
  api = metricsApi({ db: t.db, now: () => HISTORY_NOW });
  headers = { 'x-api-key': (await createApiKey(t.db, { org: 'acme' })).key };
}, 60_000);
afterAll(async () => {
  await t.cleanup();
});

const get = (query: string) => api.request(`/orgs/acme/durability?${RANGE}${query}`, { headers });
const json = async (query: string) => {
  const res = await get(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, any>;
};
const NONE = { merged: 0, old_enough: { d14: 0, d30: 0, d90: 0, churn_21d: 0 } };

describe('team= on the durability route', () => {
  it('web (Dana only): her PRs #1 and #4; Lee’s PRs, by a non-member, are left out', async () => {
    const body = await json('&team=web');
    expect(body.team).toBe('web');
    // #1 (8 lines, 5 left at 14 and 30 days) and #4 (1 line, gone by day 10 of its life): 5 of 9; at 90 days #1 alone, 4 of 8.
    expect(body.survival).toEqual({
      with_claude_code: {
        d14: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d30: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d90: { prs: 1, lines: 8, surviving: 4, rate: 0.5 },
      },
      without_claude_code: { d14: null, d30: null, d90: null },
    });
    // 3 of #1's lines and #4's one ended within 21 days: 4 of 9, 1 rewritten.
    expect(body.churn_21d).toEqual({ with_claude_code: { prs: 2, lines: 9, deleted: 4, rewritten: 1, rate: 0.4444 }, without_claude_code: null });
    // Lives of the ended lines: #1's three after 10 days and one after 50, #4's one after 10: median 10.
    expect(body.median_life_days_of_deleted_lines).toEqual({ with_claude_code: 10, without_claude_code: null });
    expect(body.deleted_lines).toEqual({ with_claude_code: 5, without_claude_code: 0 });
    expect(body.pull_requests).toEqual({ with_claude_code: { merged: 2, old_enough: { d14: 2, d30: 2, d90: 1, churn_21d: 2 } }, without_claude_code: NONE });
  });

  it('platform (Dana and Lee): Dana counts here too, so it is the org’s figures; the org total is not the sum of the teams', async () => {
    const platform = await json('&team=platform');
    const org = await json('');
    expect(org.team).toBeUndefined();
    const { team, ...rest } = platform;
    expect(team).toBe('platform');
    expect(rest).toEqual(org);
    // Lee's three PRs: 5 lines, all there at 14 days; at 90 days #2 and #3, 2 of 4.
    expect(platform.survival.without_claude_code.d14).toEqual({ prs: 3, lines: 5, surviving: 5, rate: 1 });
    expect(platform.survival.without_claude_code.d90).toEqual({ prs: 2, lines: 4, surviving: 2, rate: 0.5 });
    // Dana's #1 and #4 count in both teams: 2 + 2 with Claude Code PRs over the teams, 2 in the org.
    const web = await json('&team=web');
    expect(platform.pull_requests.with_claude_code.merged + web.pull_requests.with_claude_code.merged).toBe(4);
    expect(org.pull_requests.with_claude_code.merged).toBe(2);
  });

  it('narrows further with login and repository, and any case names the team', async () => {
    const lee = await json('&team=PLATFORM&login=lee');
    expect(lee.team).toBe('platform');
    expect(lee.pull_requests).toEqual({ with_claude_code: NONE, without_claude_code: { merged: 3, old_enough: { d14: 3, d30: 3, d90: 2, churn_21d: 3 } } });
    expect((await json('&team=web&login=lee')).pull_requests).toEqual({ with_claude_code: NONE, without_claude_code: NONE });
    expect((await json('&team=web&repository=acme/widgets')).pull_requests.with_claude_code.merged).toBe(2);
  });

  it('follows a change of the team’s members (the cached report is keyed by it)', async () => {
    expect((await json('&team=web')).pull_requests.without_claude_code.merged).toBe(0);
    await replaceOrgPeople(t.db, 'acme', { members: ['dana', 'lee'], teams: teams(['dana', 'lee']) }, '2026-11-02T00:00:00.000Z');
    expect((await json('&team=web')).pull_requests.without_claude_code.merged).toBe(3);
    await replaceOrgPeople(t.db, 'acme', { members: ['dana', 'lee'], teams: teams(['dana']) }, '2026-11-03T00:00:00.000Z');
    expect((await json('&team=web')).pull_requests.without_claude_code.merged).toBe(0);
  });

  it('refuses an unknown team (404) and a malformed one (400) in the spec’s error shape', async () => {
    const unknown = await get('&team=nobody');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { type: 'not_found_error', message: expect.stringContaining('No team "nobody" in acme') } });
    const malformed = await get('&team=-web');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.type).toBe('invalid_request_error');
  });
});
