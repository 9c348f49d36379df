import { sql } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { upsertInstallation } from '../../src/db/github-activity.js';
import { findIngestToken } from '../../src/db/ingest-tokens.js';
import { setMembersSeeSpend, setViewerTeams } from '../../src/db/org-settings.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { DANA } from '../helpers/github-payloads.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { at, cookieHeader, cookiesOf, nockInstallationTokenAnyTimes, signIn, tileValues } from '../helpers/web-session.js';

let app: AppServer;
let cleanup: () => Promise<void>;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';
const ORIGIN = 'http://localhost';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
}, 60_000);
afterAll(() => cleanup());
// The app keeps an installation token it fetched, so a token mock may stay unused.
allowUnusedNockMocks('access_tokens');

const api = async (path: string) => {
  const res = await app.http.request(`/api/v1/orgs/acme${path}`, { headers: { 'x-api-key': apiKey } });
  expect(res.status).toBe(200);
  return res;
};
const page = (path: string, cookie?: string, init: RequestInit = {}) =>
  app.http.request(path, { ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) } });
const post = (path: string, cookie: string, form: Record<string, string> = {}) =>
  page(path, cookie, { method: 'POST', body: new URLSearchParams(form), headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' } });

let people = 1000;
/** A fresh session of `login`, whose org role GitHub reports as `role`. */
async function sessionOf(login: string, role: 'admin' | 'member' | null) {
  nockInstallationTokenAnyTimes();
  const cookie = await signIn(app.http, { login, id: ++people });
  nockOrgMembership('acme', login, role);
  return cookie;
}

describe('sign in with GitHub', () => {
  it('sends the browser to GitHub with the client id, the callback and a state kept in a signed HttpOnly cookie', async () => {
    const res = await page('/auth/sign-in?return_to=%2Forgs%2Facme');
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(to.searchParams.get('client_id')).toBe(TEST_OAUTH.GITHUB_CLIENT_ID);
    expect(to.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/auth/github/callback`);
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ccm_oauth_state='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('exchanges the code with the client secret, starts a session and returns to the page asked for', async () => {
    const start = await page('/auth/sign-in?return_to=%2Forgs%2Facme%3Frange%3D7d');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const github = (await import('../helpers/nock-github.js')).nockOAuthSignIn({ login: 'dana', id: DANA.id });
    const back = await page(`/auth/github/callback?code=test-code&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/orgs/acme?range=7d');
    expect(github.exchanged).toEqual([
      expect.objectContaining({ client_id: TEST_OAUTH.GITHUB_CLIENT_ID, client_secret: TEST_OAUTH.GITHUB_CLIENT_SECRET, code: 'test-code' }),
    ]);
    const session = back.headers.getSetCookie().find((c) => c.startsWith('ccm_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    // Neither GitHub's token nor the session id is stored in the clear.
    const stored = await app.db.all(sql`SELECT * FROM web_sessions WHERE github_login = ${'dana'}`);
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain('ghu_dana');
  });

  it('refuses a callback whose state does not match, or comes without the state cookie', async () => {
    const start = await page('/auth/sign-in');
    const wrong = await page('/auth/github/callback?code=test-code&state=forged', cookieHeader(cookiesOf(start)));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Sign-in expired');
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith('ccm_session='))).toBe(false);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const noCookie = await page(`/auth/github/callback?code=test-code&state=${state}`);
    expect(noCookie.status).toBe(400);
  });

  it('says so when GitHub refuses the code or the person declines', async () => {
    const start = await page('/auth/sign-in');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    nock('https://github.com')
      .post('/login/oauth/access_token')
      .reply(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: 'https://docs.github.com' });
    const refused = await page(`/auth/github/callback?code=used&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('GitHub refused this sign-in code');
    const declined = await page(`/auth/github/callback?error=access_denied&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(declined.status).toBe(400);
    expect(await declined.text()).toContain('Sign-in was cancelled');
  });

  it('never redirects to another site after sign-in', async () => {
    const start = await page('/auth/sign-in?return_to=%2F%2Fevil.example');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    (await import('../helpers/nock-github.js')).nockOAuthSignIn({ login: 'dana', id: DANA.id });
    const back = await page(`/auth/github/callback?code=test-code&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(back.headers.get('location')).toBe('/');
  });

  it.each([
    ['a tab', '/%09/evil.example'],
    ['a line feed', '/%0A/evil.example'],
    ['a backslash', '/%5C/evil.example'],
    ['CR LF (header injection)', '/%0D%0ASet-Cookie:%20x=1'],
  ])('does not leave the site through %s in return_to (browsers drop it from a Location)', async (_what, returnTo) => {
    const start = await page(`/auth/sign-in?return_to=${returnTo}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    (await import('../helpers/nock-github.js')).nockOAuthSignIn({ login: 'dana', id: DANA.id });
    const back = await page(`/auth/github/callback?code=test-code&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe('/');
  });

  it('keeps a return path of this site, percent-encoded as the pages send it', async () => {
    const start = await page(`/auth/sign-in?return_to=${encodeURIComponent('/orgs/acme/users/unlinked%3As%40x?range=7d')}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    (await import('../helpers/nock-github.js')).nockOAuthSignIn({ login: 'dana', id: DANA.id });
    const back = await page(`/auth/github/callback?code=test-code&state=${state}`, cookieHeader(cookiesOf(start)));
    expect(back.headers.get('location')).toBe('/orgs/acme/users/unlinked%3As%40x?range=7d');
  });

  it('signs out: the session ends on the server, not only in the browser', async () => {
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'dana', id: DANA.id });
    const out = await post('/auth/sign-out', cookie);
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().some((c) => /^ccm_session=;/.test(c))).toBe(true);
    const after = await page('/orgs/acme', cookie);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toBe('/auth/sign-in?return_to=%2Forgs%2Facme');
  });
});

describe('the home page', () => {
  it.each(['/', '/api/docs', '/orgs/acme'])('%s sends the pages\' security headers (scripts only from this server, no framing)', async (path) => {
    const res = await page(path);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  const ORG_FIGURES = ['data-org=', 'data-count=', 'Last processing run', 'No processing run yet', 'GitHub fetches waiting', '/api/github/webhooks', 'href="/orgs/acme"'];

  it('offers sign-in and shows nothing of any org to someone signed out', async () => {
    const html = await (await page('/')).text();
    expect(html).toContain('<a href="/auth/sign-in">Sign in with GitHub</a>');
    expect(html).toContain('Connected.');
    for (const figure of ORG_FIGURES) expect(html).not.toContain(figure);
  });

  it('shows nothing of an org to someone signed in without access to it', async () => {
    const outsider = await sessionOf('hugo', null);
    const html = await (await page('/', outsider)).text();
    expect(html).toContain('Signed in as <strong>hugo</strong>');
    expect(html).toContain('None of the organizations this app is installed on shows you its metrics.');
    for (const figure of ORG_FIGURES) expect(html).not.toContain(figure);
  });

  it("shows the org's figures, its last run and the webhook address to someone who may see it", async () => {
    const owner = await sessionOf('hana', 'admin');
    const html = await (await page('/', owner)).text();
    expect(html).toContain('Signed in as <strong>hana</strong>');
    expect(html).toContain('<a href="/orgs/acme">acme</a>');
    const section = html.slice(html.indexOf('data-org="acme"'));
    const counts = Object.fromEntries([...section.matchAll(/data-count="([a-z_]+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
    // acme/widgets, PR #42 (merged) and the two commits of the recorded session.
    expect(counts).toEqual({ repositories: 1, pull_requests: 1, merged_pull_requests: 1, commits: 2 });
    expect(section).toMatch(/Last processing run: succeeded, 20\d\d-/);
    expect(html).toContain(`GitHub delivers webhooks to <code>${ORIGIN}/api/github/webhooks</code>`);
  });
});

describe('who sees what', () => {
  it('sends someone signed out to sign in, keeping where they were going', async () => {
    const res = await page(`/orgs/acme/pull-requests?${RANGE}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/sign-in?return_to=${encodeURIComponent(`/orgs/acme/pull-requests?${RANGE}`)}`);
  });

  it('shows an owner everything, asking GitHub once per few minutes', async () => {
    const cookie = await sessionOf('olivia', 'admin');
    const overview = await page(`/orgs/acme?${RANGE}`, cookie);
    expect(overview.status).toBe(200);
    const html = await overview.text();
    expect(html).toContain('data-metric="claude_code.cost_usd"');
    expect(html).toContain('href="/orgs/acme/settings"');
    // The role is remembered: no second membership call (nock would fail on an unmocked request).
    expect((await page(`/orgs/acme/settings`, cookie)).status).toBe(200);
  });

  it('shows members of a listed team the metrics, without spend or settings', async () => {
    await setViewerTeams(app.db, 'acme', ['platform'], 'test');
    const cookie = await sessionOf('tom', 'member');
    nockTeamMembership('acme', 'platform', 'tom', true);
    const overview = await page(`/orgs/acme?${RANGE}`, cookie);
    expect(overview.status).toBe(200);
    const html = await overview.text();
    expect(tileValues(html)['pull_requests.with_claude_code']).toBe(1);
    expect(html).not.toContain('data-metric="claude_code.cost_usd"');
    expect(html).not.toContain('data-chart="spend"');
    expect(html).not.toContain('/orgs/acme/settings');
    const settings = await page('/orgs/acme/settings', cookie);
    expect(settings.status).toBe(403);
    expect(await settings.text()).toContain('Only owners of acme manage its settings');
    const csv = await page(`/orgs/acme/users.csv?${RANGE}`, cookie);
    expect((await csv.text()).split('\n')[0]).not.toContain('cost_usd');
  });

  it('refuses members outside the listed teams and people outside the org, showing nothing of it', async () => {
    await setViewerTeams(app.db, 'acme', ['platform'], 'test');
    const member = await sessionOf('mia', 'member');
    nockTeamMembership('acme', 'platform', 'mia', false);
    const outsider = await sessionOf('xavier', null);
    for (const cookie of [member, outsider]) {
      const res = await page(`/orgs/acme?${RANGE}`, cookie);
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('may not see the metrics of acme');
      expect(html).not.toContain('data-metric');
      expect((await page(`/orgs/acme/users.csv?${RANGE}`, cookie)).status).toBe(403);
      expect((await page('/orgs/acme/users/dana', cookie)).status).toBe(403);
    }
  });

  it('counts a pending invitation as outside the org', async () => {
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'ivan', id: 77 });
    nockOrgMembership('acme', 'ivan', 'admin', { state: 'pending' });
    expect((await page('/orgs/acme', cookie)).status).toBe(403);
  });

  it('answers 502 when GitHub cannot say, and lets the next request ask again', async () => {
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'gina', id: 78 });
    nock('https://api.github.com').get('/orgs/acme/memberships/gina').reply(500, { message: 'boom' });
    const res = await page('/orgs/acme', cookie);
    expect(res.status).toBe(502);
    nockOrgMembership('acme', 'gina', 'admin');
    expect((await page(`/orgs/acme?${RANGE}`, cookie)).status).toBe(200);
  });
});

describe('empty states', () => {
  it('asks for the GitHub app on an org without an installation', async () => {
    const cookie = await sessionOf('olivia2', 'admin');
    nock.cleanAll();
    const res = await page('/orgs/initech', cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Install the GitHub app to view analytics.');
  });

  it('says data processing is in progress before the first run, then that no telemetry came yet', async () => {
    await upsertInstallation(app.db, {
      id: 999,
      accountId: 999,
      accountLogin: 'Globex',
      accountType: 'Organization',
      repositorySelection: 'all',
      status: 'active',
      createdAt: '2026-11-20T00:00:00Z',
      updatedAt: '2026-11-20T00:00:00Z',
    });
    nockInstallationTokenAnyTimes(999);
    const cookie = await signIn(app.http, { login: 'gabe', id: 79 });
    nockOrgMembership('Globex', 'gabe', 'admin');
    const before = await page('/orgs/globex', cookie);
    expect(before.status).toBe(200);
    expect(await before.text()).toContain('Data processing in progress');
    await runProcessing(app.db, { org: 'globex', fromDay: '2026-11-20', toDay: '2026-11-22' });
    const after = await page(`/orgs/globex?${RANGE}`, cookie);
    const html = await after.text();
    expect(html).toContain('No Claude Code telemetry yet.');
    expect(html).toContain('href="/orgs/globex/settings"');
    expect(tileValues(html)['pull_requests.with_claude_code']).toBe(0);
  });
});

describe('the pages show the API’s figures', () => {
  it('overview tiles equal the summary for the same range, for several ranges', async () => {
    const cookie = await sessionOf('olivia3', 'admin');
    for (const range of [RANGE, 'start_date=2026-11-21&end_date=2026-11-21', 'start_date=2026-11-22&end_date=2026-11-22']) {
      const html = await (await page(`/orgs/acme?${range}`, cookie)).text();
      // The headline tiles; the Usage, Spend and Outcomes sections are checked below (Durability in test/durability/).
      const tiles = Object.fromEntries(Object.entries(tileValues(html)).filter(([k]) => !/^(usage|spend|outcomes|durability)\./.test(k)));
      const summary = await (await api(`/summary?${range}`)).json();
      expect(Object.keys(tiles).sort()).toEqual([
        'claude_code.active_users',
        'claude_code.cost_usd',
        'claude_code.lines_accepted',
        'claude_code.suggestion_accept_rate',
        'lines_committed.with_claude_code',
        'pull_requests.with_claude_code',
        'pull_requests.with_claude_code_share',
      ]);
      for (const [metric, value] of Object.entries(tiles)) expect([range, metric, value]).toEqual([range, metric, at(summary, metric)]);
    }
    // And they are not all zero: PR #42 counts, with 22 of its lines.
    const full = tileValues(await (await page(`/orgs/acme?${RANGE}`, cookie)).text());
    expect(full['pull_requests.with_claude_code']).toBe(1);
    expect(full['lines_committed.with_claude_code']).toBe(22);
  });

  it('the Outcomes tiles and weekly chart of the overview and the person page are the outcomes API’s', async () => {
    const cookie = await sessionOf('olivia10', 'admin');
    const pages = [
      [`/orgs/acme?${RANGE}`, RANGE, 'outcomes'],
      [`/orgs/acme/users/dana?${RANGE}`, `${RANGE}&login=dana`, 'person-outcomes'],
      [`/orgs/acme/repositories/acme/widgets?${RANGE}`, `${RANGE}&repository=acme/widgets`, 'repository-outcomes'],
    ] as const;
    for (const [path, query, chartId] of pages) {
      const html = await (await page(path, cookie)).text();
      const outcomes = (await (await api(`/outcomes?${query}`)).json()) as any;
      const tiles = Object.entries(tileValues(html)).filter(([k]) => k.startsWith('outcomes.'));
      expect(tiles.map(([k]) => k).sort()).toEqual([
        // Spend is not known per repository.
        ...(chartId === 'repository-outcomes' ? [] : ['outcomes.cost_per_pr_usd']),
        'outcomes.cycle_time_hours.same_author.median_difference',
        'outcomes.cycle_time_hours.with_claude_code.median',
        'outcomes.reverts.with_claude_code.rate',
      ]);
      // A null comparison (not enough data) shows as an empty value.
      const field = (p: string) => p.split('.').reduce<any>((v, k) => (v === null ? null : v[k]), outcomes);
      for (const [metric, value] of tiles) expect([path, metric, value]).toEqual([path, metric, field(metric.slice('outcomes.'.length))]);
      // One PR, one person: not enough data for the same-people comparison, said in words.
      expect(html).toContain('Not enough data');
      const specs = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!);
      const chart = specs[chartId];
      expect(chart.views.cycle.datasets[0].data).toEqual(outcomes.weekly.map((w: any) => w.cycle_time_hours.with_claude_code.median));
      // Cost per PR per week, where spend is shown, with its "Show the numbers" table.
      if (chartId === 'repository-outcomes') expect(specs[`${chartId}-cost`]).toBeUndefined();
      else {
        expect(specs[`${chartId}-cost`].views.cost.datasets[0].data).toEqual(outcomes.weekly.map((w: any) => w.cost_per_pr_usd));
        expect(html).toContain(`data-chart="${chartId}-cost"`);
        expect(html).toContain('Cost per PR with Claude Code, per week: Cost per PR');
      }
    }
    // The overview links each repository's outcomes; an unknown repository is a 404 page.
    expect(await (await page(`/orgs/acme?${RANGE}`, cookie)).text()).toContain(`href="/orgs/acme/repositories/acme/widgets?${RANGE.replace('&', '&amp;')}"`);
    expect((await page(`/orgs/acme/repositories/acme/nothing?${RANGE}`, cookie)).status).toBe(404);
  });

  it('overview charts carry the daily rows of the API', async () => {
    const cookie = await sessionOf('olivia4', 'admin');
    const html = await (await page(`/orgs/acme?${RANGE}`, cookie)).text();
    const specs = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!);
    const daily = ((await (await api(`/daily?${RANGE}`)).json()) as { data: Record<string, number>[] }).data;
    expect(specs.merged.views.prs.datasets[0].data).toEqual(daily.map((d) => d.pull_requests_merged_with_claude_code));
    expect(specs.merged.views.lines.datasets[0].data).toEqual(daily.map((d) => d.lines_committed_with_claude_code));
    expect(specs.merged.views.lines.datasets[1].data).toEqual(daily.map((d) => d.lines_committed_without_claude_code));
    expect(specs.adoption.views.adoption.datasets[0].data).toEqual(daily.map((d) => d.active_users));
    expect(specs.accepted.views.accepted.datasets[0].data).toEqual(daily.map((d) => d.lines_accepted));
    const spendPerDay: number[] = specs.spend.views.spend.datasets.reduce(
      (sum: number[], d: { data: number[] }) => sum.map((v, i) => v + d.data[i]!),
      daily.map(() => 0),
    );
    expect(spendPerDay.map((v) => v.toFixed(2))).toEqual(daily.map((d) => d.cost_usd!.toFixed(2)));
  });

  it('keeps a page’s figures until processing runs again', async () => {
    const cookie = await sessionOf('olivia9', 'admin');
    const shown = async () => tileValues(await (await page(`/orgs/acme?${RANGE}`, cookie)).text())['lines_committed.with_claude_code'];
    expect(await shown()).toBe(22);
    // Rollups change only through processing; a change behind its back shows after the next run.
    await app.db.run(sql`UPDATE daily_org_metrics SET lines_with_claude_code = 999 WHERE org = 'acme' AND lines_with_claude_code = 22`);
    expect(await shown()).toBe(22);
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
    expect(await shown()).toBe(22);
    await app.db.run(sql`UPDATE daily_org_metrics SET lines_with_claude_code = 999 WHERE org = 'acme' AND lines_with_claude_code = 22`);
    // A run going on leaves the page as it is, until it ends.
    await app.db.run(sql`INSERT INTO processing_runs (org, from_day, to_day, status, trigger, started_at, heartbeat_at) VALUES ('acme', '2026-11-20', '2026-11-20', 'running', 'test', '2026-11-21T00:00:00Z', '2026-11-21T00:00:01Z')`);
    expect(await shown()).toBe(22);
    await app.db.run(sql`UPDATE processing_runs SET status = 'failed', finished_at = '2026-11-21T00:00:02Z' WHERE trigger = 'test'`);
    expect(await shown()).toBe(999);
    await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
    expect(await shown()).toBe(22);
  });

  it('the person page equals the API’s user totals and lists their PRs with the evidence in words', async () => {
    const cookie = await sessionOf('olivia5', 'admin');
    const html = await (await page(`/orgs/acme/users/dana?${RANGE}`, cookie)).text();
    const { totals } = (await (await api(`/users/dana?${RANGE}`)).json()) as { totals: Record<string, unknown> };
    // The person's totals; the Outcomes section is checked below.
    const tiles = Object.fromEntries(Object.entries(tileValues(html)).filter(([k]) => !/^(outcomes|durability)\./.test(k)));
    expect(Object.keys(tiles).length).toBeGreaterThanOrEqual(7);
    for (const [metric, value] of Object.entries(tiles)) expect([metric, value]).toEqual([metric, totals[metric]]);
    expect(tiles.lines_with_claude_code).toBe(22);
    expect(html).toContain('data-pull-request="acme/widgets#42"');
    const { data } = (await (await api(`/pull-requests?${RANGE}`)).json()) as { data: { explanation: string[] }[] };
    for (const line of data[0]!.explanation) expect(html).toContain(line.replace(/"/g, '&quot;'));
    // The PR's link is beside the control that opens its evidence, not inside it (one control each).
    expect(html).not.toMatch(/<summary>(?:(?!<\/summary>)[^])*<a /);
    // Sessions are a count of another size than lines: their own axis, on the right.
    const charts = JSON.parse(/<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)![1]!);
    const activity = charts['person-activity'].views.activity;
    expect(activity.rightLabel).toBe('Sessions');
    expect(activity.datasets.map((d: { label: string; axis?: string }) => [d.label, d.axis ?? 'left'])).toEqual([
      ['Lines accepted', 'left'],
      ['Sessions', 'right'],
    ]);
  });

  it('serves a favicon, so no page logs a 404 for it', async () => {
    for (const path of ['/favicon.ico', '/assets/favicon.svg?v=5']) {
      const res = await page(path);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, 'image/svg+xml']);
      expect(await res.text()).toMatch(/^<svg /);
    }
    const html = await (await page(`/orgs/acme/users/dana?${RANGE}`, await sessionOf('fiona', 'admin'))).text();
    expect(html).toContain('<link rel="icon" href="/assets/favicon.svg?v=5" type="image/svg+xml"/>');
  });

  it('the pull requests page filters with / without and expands each PR to its evidence', async () => {
    const cookie = await sessionOf('olivia6', 'admin');
    const withCc = await (await page(`/orgs/acme/pull-requests?${RANGE}&with_claude_code=true`, cookie)).text();
    expect(withCc).toContain('data-pull-request="acme/widgets#42"');
    expect(withCc).toMatch(/22 of 23 lines match what Claude Code wrote in session|match what Claude Code wrote/);
    const without = await (await page(`/orgs/acme/pull-requests?${RANGE}&with_claude_code=false`, cookie)).text();
    expect(without).not.toContain('data-pull-request=');
    expect(without).toContain('No merged pull requests match in this range.');
  });

  it('Export all users gives the API’s CSV for the range', async () => {
    const cookie = await sessionOf('olivia7', 'admin');
    const res = await page(`/orgs/acme/users.csv?${RANGE}`, cookie);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-users-2026-11-20-2026-11-22.csv"');
    const fromPage = await res.text();
    const fromApi = await (await api(`/users?${RANGE}&format=csv`)).text();
    expect(fromPage).toBe(fromApi);
    const rows = parse(fromPage, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.login === 'dana')?.lines_with_claude_code).toBe('22');
  });

  it('rejects a bad date range with a clear page', async () => {
    const cookie = await sessionOf('olivia8', 'admin');
    const res = await page('/orgs/acme?start_date=2026-11-22&end_date=2026-11-01', cookie);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('start_date (2026-11-22) is after end_date (2026-11-01)');
    expect((await page('/orgs/acme?range=forever', cookie)).status).toBe(400);
  });
});

