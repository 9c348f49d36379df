import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { storeTeamsScenario, TEAMS_RANGE } from '../helpers/teams-scenario.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';
import { setViewerTeams } from '../../src/db/org-settings.js';
import { addTeamMember, removeTeamMember } from '../../src/db/teams.js';

/*
 * The Teams page, the team filter on the overview, people, pull requests and repositories pages
 * (kept in links like the range), and "Not using Claude Code yet", on the scenario of
 * test/helpers/teams-scenario.ts. Figures are compared with the API's `team=` answers.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let owner: string;
let member: string;
let apiKey: string;

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  await storeTeamsScenario(app.http, app.db, (await createIngestToken(app.db, { org: 'acme' })).token);
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
  await setViewerTeams(app.db, 'acme', ['managers'], 'test');
  member = await signIn(app.http, { login: 'mia', id: 4714 });
  nockOrgMembership('acme', 'mia', 'member');
  nockTeamMembership('acme', 'managers', 'mia', true);
}, 60_000);
afterAll(() => cleanup());

const page = async (path: string, cookie = owner) => {
  const res = await app.http.request(path, { headers: { cookie } });
  expect([path, res.status]).toEqual([path, 200]);
  return res.text();
};
const api = async (path: string) => (await (await app.http.request(`/api/v1/orgs/acme/${path}`, { headers: { 'x-api-key': apiKey } })).json()) as any;
const attr = (body: string, name: string) => [...body.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
const amp = (s: string) => s.replaceAll('&', '&amp;');

describe('the Teams page', () => {
  it('lists every team with the API’s figures, each linking to the overview filtered by it', async () => {
    const body = await page(`/orgs/acme/teams?${TEAMS_RANGE}`);
    const { data } = await api(`teams?${TEAMS_RANGE}`);
    expect(attr(body, 'data-team')).toEqual(['data', 'platform', 'web']);
    for (const row of data) {
      const tr = body.slice(body.indexOf(`data-team="${row.slug}"`));
      const cells = tr.slice(0, tr.indexOf('</tr>'));
      for (const field of ['members', 'pull_requests_merged', 'pull_requests_with_claude_code', 'lines_with_claude_code', 'active_users', 'cost_usd']) {
        expect(cells, `${row.slug} ${field}`).toContain(`data-field="${field}" data-value="${row[field]}"`);
      }
      expect(cells).toContain(`href="/orgs/acme?${amp(`${TEAMS_RANGE}&team=${row.slug}`)}"`);
    }
    expect(body).toContain('aria-current="page">Teams</a>');
  });

  it('shows spend only to those who may see it', async () => {
    expect(await page(`/orgs/acme/teams?${TEAMS_RANGE}`, member)).not.toContain('data-field="cost_usd"');
  });
});

describe('the team filter', () => {
  it('overview: the tiles are the API’s team summary; the range picker offers the teams and keeps the chosen one', async () => {
    const body = await page(`/orgs/acme?${TEAMS_RANGE}&team=platform`);
    const s = await api(`summary?${TEAMS_RANGE}&team=platform`);
    const tile = (metric: string) => body.match(new RegExp(`data-metric="${metric.replace('.', '\\.')}" data-value="([^"]*)"`))![1];
    expect(tile('pull_requests.with_claude_code')).toBe(String(s.pull_requests.with_claude_code));
    expect(tile('lines_committed.with_claude_code')).toBe(String(s.lines_committed.with_claude_code));
    expect(tile('claude_code.active_users')).toBe('2');
    expect(tile('claude_code.cost_usd')).toBe('0.6');
    expect(body).toContain('<option value="platform" selected="">Platform (platform)</option>');
    expect(body).toContain('<option value="data">data</option>');
    // The sections' links and the presets keep the team like the range.
    expect(body).toContain(`href="/orgs/acme/users?${amp(`${TEAMS_RANGE}&team=platform`)}"`);
    expect(body).toContain(`href="/orgs/acme?${amp('team=platform&range=7d')}"`);
    // The org-wide sections are left out, and the page says so.
    expect(body).toContain('data-team-note');
    const whole = await page(`/orgs/acme?${TEAMS_RANGE}`);
    expect(whole.match(/data-metric="pull_requests\.with_claude_code" data-value="(\d+)"/)![1]).toBe('2');
  });

  it('people: the team’s people, sorting and searching keep the team', async () => {
    const body = await page(`/orgs/acme/users?${TEAMS_RANGE}&team=web`);
    expect(attr(body, 'data-person')).toEqual(['alice', 'carol']);
    expect(body).toContain(`href="/orgs/acme/users?${amp(`${TEAMS_RANGE}&team=web&sort=person&dir=asc`)}"`);
    expect(body).toContain('<input type="hidden" name="team" value="web"/>');
    // A person's page is the person's whole figures, and keeps the team for the pages after it.
    const person = await page(`/orgs/acme/users/alice?${TEAMS_RANGE}&team=web`);
    expect(person).toContain(`href="/orgs/acme/users/alice?${amp('team=web&range=7d')}"`);
    expect(person).toContain(`href="/orgs/acme/pull-requests?${amp(`${TEAMS_RANGE}&team=web`)}"`);
  });

  it('pull requests: the PRs the team’s people merged while in it', async () => {
    const body = await page(`/orgs/acme/pull-requests?${TEAMS_RANGE}&team=data`);
    expect(attr(body, 'data-pull-request')).toEqual(['acme/widgets#5']);
    expect(attr(body, 'data-total')).toEqual(['1']);
    const web = await page(`/orgs/acme/pull-requests?${TEAMS_RANGE}&team=web&with_claude_code=true`);
    expect(attr(web, 'data-pull-request')).toEqual(['acme/widgets#3', 'acme/widgets#1']);
  });

  it('repositories: the API’s team rows', async () => {
    const body = await page(`/orgs/acme/repositories?${TEAMS_RANGE}&team=platform`);
    const { data } = await api(`repositories?${TEAMS_RANGE}&team=platform`);
    expect(data).toHaveLength(1);
    expect(body).toContain(`data-field="pull_requests_merged" data-value="${data[0].pull_requests_merged}"`);
    expect(body).toContain(`data-field="lines_with_claude_code" data-value="${data[0].lines_with_claude_code}"`);
  });

  it('an unknown team is a 404 page, a malformed one a 400 page; an empty one (the "All teams" choice) is no filter', async () => {
    const unknown = await app.http.request(`/orgs/acme?${TEAMS_RANGE}&team=nobody`, { headers: { cookie: owner } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('acme has no team &quot;nobody&quot;');
    expect((await app.http.request(`/orgs/acme/users?${TEAMS_RANGE}&team=%3Cscript%3E`, { headers: { cookie: owner } })).status).toBe(400);
    const all = await page(`/orgs/acme/users?${TEAMS_RANGE}&team=`);
    expect(attr(all, 'data-person')).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'dave', 'erin']));
  });
});

describe('a team and a repository together', () => {
  it('pages of figures narrow to one of them (both is a 400 page); the PR list narrows to both and its links keep only the team', async () => {
    for (const path of ['/orgs/acme', '/orgs/acme/users', '/orgs/acme/users/alice']) {
      const res = await app.http.request(`${path}?${TEAMS_RANGE}&team=web&repository=acme/widgets`, { headers: { cookie: owner } });
      expect([path, res.status]).toEqual([path, 400]);
      expect(await res.text()).toContain('Narrow the figures to a team or to a repository, not both.');
    }
    const both = await page(`/orgs/acme/pull-requests?${TEAMS_RANGE}&team=web&repository=acme/widgets&with_claude_code=true`);
    expect(attr(both, 'data-pull-request')).toEqual(['acme/widgets#3', 'acme/widgets#1']);
    const elsewhere = await page(`/orgs/acme/pull-requests?${TEAMS_RANGE}&team=web&repository=acme/gadgets`);
    expect(attr(elsewhere, 'data-pull-request')).toEqual([]);
    // Every link from it to another page of figures carries the team and not the repository, so none answers 400.
    const links = attr(both, 'href').filter((h) => /^\/orgs\/acme(\/users[^?]*|\/repositories|\/teams)?\?/.test(h));
    expect(links.length).toBeGreaterThan(0);
    for (const href of links) {
      expect(href).toContain('team=web');
      expect(href).not.toContain('repository=');
    }
  });
});

describe('Not using Claude Code yet', () => {
  it('lists the org’s members with no telemetry in the range (of the team, when filtered)', async () => {
    // alice (11-02) and bob (11-03) sent telemetry; carol and dave never did. erin did, but is not a member.
    const body = await page(`/orgs/acme/users?${TEAMS_RANGE}`);
    expect(attr(body, 'data-not-using')).toEqual(['2']);
    expect(attr(body, 'data-login')).toEqual(['carol', 'dave']);
    const web = await page(`/orgs/acme/users?${TEAMS_RANGE}&team=web`);
    expect(attr(web, 'data-login')).toEqual(['carol']);
    // On 11-04 alone nobody sent telemetry.
    const lastDay = await page('/orgs/acme/users?start_date=2026-11-04&end_date=2026-11-04');
    expect(attr(lastDay, 'data-login')).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('says so when the member list is unknown', async () => {
    await app.db.run(sql`UPDATE org_settings SET members_listed_at = NULL WHERE org = 'acme'`);
    try {
      const body = await page(`/orgs/acme/users?${TEAMS_RANGE}`);
      expect(attr(body, 'data-not-using')).toEqual(['unknown']);
      expect(body).toContain('The org&#39;s member list is not known yet');
    } finally {
      await app.db.run(sql`UPDATE org_settings SET members_listed_at = '2026-11-01T00:00:00.000Z' WHERE org = 'acme'`);
    }
  });
});

describe('a membership change between processing runs', () => {
  it('shows at once on the team’s pages (cached figures follow the member lists, not only the runs)', async () => {
    const row = async () => {
      const body = await page(`/orgs/acme/teams?${TEAMS_RANGE}`);
      const tr = body.slice(body.indexOf('data-team="web"'));
      return tr.slice(0, tr.indexOf('</tr>'));
    };
    expect(await row()).toContain('data-field="pull_requests_merged" data-value="2"');
    expect(attr(await page(`/orgs/acme/users?${TEAMS_RANGE}&team=web`), 'data-person')).toEqual(['alice', 'carol']);
    // bob joins web (as the `membership.added` webhook stores it): his #2 of 11-03 is the team's now.
    await app.db.transaction(async (tx) => await addTeamMember(tx, 'acme', { id: 2 }, 'bob', '2026-12-01T00:00:00.001Z'));
    expect(await row()).toContain('data-field="pull_requests_merged" data-value="3"');
    expect(attr(await page(`/orgs/acme/users?${TEAMS_RANGE}&team=web`), 'data-person')).toEqual(['alice', 'bob', 'carol']);
    expect((await api(`outcomes?${TEAMS_RANGE}&team=web`)).size_lines.without_claude_code.count).toBe(1);
    await app.db.transaction(async (tx) => await removeTeamMember(tx, 'acme', 2, 'bob', '2026-12-01T00:00:00.002Z'));
    expect(await row()).toContain('data-field="pull_requests_merged" data-value="2"');
    expect((await api(`outcomes?${TEAMS_RANGE}&team=web`)).size_lines.without_claude_code.count).toBe(0);
  });
});
