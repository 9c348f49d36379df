import { sql } from 'drizzle-orm';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getOrgSettings } from '../../src/db/org-settings.js';
import { orgGitHubTeams, orgMemberLogins, teamSlugOf } from '../../src/db/teams.js';
import { githubApp, githubJobHandlers } from '../../src/github/app.js';
import { listOrgTeams } from '../../src/github/org-member-count.js';
import { webhookPayloadProblem } from '../../src/github/webhook-payloads.js';
import { createProbot } from '../../src/github/probot.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { INSTALLATION_ID, installationPayload, webhookExamples } from '../helpers/github-payloads.js';
import { GITHUB_API, nockInstallationToken, nockOrgMembers } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { silentLog, TEST_FINGERPRINT_KEY, testCredentials } from '../helpers/test-probot.js';

/*
 * The org's members and teams (spec: Teams): read by the daily member job with the installation
 * token, kept current by the `organization`, `team` and `membership` webhooks (driven with
 * @octokit/webhooks-examples payloads).
 */

const T0 = Date.parse('2026-11-21T21:10:05Z');
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let deliveries = 0;

beforeEach(async () => {
  t = await createTestDb();
  probot = createProbot({ credentials: testCredentials(), baseUrl: GITHUB_API, log: silentLog, octokitRetries: false });
  await probot.load(githubApp({ db: t.db, now: () => new Date(T0), countMembers: true }));
});

afterEach(async () => {
  await t.cleanup();
});

const receive = (name: string, payload: object) => probot.receive({ id: `d-${++deliveries}`, name, payload } as never);

function worker() {
  return new JobWorker({
    db: t.db,
    log: silentLog,
    pollIntervalMs: 1000,
    now: () => T0,
    random: () => 0.5,
    handlers: githubJobHandlers({ db: t.db, octokitFor: (id) => probot.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog, now: () => new Date(T0) }),
  });
}

const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);

describe('the member job', () => {
  it('stores the member list and every team with its members, across pages, replacing the previous lists whole', async () => {
    await receive('installation', installationPayload('created'));
    nockInstallationToken(INSTALLATION_ID);
    const platform = many('dev', 150); // two pages of members
    nockOrgMembers('acme', 0, GITHUB_API, {
      logins: ['Dana', 'sam', ...platform],
      teams: [
        { id: 11, slug: 'platform', name: 'Platform', members: ['Dana', ...platform] },
        { id: 12, slug: 'web', name: 'Web', members: ['Dana', 'sam'] },
      ],
    });
    expect(await worker().runDueJobs()).toBe(1);
    expect(nock.pendingMocks()).toEqual([]);

    expect(await orgMemberLogins(t.db, 'acme')).toHaveLength(152);
    expect((await orgMemberLogins(t.db, 'acme'))!.slice(0, 2)).toEqual(['Dana', 'dev-001']);
    const teams = await orgGitHubTeams(t.db, 'acme');
    expect(teams.map((x) => [x.slug, x.name, x.members.length])).toEqual([
      ['platform', 'Platform', 151],
      ['web', 'Web', 2],
    ]);
    expect(await getOrgSettings(t.db, 'acme')).toMatchObject({ memberCount: 152, memberCountAt: new Date(T0).toISOString() });

    // The next day's run: sam left the org and web was deleted.
    await t.db.run(sql`UPDATE org_settings SET member_count_at = '2026-11-20T00:00:00.000Z'`);
    const { enqueueStaleMemberCounts } = await import('../../src/github/org-member-count.js');
    await enqueueStaleMemberCounts(t.db, new Date(T0));
    nockOrgMembers('acme', 0, GITHUB_API, { logins: ['Dana'], teams: [{ id: 11, slug: 'platform', name: 'Platform', members: ['Dana'] }] });
    await worker().runDueJobs();
    expect(await orgMemberLogins(t.db, 'acme')).toEqual(['Dana']);
    expect(await orgGitHubTeams(t.db, 'acme')).toEqual([{ id: 11, slug: 'platform', name: 'Platform', members: ['Dana'] }]);
  });

  it('a GitHub failure while reading teams keeps the previous lists whole (nothing is written halfway)', async () => {
    await receive('installation', installationPayload('created'));
    nockInstallationToken(INSTALLATION_ID);
    nock(GITHUB_API).get('/orgs/acme/members').query(true).reply(200, [{ login: 'dana', id: 1, type: 'User' }]);
    nock(GITHUB_API).get('/orgs/acme/teams').query(true).reply(502, { message: 'Server Error' });
    await worker().runDueJobs();
    expect(await orgMemberLogins(t.db, 'acme')).toBeNull(); // never listed: unknown, not empty
    expect((await getOrgSettings(t.db, 'acme')).memberCount).toBeNull();
  });

  it('reads at most the capped number of teams and members per team', async () => {
    nockInstallationToken(INSTALLATION_ID);
    const octokit = await probot.auth(INSTALLATION_ID);
    nock(GITHUB_API)
      .get('/orgs/acme/teams')
      .query(true)
      .reply(200, [
        { id: 1, slug: 'a', name: 'A' },
        { id: 2, slug: 'b', name: 'B' },
        { id: 3, slug: 'c', name: 'C' },
      ]);
    nock(GITHUB_API).get('/orgs/acme/teams/a/members').query(true).reply(200, [{ login: 'x' }, { login: 'y' }, { login: 'z' }]);
    nock(GITHUB_API).get('/orgs/acme/teams/b/members').query(true).reply(200, [{ login: 'x' }]);
    const listed = await listOrgTeams(octokit, 'acme', { maxTeams: 2, maxTeamMembers: 2 });
    expect(listed.teams).toEqual([
      { id: 1, slug: 'a', name: 'A', members: ['x', 'y'] },
      { id: 2, slug: 'b', name: 'B', members: ['x'] },
    ]);
    expect(listed.cut).toEqual(['teams past 2', 'members of a past 2']);
  });
});