describe('the repositories page', () => {
  it('lists the API’s repositories with the same figures, each opening its page and its pull requests', async () => {
    const cookie = await sessionOf('rhea', 'admin');
    const html = await (await page(`/orgs/acme/repositories?${RANGE}`, cookie)).text();
    const { data } = (await (await api(`/repositories?${RANGE}`)).json()) as { data: Record<string, string | number>[] };
    expect(data.length).toBeGreaterThan(0);
    const shown = [...html.matchAll(/<tr data-repository="([^"]+)">/g)].map((m) => m[1]);
    expect(shown).toEqual(data.map((r) => r.repository));
    for (const r of data) {
      const row = new RegExp(`<tr data-repository="${r.repository}">([^]*?)</tr>`).exec(html)![1]!;
      const cells = Object.fromEntries([...row.matchAll(/data-field="([^"]+)" data-value="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]));
      expect(Object.keys(cells).length).toBe(6);
      for (const [field, value] of Object.entries(cells)) expect([r.repository, field, value]).toEqual([r.repository, field, r[field]]);
    }
    const kept = RANGE.replace('&', '&amp;');
    expect(html).toContain(`href="/orgs/acme/repositories/acme/widgets?${kept}"`);
    expect(html).toContain(`href="/orgs/acme/pull-requests?${kept}&amp;repository=acme%2Fwidgets"`);
    expect(html).toContain('aria-current="page">Repositories</a>');
    // A range without activity says so; a bad range is the pages' 400.
    expect(await (await page('/orgs/acme/repositories?start_date=2026-10-01&end_date=2026-10-02', cookie)).text()).toContain('No repository had activity in this range.');
    expect((await page('/orgs/acme/repositories?range=forever', cookie)).status).toBe(400);
  });
});

