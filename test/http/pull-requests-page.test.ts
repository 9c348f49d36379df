import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { attributions, pullRequests, repositories } from '../../src/db/schema.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * The pull requests page: newest first, the total, previous / next, and its filters (with /
 * without, repository, author, title), against the API's list where the API has the filter.
 * Besides the processed PR #42 (acme/widgets, dana, with Claude Code), 120 PRs of acme/gadgets
 * are written straight into the store: odd numbers by "sam" with Claude Code, even by "rui" without.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let owner: string;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';
const EXTRA = 120;

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4712 });
  nockOrgMembership('acme', 'olga', 'admin');
  await app.db.insert(repositories).values({ id: 990001, ownerLogin: 'acme', name: 'gadgets', fullName: 'acme/gadgets', updatedAt: '2026-11-01T00:00:00Z' });
  for (let n = 1; n <= EXTRA; n++) {
    const mergedAt = new Date(Date.UTC(2026, 10, 20, 0, 0) + n * 20 * 60_000).toISOString();
    const author = n % 2 ? 'sam' : 'rui';
    const id = 880000 + n;
    await app.db
      .insert(pullRequests)
      .values({ id, repositoryId: 990001, number: n, authorLogin: author, authorIsBot: false, title: n % 10 === 0 ? `Fix 100%_cache bug ${n}` : `Gadget change ${n}`, baseRef: 'main', headRef: `b${n}`, state: 'closed', createdAt: mergedAt, githubUpdatedAt: mergedAt, closedAt: mergedAt, mergedAt });
    await app.db
      .insert(attributions)
      .values({ org: 'acme', subject: `pull_request:${id}`, pullRequestId: id, repository: 'acme/gadgets', number: n, authorLogin: author, isBot: false, day: mergedAt.slice(0, 10), withClaudeCode: n % 2 === 1, linesAdded: n, linesWithClaudeCode: n % 2 ? n : 0, evidence: [], resultHash: `h${n}`, attributedAt: mergedAt });
  }
}, 60_000);
afterAll(() => cleanup());

const page = async (query: string) => app.http.request(`/orgs/acme/pull-requests?${RANGE}${query}`, { headers: { cookie: owner } });
const html = async (query: string) => {
  const res = await page(query);
  expect([query, res.status]).toEqual([query, 200]);
  return res.text();
};
const shown = (body: string) => [...body.matchAll(/data-pull-request="([^"]+)"/g)].map((m) => m[1]!);
const totalOf = (body: string) => Number(/data-total="(\d+)"/.exec(body)![1]);
/** Every PR of the API's list for the range (all its pages), newest first. */
async function apiList(query = ''): Promise<string[]> {
  const out: { repository: string; number: number; merged_at: string }[] = [];
  let next: string | null = null;
  do {
    const res = await app.http.request(`/api/v1/orgs/acme/pull-requests?${RANGE}&limit=100${query}${next ? `&page=${next}` : ''}`, { headers: { 'x-api-key': apiKey } });
    const body = (await res.json()) as { data: typeof out; next_page: string | null };
    out.push(...body.data);
    next = body.next_page;
  } while (next);
  return out.reverse().map((pr) => `${pr.repository}#${pr.number}`);
}

