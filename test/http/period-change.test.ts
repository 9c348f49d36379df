import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { dailyOrgMetrics, dailyUserMetrics } from '../../src/db/schema.js';
import { addDays, dayOf, lastDays } from '../../src/utc-days.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks, keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * Tiles show the change vs the previous period of the same length, from the same stored figures;
 * today's partial day is marked in the charts and left out of PRs per active user; spend lists
 * name people as the leaderboard does. The page tests' org (2026-11-20..22: Dana's PR #42, 22 of
 * 23 lines with Claude Code; Dana's and Sam's sessions), plus rollup rows written straight in for
 * the period before (2026-11-17..19) and for the last days up to today.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let cookie: string;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';
const today = dayOf(new Date());

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  cookie = await signIn(app.http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
  const orgDay = async (day: string, m: Partial<typeof dailyOrgMetrics.$inferInsert>) => await app.db.insert(dailyOrgMetrics).values({ org: 'acme', day, ...m });
  const userDay = async (userKey: string, day: string, m: Partial<typeof dailyUserMetrics.$inferInsert>) =>
    await app.db.insert(dailyUserMetrics).values({ org: 'acme', day, userKey, githubLogin: userKey, ...m });
  // The period before 2026-11-20..22: 2 PRs with Claude Code (of 2), 11 lines with, no decisions, $0.0429, Kim active.
  await orgDay('2026-11-18', { pullRequestsMerged: 2, pullRequestsWithClaudeCode: 2, linesCommitted: 11, linesWithClaudeCode: 11, costMicroUsd: 42_900 });
  await userDay('kim', '2026-11-18', { activeUsers: 1, sessions: 1 });
  await userDay('dana', '2026-11-18', { linesAccepted: 15, sessions: 2, activeUsers: 1 });
  // Yesterday and today: 3 and 4 PRs merged, 2 people active each day.
  await orgDay(addDays(today, -1), { pullRequestsMerged: 3, pullRequestsWithoutClaudeCode: 3, activeUsers: 2 });
  await orgDay(today, { pullRequestsMerged: 4, pullRequestsWithoutClaudeCode: 4, activeUsers: 2 });
  // Dana's spend this calendar month (today), for the "this calendar month" list.
  await userDay('dana', today, { costMicroUsd: 1_000_000, email: 'dana@acme.example' });
}, 60_000);
afterAll(() => cleanup());
allowUnusedNockMocks('access_tokens');
keepNockMocksBetweenTests();