describe('moving between pages', () => {
  it('keeps the chosen range on every link to another page of figures: sections, people, authors, repositories', async () => {
    const cookie = await sessionOf('navigator', 'admin');
    const kept = RANGE.replace('&', '&amp;');
    const links = (html: string) => [...html.matchAll(/href="(\/orgs\/acme[^"]*)"/g)].map((m) => m[1]!);
    for (const path of ['/orgs/acme', '/orgs/acme/users', '/orgs/acme/users/dana', '/orgs/acme/pull-requests', '/orgs/acme/repositories', '/orgs/acme/repositories/acme/widgets']) {
      const html = await (await page(`${path}?${RANGE}`, cookie)).text();
      for (const section of ['/orgs/acme', '/orgs/acme/users', '/orgs/acme/pull-requests', '/orgs/acme/repositories']) expect([path, html]).toEqual([path, expect.stringContaining(`href="${section}?${kept}"`)]);
      // Settings has no range; every other link to a page of figures carries it.
      const figures = (await links(html)).filter((href) => !href.startsWith('/orgs/acme/settings') && !href.includes('range='));
      for (const href of figures) expect([path, href]).toEqual([path, expect.stringContaining(kept)]);
    }
    // The author of a PR in the list, and a person in the people list, open with the same range.
    expect(await (await page(`/orgs/acme/pull-requests?${RANGE}`, cookie)).text()).toContain(`href="/orgs/acme/users/dana?${kept}"`);
    expect(await (await page(`/orgs/acme/users?${RANGE}`, cookie)).text()).toContain(`href="/orgs/acme/users/dana?${kept}"`);
  });
});

