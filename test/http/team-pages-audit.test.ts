import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { upsertRepository } from '../../src/db/github-activity.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { setViewerTeams } from '../../src/db/org-settings.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { nockOrgMembership, nockTeamMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { metricsRequest } from '../helpers/otlp-builders.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { storeTeamsScenario, TEAMS_NOW, TEAMS_RANGE } from '../helpers/teams-scenario.js';
import { nockInstallationTokenAnyTimes, signIn } from '../helpers/web-session.js';

/*
 * The team and repository filters of the pages, and what the Teams page and "Not using Claude
 * Code yet" show, against another org's data and to people without spend, over real HTTP (the
 * app server on port 0, pages fetched with the session cookie). acme is the teams scenario
 * (test/helpers/teams-scenario.ts: platform costs $0.60, data $0.25, web $0.50); globex has a
 * GitHub team, a telemetry team, members and a repository of its own.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let owner: string;
let viewer: string;
let outsider: string;

keepNockMocksBetweenTests();
beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  await storeTeamsScenario(app.http, app.db, (await createIngestToken(app.db, { org: 'acme' })).token);
  await replaceOrgPeople(app.db, 'globex', { members: ['gina', 'hal'], teams: [{ id: 90, slug: 'gx-secret', name: 'Globex Secret', members: ['gina'] }] }, '2026-11-01T00:00:00.000Z');
  await app.db.transaction(async (tx) => await upsertRepository(tx, { id: 9901, ownerLogin: 'globex', name: 'secret', fullName: 'globex/secret', private: true }, null, '2026-11-01T00:00:00.000Z'));
  const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  const body = metricsRequest(
    [{ name: 'claude_code.session.count', value: 1, attributes: { 'session.id': 'gx-1', 'user.email': 'hal@globex.example' }, start: ns('2026-11-03T09:00:00Z'), time: ns('2026-11-03T10:00:00Z') }],
    { 'service.name': 'claude-code', 'github.login': 'hal', team: 'gx-telemetry' },
  );
  const res = await fetch(`${app.url}/v1/metrics`, {
    method: 'POST',
    headers: { authorization: `Bearer ${(await createIngestToken(app.db, { org: 'globex' })).token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  await runProcessing(app.db, { org: 'globex', fromDay: '2026-11-02', toDay: '2026-11-04', now: () => TEAMS_NOW });
  // globex's teams are stored (else the tests below would prove nothing).
  expect(await app.db.all(sql`SELECT org, team FROM daily_user_teams WHERE org = 'globex'`)).toEqual([{ org: 'globex', team: 'gx-telemetry' }]);
  nockInstallationTokenAnyTimes();
  owner = await signIn(app.http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
  await setViewerTeams(app.db, 'acme', ['managers'], 'test');
  viewer = await signIn(app.http, { login: 'mia', id: 4714 });
  nockOrgMembership('acme', 'mia', 'member');
  nockTeamMembership('acme', 'managers', 'mia', true);
  outsider = await signIn(app.http, { login: 'hal', id: 4715 });
  nockOrgMembership('acme', 'hal', null);
}, 60_000);
afterAll(() => cleanup());

const get = async (path: string, cookie: string) => {
  const res = await fetch(`${app.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, body: await res.text() };
};
const attr = (body: string, name: string) => [...body.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe("another org's team or repository on acme's pages", () => {
  it("team= naming globex's GitHub or telemetry team is the same 404 page as a team nobody has", async () => {
    for (const path of ['', '/users', '/repositories', '/pull-requests', '/teams']) {
      const nobody = await get(`/orgs/acme${path}?${TEAMS_RANGE}&team=nobody-here`, owner);
      expect([path, nobody.status]).toEqual([path, 404]);
      for (const slug of ['gx-secret', 'gx-telemetry', 'GX-SECRET']) {
        const theirs = await get(`/orgs/acme${path}?${TEAMS_RANGE}&team=${slug}`, owner);
        expect([path, slug, theirs.status]).toEqual([path, slug, 404]);
        expect(theirs.body.replace(slug.toLowerCase(), 'X')).toBe(nobody.body.replace('nobody-here', 'X'));
      }
    }
  });

  it("the team choices and the Teams page are acme's only", async () => {
    for (const path of ['/teams', '', '/users']) {
      const { body } = await get(`/orgs/acme${path}?${TEAMS_RANGE}`, owner);
      expect(body).not.toContain('gx-');
      expect(body).not.toContain('Globex');
    }
  });

  it("repository= naming globex's repository shows what one nobody has shows", async () => {
    for (const path of ['', '/users', '/pull-requests']) {
      const nobody = await get(`/orgs/acme${path}?${TEAMS_RANGE}&repository=nobody/nothing`, owner);
      const theirs = await get(`/orgs/acme${path}?${TEAMS_RANGE}&repository=globex/secret`, owner);
      expect([path, theirs.status]).toEqual([path, nobody.status]);
      expect(theirs.body.replaceAll('globex/secret', 'X').replaceAll('globex%2Fsecret', 'X')).toBe(nobody.body.replaceAll('nobody/nothing', 'X').replaceAll('nobody%2Fnothing', 'X'));
    }
    // The repository's own page: the same 404 as a repository nobody has.
    const theirs = await get(`/orgs/acme/repositories/globex/secret?${TEAMS_RANGE}`, owner);
    const nobody = await get(`/orgs/acme/repositories/nobody/nothing?${TEAMS_RANGE}`, owner);
    expect([theirs.status, nobody.status]).toEqual([404, 404]);
    expect(theirs.body.replace('globex/secret', 'X')).toBe(nobody.body.replace('nobody/nothing', 'X'));
  });

  it('malformed, overlong and repeated filters are 400 pages', async () => {
    for (const query of ['team=a%20b', `team=${'a'.repeat(101)}`, 'team=platform&team=web', 'repository=no-slash', `repository=a/${'b'.repeat(300)}`, 'repository=a/b&repository=c/d']) {
      const res = await get(`/orgs/acme/users?${TEAMS_RANGE}&${query}`, owner);
      expect([query.slice(0, 30), res.status]).toEqual([query.slice(0, 30), 400]);
    }
  });
});

describe('spend and team rows', () => {
  it('a viewer without spend sees no cost on the Teams page nor on any page filtered by a team, nor in the CSV', async () => {
    for (const path of [`/orgs/acme/teams?${TEAMS_RANGE}`, `/orgs/acme?${TEAMS_RANGE}&team=platform`, `/orgs/acme/users?${TEAMS_RANGE}&team=platform`, `/orgs/acme/repositories?${TEAMS_RANGE}&team=platform`]) {
      const { status, body } = await get(path, viewer);
      expect([path, status]).toEqual([path, 200]);
      expect(body, path).not.toMatch(/cost_usd|\$0\.60|\$0\.25|\$0\.50|data-field="cost/);
    }
    const csv = await get(`/orgs/acme/users.csv?${TEAMS_RANGE}&team=platform`, viewer);
    expect(csv.status).toBe(200);
    expect(csv.body.split('\n')[0]).not.toContain('cost');
    // The owner sees the same rows with spend.
    const teams = await get(`/orgs/acme/teams?${TEAMS_RANGE}`, owner);
    expect(teams.body).toContain('data-field="cost_usd" data-value="0.6"');
  });
});

describe('Not using Claude Code yet', () => {
  it("lists acme's members only (never globex's), to those who may see the People page", async () => {
    const { body } = await get(`/orgs/acme/users?${TEAMS_RANGE}`, viewer);
    expect(attr(body, 'data-login')).toEqual(['carol', 'dave']);
    expect(body).not.toContain('gina');
    // Someone who is not in acme sees no page of it at all, and nothing of its members.
    const refused = await get(`/orgs/acme/users?${TEAMS_RANGE}`, outsider);
    expect([403, 404]).toContain(refused.status);
    expect(refused.body).not.toContain('data-login');
    expect(refused.body).not.toContain('dave');
    expect((await get(`/orgs/acme/users?${TEAMS_RANGE}`, '')).body).not.toContain('dave');
  });
});

describe('ranges at the edge of the calendar', () => {
  // Years before 0001 and after 9999 are written differently (`-000001-12`), and the weekly
  // outcome buckets never stepped past them: such a range hung the whole server.
  it('a range in year 0 or 9999 is a 400 (page and API), never a hang', async () => {
    for (const range of ['start_date=0000-01-05&end_date=0000-01-20', 'start_date=9999-12-20&end_date=9999-12-31', 'start_date=1999-12-31&end_date=2000-01-02']) {
      for (const path of ['/orgs/acme', '/orgs/acme/users/alice', '/orgs/acme/repositories/acme/widgets']) {
        const res = await get(`${path}?${range}`, owner);
        expect([path, range, res.status]).toEqual([path, range, 400]);
      }
      const key = (await createApiKey(app.db, { org: 'acme' })).key;
      const api = await fetch(`${app.url}/api/v1/orgs/acme/outcomes?${range}`, { headers: { 'x-api-key': key } });
      expect(api.status).toBe(400);
      expect(await api.json()).toEqual({ error: { type: 'invalid_request_error', message: expect.stringContaining('2000-01-01 to 9998-12-31') } });
    }
    expect((await get(`/orgs/acme?start_date=2000-01-01&end_date=2000-01-31`, owner)).status).toBe(200);
  });
});
