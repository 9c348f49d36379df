import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { dailyUserMetrics } from '../../src/db/schema.js';
import { setViewerTeams } from '../../src/db/org-settings.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * The people page: sorted by any column on the server (`sort`, `dir`, whitelisted), searched by
 * login or email, with each person's last active day. Besides the processed Dana and Sam, three
 * people's days are written straight into the rollup.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let owner: string;
let member: string;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
  await setViewerTeams(app.db, 'acme', ['platform'], 'test');
  member = await signIn(app.http, { login: 'mia', id: 4714 });
  nockOrgMembership('acme', 'mia', 'member');
  nockTeamMembership('acme', 'platform', 'mia', true);
  const day = async (userKey: string, d: string, m: Partial<typeof dailyUserMetrics.$inferInsert>, who: { githubLogin?: string; email?: string }) =>
    await app.db.insert(dailyUserMetrics).values({ org: 'acme', day: d, userKey, ...who, ...m });
  await day('alice', '2026-11-20', { pullRequestsMerged: 5, linesCommitted: 500, sessions: 9, activeUsers: 1, costMicroUsd: 9_000_000 }, { githubLogin: 'alice', email: 'alice@acme.dev' });
  await day('bob', '2026-11-20', { pullRequestsMerged: 2, linesCommitted: 40, sessions: 1, activeUsers: 1 }, { githubLogin: 'Bob' });
  await day('bob', '2026-11-22', { sessions: 2, activeUsers: 1, costMicroUsd: 100_000 }, { githubLogin: 'Bob' });
  // Carol was last active before the range too; in it she only merged a PR.
  await day('carol', '2026-11-01', { sessions: 4, activeUsers: 1 }, { githubLogin: 'carol', email: 'carol@elsewhere.io' });
  await day('carol', '2026-11-21', { pullRequestsMerged: 1, linesCommitted: 3 }, { githubLogin: 'carol', email: 'carol@elsewhere.io' });
}, 60_000);
afterAll(() => cleanup());

const html = async (query: string, cookie = owner) => {
  const res = await app.http.request(`/orgs/acme/users?${RANGE}${query}`, { headers: { cookie } });
  expect([query, res.status]).toEqual([query, 200]);
  return res.text();
};
const order = (body: string) => [...body.matchAll(/<tr data-person="([^"]+)"/g)].map((m) => m[1]!);

describe('the people page', () => {
  it('lists the API’s users, in its order when no sort is asked', async () => {
    const { data } = (await (await app.http.request(`/api/v1/orgs/acme/users?${RANGE}&limit=100`, { headers: { 'x-api-key': apiKey } })).json()) as { data: { login: string | null; email: string | null }[] };
    const body = await html('');
    expect(order(body).length).toBe(data.length);
    expect(order(body)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dana']));
    expect(body).not.toContain('aria-sort=');
  });

  it.each([
    ['pull_requests_merged', 'desc', ['alice', 'bob']],
    ['lines_committed', 'desc', ['alice', 'bob']],
    ['sessions', 'desc', ['alice', 'bob']],
    ['cost_usd', 'desc', ['alice', 'bob']],
  ])('sorts by %s (%s)', async (sort, dir, top) => {
    const body = await html(`&sort=${sort}&dir=${dir}`);
    expect(order(body).slice(0, top.length)).toEqual(top);
    expect(body).toContain(`aria-sort="descending" data-sort="${sort}"`);
    const reversed = order(await html(`&sort=${sort}&dir=asc`));
    expect(reversed.slice(-top.length)).toEqual([...top].reverse());
  });

  it('sorts by every column both ways without losing anyone', async () => {
    const everyone = order(await html('')).sort();
    for (const sort of ['person', 'pull_requests_merged', 'pull_requests_with_claude_code', 'lines_committed', 'lines_with_claude_code', 'lines_accepted', 'suggestion_accept_rate', 'sessions', 'cost_usd', 'last_active']) {
      for (const dir of ['asc', 'desc']) expect([sort, dir, [...order(await html(`&sort=${sort}&dir=${dir}`))].sort()]).toEqual([sort, dir, everyone]);
    }
  });

  it('sorts by person A→Z by default, and a column header links to the other direction', async () => {
    const body = await html('&sort=person');
    const names = order(body).filter((k) => ['alice', 'bob', 'carol', 'dana'].includes(k));
    expect(names).toEqual(['alice', 'bob', 'carol', 'dana']);
    expect(body).toContain(`aria-sort="ascending" data-sort="person"><a href="/orgs/acme/users?${RANGE.replace('&', '&amp;')}&amp;sort=person&amp;dir=desc"`);
    expect(body).toContain(`data-sort="sessions"><a href="/orgs/acme/users?${RANGE.replace('&', '&amp;')}&amp;sort=sessions&amp;dir=desc"`);
  });

  it('shows and sorts by the last active day: Claude Code activity or a merged PR, up to the range’s end', async () => {
    const body = await html('&sort=last_active&dir=desc');
    const last = (key: string) => new RegExp(`<tr data-person="${key}">[^]*?data-last-active="([^"]*)"`).exec(body)![1];
    expect(last('bob')).toBe('2026-11-22');
    expect(last('carol')).toBe('2026-11-21');
    expect(last('alice')).toBe('2026-11-20');
    expect(order(body)[0]).toBe('bob');
    expect(order(body).indexOf('carol')).toBeLessThan(order(body).indexOf('alice'));
    expect(body).toContain('Last active');
  });

  it('has distinct column titles', async () => {
    const titles = [...(await html('')).matchAll(/<th scope="col"[^>]*><a [^>]*>([^<]+)<\/a><\/th>/g)].map((m) => m[1]);
    expect(titles.length).toBe(10);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('searches by login or email, any case, keeping the sort', async () => {
    expect(order(await html('&q=ALI'))).toEqual(['alice']);
    expect(order(await html('&q=elsewhere.io'))).toEqual(['carol']);
    expect(order(await html('&q=bob'))).toEqual(['bob']);
    const acme = await html('&q=acme.dev&sort=person&dir=desc');
    expect(order(acme)).toEqual(['alice']);
    expect(acme).toContain('1 of');
    expect(acme).toContain('name="sort" value="person"');
    expect(order(await html('&q=nobody-here'))).toEqual([]);
    expect(await html('&q=nobody-here')).toContain('Nobody with activity in this range matches.');
  });

  it('hides spend, and sorting by it, from a member who may not see spend', async () => {
    const body = await html('', member);
    expect(body).not.toContain('data-sort="cost_usd"');
    const res = await app.http.request(`/orgs/acme/users?${RANGE}&sort=cost_usd`, { headers: { cookie: member } });
    expect(res.status).toBe(400);
  });

  it.each([
    ['&sort=constructor', 'not a column to sort by'],
    ['&sort=__proto__', 'not a column to sort by'],
    ['&sort=DROP%20TABLE', 'not a valid sort'],
    ['&sort=sessions&dir=up', 'not a valid dir'],
    ['&sort=sessions&sort=person', 'given more than once'],
    [`&q=${'a'.repeat(101)}`, 'not a valid q'],
  ])('refuses %s with the pages’ 400 page', async (query, message) => {
    const res = await app.http.request(`/orgs/acme/users?${RANGE}${query}`, { headers: { cookie: owner } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(message);
  });
});