describe('usage and spend on the overview', () => {
  it('shows everyone who may see the metrics the Usage section, with the API’s summaries for the range’s last day', async () => {
    const cookie = await sessionOf('uma', 'admin');
    const html = await (await page(`/orgs/acme?${RANGE}`, cookie)).text();
    expect(html).toContain('data-section="usage"');
    const tiles = tileValues(html);
    const { summaries } = (await (await api('/summaries?starting_date=2026-11-22&ending_date=2026-11-23')).json()) as { summaries: Record<string, number>[] };
    expect(tiles['usage.daily_active_users']).toBe(summaries[0]!.daily_active_user_count);
    expect(tiles['usage.weekly_active_users']).toBe(summaries[0]!.weekly_active_user_count);
    expect(tiles['usage.monthly_active_users']).toBe(summaries[0]!.monthly_active_user_count);
    // Dana and Sam used Claude Code on Nov 21: both count in the week and month to Nov 22, not on the day.
    expect([tiles['usage.daily_active_users'], tiles['usage.weekly_active_users'], tiles['usage.monthly_active_users']]).toEqual([0, 2, 2]);
    const summary = (await (await api(`/summary?${RANGE}`)).json()) as { claude_code: { sessions: number } };
    expect(tiles['usage.sessions']).toBe(summary.claude_code.sessions);
  });

  it('shows owners spend to date equal to the API’s totals for the same days, and the spend report CSV of the API', async () => {
    const cookie = await sessionOf('uma2', 'admin');
    const html = await (await page(`/orgs/acme?${RANGE}`, cookie)).text();
    expect(html).toContain('data-section="spend"');
    const tiles = tileValues(html);
    const today = new Date().toISOString().slice(0, 10);
    const month = (await (await api(`/summary?start_date=${today.slice(0, 8)}01&end_date=${today}`)).json()) as { claude_code: { cost_usd: number } };
    const year = (await (await api(`/summary?start_date=${today.slice(0, 4)}-01-01&end_date=${today}`)).json()) as { claude_code: { cost_usd: number } };
    expect(tiles['spend.month_to_date']).toBeCloseTo(month.claude_code.cost_usd, 6);
    expect(tiles['spend.year_to_date']).toBeCloseTo(year.claude_code.cost_usd, 6);
    expect(tiles['spend.year_to_date']).toBeGreaterThan(0);

    const res = await page(`/orgs/acme/spend-report.csv?period=custom&${RANGE}`, cookie);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-spend-report-2026-11-20-2026-11-22.csv"');
    const fromApi = await (await api(`/spend_report?${RANGE}`)).text();
    const fromPage = await res.text();
    expect(fromPage).toBe(fromApi);
    expect(parse(fromPage, { columns: true }).length).toBeGreaterThan(0);
    expect((await page('/orgs/acme/spend-report.csv?period=last_week', cookie)).status).toBe(400);
  });

  it('hides spend from members unless an owner allows it', async () => {
    await setViewerTeams(app.db, 'acme', ['platform'], 'test');
    const cookie = await sessionOf('tess', 'member');
    nockTeamMembership('acme', 'platform', 'tess', true);
    const html = await (await page(`/orgs/acme?${RANGE}`, cookie)).text();
    expect(html).toContain('data-section="usage"');
    expect(html).not.toContain('data-section="spend"');
    expect(html).not.toContain('spend-report.csv');
    expect((await page(`/orgs/acme/spend-report.csv?period=month_to_date`, cookie)).status).toBe(403);
    await setMembersSeeSpend(app.db, 'acme', true, 'test');
    expect(await (await page(`/orgs/acme?${RANGE}`, cookie)).text()).toContain('data-section="spend"');
    await setMembersSeeSpend(app.db, 'acme', false, 'test');
    await setViewerTeams(app.db, 'acme', [], 'test');
  });
});