describe('the pull requests page', () => {
  it('lists newest first with the total, the same PRs as the API, 50 a page, previous and next both ways', async () => {
    const all = await apiList();
    expect(all.length).toBe(EXTRA + 1);
    const first = await html('');
    expect(totalOf(first)).toBe(all.length);
    expect(first).toContain('121 merged pull requests · showing 1–50, newest first');
    expect(shown(first)).toEqual(all.slice(0, 50));
    expect(first).toContain('Page 1 of 3');
    expect(first).not.toContain('rel="prev"');
    const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replace(/&amp;/g, '&');
    expect(next).toBe(`/orgs/acme/pull-requests?${RANGE}&page=2`);
    const second = await (await app.http.request(next, { headers: { cookie: owner } })).text();
    expect(shown(second)).toEqual(all.slice(50, 100));
    expect(/href="([^"]+)" rel="prev"/.exec(second)![1]!.replace(/&amp;/g, '&')).toBe(`/orgs/acme/pull-requests?${RANGE}`);
    const last = await html('&page=3');
    expect(shown(last)).toEqual(all.slice(100));
    expect(last).toContain('showing 101–121');
    expect(last).not.toContain('rel="next"');
    expect(/href="([^"]+)" rel="prev"/.exec(last)![1]!.replace(/&amp;/g, '&')).toBe(`/orgs/acme/pull-requests?${RANGE}&page=2`);
  });

  it('filters with and without Claude Code: the API’s lists, and the totals add up to all', async () => {
    const withCc = await html('&with_claude_code=true');
    const without = await html('&with_claude_code=false');
    expect(totalOf(withCc)).toBe((await apiList('&with_claude_code=true')).length);
    expect(totalOf(without)).toBe((await apiList('&with_claude_code=false')).length);
    expect(totalOf(withCc)).toBe(61);
    expect(totalOf(withCc) + totalOf(without)).toBe(totalOf(await html('')));
    expect(shown(withCc)).toEqual((await apiList('&with_claude_code=true')).slice(0, 50));
    // Paging keeps the filter.
    expect(withCc).toContain(`href="/orgs/acme/pull-requests?${RANGE.replace('&', '&amp;')}&amp;with_claude_code=true&amp;page=2" rel="next"`);
  });

  it('filters by repository, any case, and offers the range’s repositories', async () => {
    const widgets = await html('&repository=Acme/Widgets');
    expect(shown(widgets)).toEqual(['acme/widgets#42']);
    expect(totalOf(widgets)).toBe(1);
    const gadgets = await html('&repository=acme/gadgets&with_claude_code=false');
    expect(totalOf(gadgets)).toBe(60);
    expect(shown(gadgets).every((pr) => pr.startsWith('acme/gadgets#'))).toBe(true);
    // The range's repositories with merged PRs (from the rollup), and the chosen one.
    expect(await html('')).toContain('<option value="acme/widgets">acme/widgets</option>');
    expect(gadgets).toContain('<option value="acme/gadgets" selected="">acme/gadgets</option>');
    expect(totalOf(await html('&repository=acme/nothing'))).toBe(0);
  });

  it('filters by author, and the author filter with the others', async () => {
    const dana = await html('&author=DANA');
    expect(shown(dana)).toEqual(['acme/widgets#42']);
    const rui = await html('&author=rui');
    expect(totalOf(rui)).toBe(60);
    expect(totalOf(await html('&author=rui&with_claude_code=true'))).toBe(0);
    expect(totalOf(await html('&author=sam&repository=acme/gadgets&page=2'))).toBe(60);
    expect(shown(await html('&author=sam&page=2')).length).toBe(10);
    // Each author links to their page with the range kept.
    expect(rui).toContain(`href="/orgs/acme/users/rui?${RANGE.replace('&', '&amp;')}"`);
  });

  it('searches titles, any case, taking % and _ literally', async () => {
    const fixes = await html('&q=fix%20100%25_CACHE');
    expect(totalOf(fixes)).toBe(12);
    expect(shown(fixes)[0]).toBe('acme/gadgets#120');
    expect(totalOf(await html('&q=%25'))).toBe(12);
    expect(totalOf(await html('&q=_'))).toBe(12);
    expect(totalOf(await html('&q=gadget&author=rui'))).toBe(48);
    // The filters stay in the form, the range picker and the paging links.
    const form = await html('&q=gadget&author=rui');
    expect(form).toContain('name="q" value="gadget"');
    expect(form).toContain('name="author" value="rui"');
    expect(form).toContain('href="/orgs/acme/pull-requests?author=rui&amp;q=gadget&amp;range=7d"');
  });

  it('treats empty fields of the form as no filter', async () => {
    expect(totalOf(await html('&repository=&author=&q=&page='))).toBe(EXTRA + 1);
  });

  it.each([
    ['&page=0', 'not a valid page'],
    ['&page=4', 'There is no page 4: these pull requests fill 3 pages.'],
    ['&page=1e3', 'not a valid page'],
    ['&page=1&page=2', '&quot;page&quot; is given more than once.'],
    ['&repository=widgets', 'not a valid repository'],
    ['&repository=acme/../x%20y', 'not a valid repository'],
    ['&author=%3Cscript%3E', 'not a valid author'],
    [`&q=${'x'.repeat(101)}`, 'not a valid q'],
    ['&q=a%00b', 'not a valid q'],
  ])('refuses %s with the pages’ 400 page', async (query, message) => {
    const res = await page(query);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain(message);
    expect(body).not.toContain('<script>');
  });
});