const page = async (path: string) => {
  const res = await app.http.request(path, { headers: { cookie } });
  expect([path, res.status]).toEqual([path, 200]);
  return res.text();
};
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
/** A tile's change line: its words, and its `data-change` / `data-previous`. */
const change = (html: string, metric: string) => {
  const tile = new RegExp(`data-metric="${metric.replace('.', '\\.')}"[^]*?</div>`).exec(html)![0];
  const m = /<small class="change" data-change="([^"]*)" data-previous="([^"]*)">([^]*?)<\/small>/.exec(tile);
  return m ? { change: m[1], previous: m[2], words: text(m[3]!) } : undefined;
};
const chartData = (html: string) => JSON.parse(/<script type="application\/json" id="chart-data">([^]*?)<\/script>/.exec(html)![1]!);

describe('the change vs the previous period', () => {
  it('the overview: each tile against 2026-11-17..19, computed by hand', async () => {
    const html = await page(`/orgs/acme?${RANGE}`);
    // PRs with Claude Code: 1 now, 2 before: −50%.
    expect(change(html, 'pull_requests.with_claude_code')).toEqual({ change: '-0.5', previous: '2', words: '▼ down 50% vs previous 3 days' });
    // Share: 1 of 1 now, 2 of 2 before: the same.
    expect(change(html, 'pull_requests.with_claude_code_share')).toEqual({ change: '0', previous: '1', words: 'no change vs previous 3 days' });
    // Lines with Claude Code: 22 now, 11 before: +100%.
    expect(change(html, 'lines_committed.with_claude_code')).toEqual({ change: '1', previous: '11', words: '▲ up 100% vs previous 3 days' });
    // Lines accepted: 31 now, 0 before: no percentage of 0.
    expect(change(html, 'claude_code.lines_accepted')?.words).toBe('▲ up from 0 vs previous 3 days');
    // Accept rate: 0.8 now, no decisions before (no rate).
    expect(change(html, 'claude_code.suggestion_accept_rate')).toEqual({ change: '', previous: '', words: 'no figure vs previous 3 days' });
    // Active users: Dana and Sam now (2), Dana and Kim before (2).
    expect(change(html, 'claude_code.active_users')?.words).toBe('no change vs previous 3 days');
    // Spend: $0.02145 now, $0.0429 before: −50%.
    expect(change(html, 'claude_code.cost_usd')).toMatchObject({ change: '-0.5', words: '▼ down 50% vs previous 3 days' });
    // The previous figures are the API's for the period before.
    const before = (await (await app.http.request('/api/v1/orgs/acme/summary?start_date=2026-11-17&end_date=2026-11-19', { headers: { 'x-api-key': apiKey } })).json()) as any;
    expect(Number(change(html, 'pull_requests.with_claude_code')!.previous)).toBe(before.pull_requests.with_claude_code);
    expect(Number(change(html, 'lines_committed.with_claude_code')!.previous)).toBe(before.lines_committed.with_claude_code);
    expect(Number(change(html, 'claude_code.active_users')!.previous)).toBe(before.claude_code.active_users);
    expect(Number(change(html, 'claude_code.cost_usd')!.previous)).toBe(before.claude_code.cost_usd);
    // The arrow is hidden from screen readers, which read "down 50%".
    expect(html).toContain('<span aria-hidden="true">▼ </span><span class="visually-hidden">down </span>50% vs previous 3 days');
  });

  it('the Usage tiles: weekly active users at the range’s end against the day before it started', async () => {
    const html = await page(`/orgs/acme?${RANGE}`);
    // The 7 days to 2026-11-22: Dana, Sam and Kim (active 11-18); to 2026-11-19: Dana and Kim.
    expect(change(html, 'usage.weekly_active_users')).toEqual({ change: '0.5', previous: '2', words: '▲ up 50% vs previous 3 days' });
    expect(change(html, 'usage.monthly_active_users')).toEqual({ change: '0.5', previous: '2', words: '▲ up 50% vs previous 3 days' });
    // Sessions in the range: the org's 2 now; the org rows before had none.
    expect(change(html, 'usage.sessions')?.words).toBe('▲ up from 0 vs previous 3 days');
  });

  it('says "no previous data" when the period before was never processed', async () => {
    const html = await page('/orgs/acme?start_date=2026-11-20&end_date=2026-11-20');
    expect(change(html, 'pull_requests.with_claude_code')).toEqual({ change: '', previous: '', words: 'no previous data (the 1 day before)' });
    expect(change(html, 'claude_code.active_users')?.words).toBe('no previous data (the 1 day before)');
  });

  it('the person page: Dana against her own previous days', async () => {
    const html = await page(`/orgs/acme/users/dana?${RANGE}`);
    // Lines accepted: 30 now, 15 before.
    expect(change(html, 'lines_accepted')).toEqual({ change: '1', previous: '15', words: '▲ up 100% vs previous 3 days' });
    // Sessions: 1 now, 2 before.
    expect(change(html, 'sessions')).toMatchObject({ change: '-0.5', previous: '2' });
  });

  it('narrowed to a repository, PR tiles compare that repository’s periods', async () => {
    const html = await page(`/orgs/acme?${RANGE}&repository=acme/widgets`);
    // acme/widgets had no rows before (the org rows written above name no repository): 1 now, 0 then.
    expect(change(html, 'pull_requests.with_claude_code')).toMatchObject({ change: '', previous: '0', words: '▲ up from 0 vs previous 3 days' });
  });
});

describe('today, a partial day', () => {
  it('is marked in the charts and their tables, and left out of PRs per active user', async () => {
    const html = await page('/orgs/acme?range=7d');
    const charts = chartData(html);
    for (const id of ['adoption', 'prs-per-user', 'merged', 'accepted', 'active-users']) expect([id, charts[id].partial]).toEqual([id, 6]);
    // Yesterday 3 PRs ÷ 2 people; today (4 ÷ 2 so far) left out.
    expect(charts['prs-per-user'].views.ratio.datasets[0].data.slice(5)).toEqual([1.5, null]);
    // Today's PRs still count where a count is shown: 4 merged without.
    expect(charts.merged.views.prs.datasets[1].data[6]).toBe(4);
    expect(html).toMatch(/<tr data-partial="true"><th scope="row">[^<]+<span class="partial"> \(today, partial\)<\/span><\/th>/);
    expect(html).toContain('is today: its figures are partial until the day ends');
    // The daily active users tile counts today so far, and says so.
    expect(text(new RegExp('data-metric="usage\\.daily_active_users"[^]*?</div>').exec(html)![0])).toMatch(/on \w{3} \d{1,2}, \d{4} \(today, partial\)/);
  });

  it('is marked on a person’s charts too', async () => {
    const charts = chartData(await page('/orgs/acme/users/dana?range=7d'));
    expect(charts['person-merged'].partial).toBe(6);
    expect(charts['person-activity'].partial).toBe(6);
  });

  it('is not marked in a range that ended before today', async () => {
    const html = await page(`/orgs/acme?${RANGE}`);
    expect(chartData(html).merged.partial).toBeUndefined();
    expect(html).not.toContain('data-partial="true"');
  });
});

describe('spend by model', () => {
  it("each model's spend over the last month, 3 months and year, as the stored usage sums it", async () => {
    // A model used today, 40 days ago and 200 days ago: $1.25 in the month, $3.75 in 3 months, $10.00 in the year.
    for (const [back, cost] of [[0, 1_250_000], [40, 2_500_000], [200, 6_250_000]] as const) {
      await app.db.run(sql`INSERT INTO daily_model_usage (org, day, user_key, model, requests, cost_micro_usd) VALUES ('acme', ${addDays(today, -back)}, 'dana', 'claude-test-1', 1, ${cost})`);
    }
    // A range not drawn before in this file (the page keeps a range's figures until the next run).
    const charts = chartData(await page('/orgs/acme?start_date=2026-11-19&end_date=2026-11-22'));
    const rows = await app.db.all<{ day: string; model: string; cost: number }>(sql`SELECT day, model, cost_micro_usd AS cost FROM daily_model_usage WHERE org = 'acme'`);
    const models = [...new Set(rows.map((r) => r.model))].sort();
    expect(models.length).toBeGreaterThan(0);
    const spec = charts['spend-by-model'];
    expect(spec.labels).toEqual(models);
    for (const [view, days] of [['1m', 30], ['3m', 90], ['1y', 365]] as const) {
      const from = lastDays(today, days).startDate;
      const expected = models.map((m) => Math.round((rows.filter((r) => r.model === m && r.day >= from && r.day <= today).reduce((n, r) => n + Number(r.cost), 0) / 1e6) * 100) / 100);
      expect([view, spec.views[view].datasets[0].data]).toEqual([view, expected]);
      expect(spec.views[view].datasets[0].data[models.indexOf('claude-test-1')]).toBe({ '1m': 1.25, '3m': 3.75, '1y': 10 }[view]);
    }
  });
});

describe('spend lists', () => {
  it('name people as the leaderboard does: the login, the email on hover, linking to their page', async () => {
    const html = await page(`/orgs/acme?${RANGE}`);
    const link = (section: string, key: string) => new RegExp(`${section}[^]*?(<a href="/orgs/acme/users/${key}\\?[^"]*"[^>]*>[^<]+</a>)`).exec(html)?.[1];
    const board = link('data-board-table="prs-with"', 'dana');
    expect(board).toBe('<a href="/orgs/acme/users/dana?start_date=2026-11-20&amp;end_date=2026-11-22" title="dana@acme.example">dana</a>');
    expect(link('data-spender="dana"', 'dana')).toBe(board);
    expect(link('data-member="dana"', 'dana')).toBe(board);
    expect(text(html)).toContain('This calendar month, per member');
    expect(text(html)).toContain('the calendar month to date, whichever range is chosen above');
  });
});