describe('webhooks keep members and teams current (@octokit/webhooks-examples)', () => {
  const org = 'octocoders'; // the examples' organization, stored lowercase

  it('organization.member_added / member_removed add and remove a member (and take a leaver out of every team)', async () => {
    await t.db.run(sql`INSERT INTO org_settings (org, updated_at, members_listed_at) VALUES ('octocoders', 'x', 'x')`);
    const added = webhookExamples('organization', 'member_added')[0]!;
    await receive('organization', added);
    expect(await orgMemberLogins(t.db, org)).toEqual(['hacktocat']);

    const joined = webhookExamples('membership', 'added')[0]!;
    await receive('membership', { ...joined, member: { ...joined.member, login: 'hacktocat' } });
    expect(await orgGitHubTeams(t.db, org)).toEqual([{ id: 3253328, slug: 'github', name: 'github', members: ['hacktocat'] }]);

    await receive('organization', { ...added, action: 'member_removed' });
    expect(await orgMemberLogins(t.db, org)).toEqual([]);
    expect((await orgGitHubTeams(t.db, org))[0]!.members).toEqual([]);
  });

  it('membership.added stores an unknown team from the payload; removed takes the member out, even of a deleted team (no slug)', async () => {
    for (const payload of webhookExamples('membership', 'added')) await receive('membership', payload);
    expect(await orgGitHubTeams(t.db, org)).toEqual([{ id: 3253328, slug: 'github', name: 'github', members: ['Codertocat'] }]);
    const withoutSlug = webhookExamples('membership', 'removed').find((p) => p.team.slug === undefined)!;
    await receive('membership', withoutSlug);
    expect((await orgGitHubTeams(t.db, org))[0]!.members).toEqual([]);
  });

  it('team.created stores a team, edited renames it (same id, new slug, members kept), deleted removes it', async () => {
    await receive('team', webhookExamples('team', 'created')[0]!);
    await receive('membership', webhookExamples('membership', 'added')[0]!);
    const edited = webhookExamples('team', 'edited')[0]!;
    await receive('team', { ...edited, team: { ...edited.team, name: 'GitHub Core', slug: 'github-core' }, changes: { name: { from: 'github' } } });
    expect(await orgGitHubTeams(t.db, org)).toEqual([{ id: 3253328, slug: 'github-core', name: 'GitHub Core', members: ['Codertocat'] }]);
    await receive('team', webhookExamples('team', 'deleted')[0]!);
    expect(await orgGitHubTeams(t.db, org)).toEqual([]);
    expect(await t.db.get(sql`SELECT count(*) AS n FROM github_team_members`)).toEqual({ n: 0 });
  });

  it('the payload checks refuse a malformed slug, a team without one, a member without a login; they pass every example', () => {
    const created = webhookExamples('team', 'created')[0]!;
    expect(webhookPayloadProblem('team', { ...created, team: { ...created.team, slug: 'Not A Slug' } })).toBe('team.team.slug: not a team slug');
    expect(webhookPayloadProblem('team', { ...created, team: { id: 1, name: 'x' } })).toMatch(/^team\.team\.slug: /);
    const added = webhookExamples('membership', 'added')[0]!;
    expect(webhookPayloadProblem('membership', { ...added, member: { id: 1 } })).toMatch(/^membership\.member\.login: /);
    for (const event of ['membership', 'team', 'organization']) {
      for (const payload of webhookExamples(event)) expect(webhookPayloadProblem(event, payload), `${event}.${payload.action}`).toBeNull();
    }
  });
});

describe('teamSlugOf: a telemetry `team` attribute read as a team slug', () => {
  it.each([
    ['platform', 'platform'],
    ['Platform Team', 'platform-team'],
    ['  Web / Mobile  ', 'web-mobile'],
    ['data_eng', 'data_eng'],
    [42, '42'],
  ])('%j → %s', (value, slug) => expect(teamSlugOf(value)).toBe(slug));

  it.each([[''], ['---'], ['é'], ['x'.repeat(101)], [true], [null]])('%j names no team', (value) => expect(teamSlugOf(value)).toBeUndefined());
});