describe('settings (owners)', () => {
  /** Posts a creating form and follows its redirect (post/redirect/get), as a browser does. */
  async function createAndFollow(path: string, cookie: string, form: Record<string, string> = {}) {
    const created = await post(path, cookie, form);
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/orgs/acme/settings');
    // The browser holds only a handle, scoped to the settings page: never the secret, never in the URL.
    const handle = created.headers.getSetCookie().find((c) => c.startsWith('ccm_created='))!;
    expect(handle).toMatch(/HttpOnly/);
    expect(handle).toMatch(/SameSite=Strict/);
    expect(handle).toMatch(/Path=\/orgs\/acme\/settings/);
    const withHandle = `${cookie}; ${cookieHeader(cookiesOf(created))}`;
    const res = await page('/orgs/acme/settings', withHandle);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const secret = /<code id="new-secret">([^<]+)<\/code>/.exec(html)![1]!;
    expect(handle).not.toContain(secret);
    // A reload (even with the handle still sent) shows it no more and creates nothing.
    const reload = await (await page('/orgs/acme/settings', withHandle)).text();
    expect(reload).not.toContain(secret);
    expect(reload).not.toContain('id="new-secret"');
    return { html, secret };
  }

  it('creates an ingest token shown once, which Claude Code can then use, and revokes it', async () => {
    const cookie = await sessionOf('owen', 'admin');
    nockOrgMembership('acme', 'dana', 'member');
    const tokens = async () => (await app.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ingest_tokens`))!.n;
    const before = await tokens();
    const { html, secret: token } = await createAndFollow('/orgs/acme/settings/ingest-tokens', cookie, { login: 'dana' });
    expect(await tokens()).toBe(before + 1);
    expect(await findIngestToken(app.db, token)).toMatchObject({ org: 'acme', githubLogin: 'dana' });
    // The managed settings carry the new token and this server's address.
    expect(html).toContain(`Authorization=Bearer ${token}`);
    expect(html).toContain(`&quot;OTEL_EXPORTER_OTLP_ENDPOINT&quot;: &quot;${ORIGIN}&quot;`);
    const again = await (await page('/orgs/acme/settings', cookie)).text();
    expect(again).not.toContain(token);
    const id = (await findIngestToken(app.db, token))!.id;
    // Revoke asks first, naming what stops working.
    const confirm = await page(`/orgs/acme/settings/ingest-tokens/${id}/revoke`, cookie);
    expect(confirm.status).toBe(200);
    const asked = await confirm.text();
    expect(asked).toContain('Revoke the personal ingest token for dana');
    expect(asked).toContain('dana&#39;s telemetry and edit hook calls) is refused from then on');
    expect(asked).toContain(`action="/orgs/acme/settings/ingest-tokens/${id}/revoke"`);
    expect(await findIngestToken(app.db, token)).toBeDefined();
    const revoked = await post(`/orgs/acme/settings/ingest-tokens/${id}/revoke`, cookie);
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/orgs/acme/settings?notice=token-revoked');
    expect(await findIngestToken(app.db, token)).toBeUndefined();
    // Once revoked there is nothing to confirm.
    expect((await page(`/orgs/acme/settings/ingest-tokens/${id}/revoke`, cookie)).status).toBe(404);
  });

  it('says an org token stops all telemetry sent with it, and an API key every reader', async () => {
    const cookie = await sessionOf('owen7', 'admin');
    const { secret: token } = await createAndFollow('/orgs/acme/settings/ingest-tokens', cookie);
    expect(await findIngestToken(app.db, token)).toMatchObject({ org: 'acme', githubLogin: null });
    const asked = await (await page(`/orgs/acme/settings/ingest-tokens/${(await findIngestToken(app.db, token))!.id}/revoke`, cookie)).text();
    expect(asked).toContain('Revoke the org ingest token');
    expect(asked).toContain('all telemetry and edit hook calls of every developer whose managed settings carry it stop');
    const key = await createApiKey(app.db, { org: 'acme' });
    const askedKey = await (await page(`/orgs/acme/settings/api-keys/${key.row.id}/revoke`, cookie)).text();
    expect(askedKey).toContain('reading the API with this key is refused (401)');
    // Another org's secret, or no number at all, is not found.
    expect((await page('/orgs/acme/settings/api-keys/999999/revoke', cookie)).status).toBe(404);
    expect((await page('/orgs/acme/settings/api-keys/x/revoke', cookie)).status).toBe(404);
  });

  it('refuses a personal token for a login that is not a member of the org, with a clear message, creating nothing', async () => {
    const cookie = await sessionOf('owen8', 'admin');
    const tokens = () => app.db.get(sql`SELECT count(*) AS n FROM ingest_tokens`);
    const before = await tokens();
    const outsider = nockOrgMembership('acme', 'mallory', null);
    const refused = await post('/orgs/acme/settings/ingest-tokens', cookie, { login: 'mallory' });
    expect(outsider.isDone()).toBe(true);
    expect(refused.status).toBe(400);
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('ccm_created='))).toBe(false);
    expect(await refused.text()).toContain('mallory is not a member of acme on GitHub, so no personal token was created');
    // An invitation not yet accepted is not membership either.
    nockOrgMembership('acme', 'ivy', 'member', { state: 'pending' });
    expect((await post('/orgs/acme/settings/ingest-tokens', cookie, { login: 'ivy' })).status).toBe(400);
    // GitHub not answering: nothing is created, and the page says so.
    nock('https://api.github.com').get('/orgs/acme/memberships/gus').reply(500, { message: 'boom' });
    const failed = await post('/orgs/acme/settings/ingest-tokens', cookie, { login: 'gus' });
    expect(failed.status).toBe(502);
    expect(await failed.text()).toContain('GitHub did not answer whether gus is a member of acme; nothing was created');
    expect(await tokens()).toEqual(before);
  });

  it('creates an API key that reads the API, and refuses a bad login with a 400 that changes nothing', async () => {
    const cookie = await sessionOf('owen2', 'admin');
    const keys = async () => (await app.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM api_keys`))!.n;
    const keysBefore = await keys();
    const { secret: key } = await createAndFollow('/orgs/acme/settings/api-keys', cookie);
    expect(await keys()).toBe(keysBefore + 1);
    expect((await app.http.request('/api/v1/orgs/acme/summary', { headers: { 'x-api-key': key } })).status).toBe(200);
    const before = (await app.db.get(sql`SELECT count(*) AS n FROM ingest_tokens`));
    const bad = await post('/orgs/acme/settings/ingest-tokens', cookie, { login: 'not a login!' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('is not a GitHub login');
    expect(await app.db.get(sql`SELECT count(*) AS n FROM ingest_tokens`)).toEqual(before);
  });

  it('adds and removes an admin identity link; learned links cannot be removed', async () => {
    const cookie = await sessionOf('owen3', 'admin');
    const added = await post('/orgs/acme/settings/identity-links', cookie, { kind: 'email', value: 'Sam@Example.com', login: 'sam' });
    expect(added.status).toBe(303);
    const html = await (await page('/orgs/acme/settings', cookie)).text();
    expect(html).toContain('data-link="email:sam@example.com"');
    expect((await post('/orgs/acme/settings/identity-links/remove', cookie, { kind: 'email', value: 'sam@example.com' })).status).toBe(303);
    expect(await (await page('/orgs/acme/settings', cookie)).text()).not.toContain('data-link="email:sam@example.com"');
    const learned = (await app.db.get(sql`SELECT kind, value FROM identity_links WHERE org = 'acme' AND source <> 'admin' LIMIT 1`)) as { kind: string; value: string };
    const refused = await post('/orgs/acme/settings/identity-links/remove', cookie, learned);
    expect(refused.status).toBe(400);
    expect((await post('/orgs/acme/settings/identity-links', cookie, { kind: 'email', value: 'nope', login: 'sam' })).status).toBe(400);
    // Bounded like telemetry's identity fields: a 60 KB value is refused and not stored.
    const links = () => app.db.get(sql`SELECT count(*) AS n FROM identity_links WHERE org = 'acme'`);
    const before = await links();
    for (const [kind, value] of [['email', `${'a'.repeat(60_000)}@example.com`], ['account_uuid', 'u'.repeat(129)]]) {
      const long = await post('/orgs/acme/settings/identity-links', cookie, { kind: kind!, value: value!, login: 'sam' });
      expect(long.status).toBe(400);
      const text = await long.text();
      expect(text).toMatch(/is longer than (254|128) characters/);
      expect(text).not.toContain('a'.repeat(300));
    }
    expect(await links()).toEqual(before);
  });

  it('saves the viewer teams and spend visibility, and refuses a bad team slug', async () => {
    const cookie = await sessionOf('owen4', 'admin');
    expect((await post('/orgs/acme/settings/access', cookie, { viewer_teams: 'Platform\nmobile-apps', members_see_spend: '1' })).status).toBe(303);
    // Saving forgets remembered roles, so the next page asks GitHub again.
    nockOrgMembership('acme', 'owen4', 'admin');
    const html = await (await page('/orgs/acme/settings', cookie)).text();
    expect(html).toContain('mobile-apps\nplatform');
    expect(html).toMatch(/name="members_see_spend" value="1" checked/);
    const bad = await post('/orgs/acme/settings/access', cookie, { viewer_teams: 'no/slashes' });
    expect(bad.status).toBe(400);
    await setViewerTeams(app.db, 'acme', [], 'test');
  });

  it('processes now from the settings page', async () => {
    const cookie = await sessionOf('owen5', 'admin');
    const before = ((await app.db.get(sql`SELECT count(*) AS n FROM processing_runs`)) as { n: number }).n;
    const res = await post('/orgs/acme/settings/process', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/notice=processing-(started|busy)/);
    await expect.poll(() => app.db.get(sql`SELECT status FROM processing_runs WHERE trigger = 'page' ORDER BY id DESC`), { timeout: 15_000 }).toEqual({
      status: 'succeeded',
    });
    expect(((await app.db.get(sql`SELECT count(*) AS n FROM processing_runs`)) as { n: number }).n).toBe(before + 1);
  });

  it('refuses a form posted from another site', async () => {
    const cookie = await sessionOf('owen6', 'admin');
    nock.cleanAll();
    const res = await page('/orgs/acme/settings/api-keys', cookie, {
      method: 'POST',
      body: new URLSearchParams({}),
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
  });
});
