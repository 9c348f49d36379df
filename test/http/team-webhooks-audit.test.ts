import { sql } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { createLogger } from '../../src/logger.js';
import { installationPayload, INSTALLATION_ID } from '../helpers/github-payloads.js';
import { testServerConfig, TEST_WEBHOOK_SECRET } from '../helpers/test-probot.js';
import { testServerDatabase } from '../helpers/test-app.js';

/*
 * The `membership`, `team` and `organization` webhooks, attacked over real HTTP (signed
 * deliveries, the app server on port 0, a real SQLite file): a delivery for acme never changes
 * globex's people or teams, whatever it names; a malformed or oversized one is refused in the
 * error shape and changes nothing; a redelivery changes nothing more; no body byte is logged.
 */

const MARKER = 'TEAM-MARKER-5d1e';
const GLOBEX_INSTALLATION = 4343;
const LIMIT = 64 * 1024;

let dir: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;
let app: AppServer;
let logged: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-team-hooks-'));
  database = await testServerDatabase();
  logged = [];
  const log = createLogger('trace', { write: (line: string) => void logged.push(line) });
  app = await startAppServer({ config: testServerConfig(dir, { ...database.env, WEBHOOK_MAX_BODY_BYTES: String(LIMIT) }), log, startWorker: false });
  // acme (installation 4242) and globex (4343), each with its teams as the member job stores them.
  expect((await deliver('installation', JSON.stringify(installationPayload('created')))).status).toBe(200);
  const globex = installationPayload('created');
  globex.installation = { ...globex.installation, id: GLOBEX_INSTALLATION, account: { ...globex.installation.account, login: 'Globex', id: 5002 } };
  globex.repositories = [];
  expect((await deliver('installation', JSON.stringify(globex))).status).toBe(200);
  await replaceOrgPeople(app.db, 'acme', { members: ['alice', 'bob'], teams: [{ id: 11, slug: 'platform', name: 'Platform', members: ['alice'] }] }, '2026-11-01T00:00:00.000Z');
  await replaceOrgPeople(
    app.db,
    'globex',
    {
      members: ['Gina', 'hal'],
      teams: [
        { id: 21, slug: 'infra', name: 'Infra', members: ['Gina'] },
        { id: 22, slug: 'web', name: 'Web', members: ['Gina', 'hal'] },
      ],
    },
    '2026-11-01T00:00:00.000Z',
  );
});

afterEach(async () => {
  await app?.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const sign = (body: string) => `sha256=${createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex')}`;

async function deliver(event: string, body: string, id: string = crypto.randomUUID()) {
  const res = await fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': sign(body) },
    body,
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** Every stored row of an org's people and teams, as the database returns them (value for value). */
async function peopleOf(org: string) {
  return {
    members: await app.db.all(sql`SELECT * FROM org_members WHERE org = ${org} ORDER BY user_key`),
    teams: await app.db.all(sql`SELECT * FROM github_teams WHERE org = ${org} ORDER BY id`),
    teamMembers: await app.db.all(sql`SELECT * FROM github_team_members WHERE org = ${org} ORDER BY team_id, user_key`),
    settings: await app.db.all(sql`SELECT * FROM org_settings WHERE org = ${org}`),
  };
}

const sender = { login: 'octocat', id: 1, type: 'User' };
const membership = (p: { action: 'added' | 'removed'; org: string; installation?: number; team: object; member: string }) =>
  JSON.stringify({
    action: p.action,
    scope: 'team',
    member: { login: p.member, id: 777, type: 'User' },
    team: p.team,
    organization: { login: p.org, id: 5001 },
    installation: { id: p.installation ?? INSTALLATION_ID },
    sender,
  });
const teamEvent = (p: { action: 'created' | 'edited' | 'deleted'; org: string; installation?: number; team: object }) =>
  JSON.stringify({ action: p.action, team: p.team, organization: { login: p.org, id: 5001 }, installation: { id: p.installation ?? INSTALLATION_ID }, sender });
const organizationEvent = (p: { action: 'member_added' | 'member_removed'; org: string; installation?: number; login?: string }) =>
  JSON.stringify({
    action: p.action,
    organization: { login: p.org, id: 5001 },
    ...(p.login === undefined ? {} : { membership: { user: { login: p.login, id: 778 }, role: 'member', state: 'active' } }),
    installation: { id: p.installation ?? INSTALLATION_ID },
    sender,
  });

describe('a delivery for one org never changes another', () => {
  it("acme's deliveries reusing globex's team ids, slugs and logins leave globex's rows as they were", async () => {
    const globexBefore = await peopleOf('globex');
    // A team id globex uses, a rename onto a slug globex holds, a member and a removal by globex's logins.
    expect((await deliver('membership', membership({ action: 'added', org: 'acme', team: { id: 21, slug: 'infra', name: 'Infra' }, member: 'hal' }))).status).toBe(200);
    expect((await deliver('team', teamEvent({ action: 'edited', org: 'acme', team: { id: 11, slug: 'web', name: 'Web' } }))).status).toBe(200);
    expect((await deliver('membership', membership({ action: 'removed', org: 'acme', team: { id: 22, slug: 'web', name: 'Web' }, member: 'Gina' }))).status).toBe(200);
    expect((await deliver('team', teamEvent({ action: 'deleted', org: 'acme', team: { id: 22, slug: 'web', name: 'Web' } }))).status).toBe(200);
    expect((await deliver('organization', organizationEvent({ action: 'member_removed', org: 'acme', login: 'GINA' }))).status).toBe(200);
    expect(await peopleOf('globex')).toEqual(globexBefore);
    // acme's own rows did change: team 11 renamed to web, team 21 (acme's now) holds hal.
    expect((await peopleOf('acme')).teams).toMatchObject([
      { id: 11, slug: 'web', name: 'Web' },
      { id: 21, slug: 'infra', name: 'Infra' },
    ]);
    expect((await peopleOf('acme')).teamMembers).toMatchObject([
      { team_id: 11, user_key: 'alice' },
      { team_id: 21, user_key: 'hal', login: 'hal' },
    ]);
  });

  it("the org's login in any case is the same org", async () => {
    expect((await deliver('membership', membership({ action: 'added', org: 'ACME', team: { id: 11, slug: 'platform', name: 'Platform' }, member: 'Bob' }))).status).toBe(200);
    expect((await deliver('organization', organizationEvent({ action: 'member_added', org: 'AcMe', login: 'Carol' }))).status).toBe(200);
    expect((await peopleOf('acme')).teamMembers).toMatchObject([
      { team_id: 11, user_key: 'alice' },
      { team_id: 11, user_key: 'bob', login: 'Bob' },
    ]);
    expect((await peopleOf('acme')).members.map((m) => (m as { user_key: string }).user_key)).toEqual(['alice', 'bob', 'carol']);
    expect(await app.db.all(sql`SELECT DISTINCT org FROM github_team_members WHERE org <> lower(org)`)).toEqual([]);
  });

  it("a delivery of acme's installation naming globex changes nothing of globex's (ignored, acknowledged)", async () => {
    const globexBefore = await peopleOf('globex');
    const acmeBefore = await peopleOf('acme');
    expect((await deliver('membership', membership({ action: 'added', org: 'globex', team: { id: 21, slug: 'infra', name: 'Infra' }, member: 'mallory' }))).status).toBe(200);
    expect((await deliver('team', teamEvent({ action: 'deleted', org: 'Globex', team: { id: 22, slug: 'web', name: 'Web' } }))).status).toBe(200);
    expect((await deliver('organization', organizationEvent({ action: 'member_removed', org: 'globex', login: 'hal' }))).status).toBe(200);
    expect(await peopleOf('globex')).toEqual(globexBefore);
    expect(await peopleOf('acme')).toEqual(acmeBefore);
    // globex's own installation is heard.
    expect((await deliver('organization', organizationEvent({ action: 'member_removed', org: 'globex', installation: GLOBEX_INSTALLATION, login: 'hal' }))).status).toBe(200);
    expect((await peopleOf('globex')).members).toMatchObject([{ user_key: 'gina' }]);
  });
});

describe('malformed and oversized deliveries are refused and change nothing', () => {
  it('each is a 400 (413 when oversized) in the error shape, stores nothing and logs no byte of it', async () => {
    const before = { acme: await peopleOf('acme'), globex: await peopleOf('globex') };
    const deliveriesBefore = (await app.db.get(sql`SELECT count(*) AS n FROM webhook_deliveries`));
    const refused = [
      // organization.member_* without its membership: GitHub always sends one.
      ['organization', organizationEvent({ action: 'member_added', org: 'acme' })],
      ['organization', JSON.stringify({ action: 'member_removed', organization: { login: '' }, membership: { user: { login: 'x' } } })],
      ['team', teamEvent({ action: 'created', org: 'acme', team: { id: 30, slug: `${MARKER} Not A Slug`, name: 'X' } })],
      ['team', teamEvent({ action: 'edited', org: 'acme', team: { id: '30', slug: 'x', name: 'X' } })],
      ['team', teamEvent({ action: 'created', org: 'acme', team: { id: 30, slug: 'x', name: MARKER.repeat(100) } })],
      ['team', teamEvent({ action: 'created', org: 'acme', team: { id: -1, slug: 'x', name: 'X' } })],
      ['team', JSON.stringify({ action: 'deleted', team: { id: 11, slug: 'platform', name: 'P' }, organization: { login: 'acme' }, installation: { id: 'globex' } })],
      ['membership', membership({ action: 'added', org: 'acme', team: { id: 11, slug: 'platform', name: 'Platform' }, member: 'x'.repeat(101) })],
      ['membership', JSON.stringify({ action: 'added', scope: 'team', member: { login: 'a' }, organization: { login: 'acme' } })],
      ['membership', JSON.stringify({ action: 'added', scope: 'team', member: { login: 'a' }, team: { id: 11, slug: 'platform', name: 'P' }, organization: { login: 'a'.repeat(101) } })],
    ] as const;
    for (const [event, body] of refused) {
      const res = await deliver(event, body);
      expect({ event, body: body.slice(0, 80), res }).toMatchObject({ res: { status: 400, body: { error: { type: 'invalid_request_error', message: expect.stringMatching(new RegExp(`^Malformed ${event} payload: `)) } } } });
      expect(JSON.stringify(res.body)).not.toContain(MARKER);
    }
    // Deeply nested and oversized bodies.
    const deep = `{"action":"added","scope":"team","team":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect((await deliver('membership', deep)).status).toBe(400);
    const big = membership({ action: 'added', org: 'acme', team: { id: 11, slug: 'platform', name: 'Platform', description: MARKER.repeat(LIMIT / 10) }, member: 'zed' });
    expect(await deliver('membership', big)).toMatchObject({ status: 413, body: { error: { type: 'invalid_request_error' } } });

    expect({ acme: await peopleOf('acme'), globex: await peopleOf('globex') }).toEqual(before);
    expect(await app.db.get(sql`SELECT count(*) AS n FROM webhook_deliveries`)).toEqual(deliveriesBefore);
    expect(logged.join('\n')).not.toContain(MARKER);
  });
});

describe('redelivery', () => {
  it('the same delivery id applied twice changes the rows once; a later removal is not undone by replaying the add', async () => {
    const add = membership({ action: 'added', org: 'acme', team: { id: 11, slug: 'platform', name: 'Platform' }, member: 'bob' });
    const id = crypto.randomUUID();
    expect((await deliver('membership', add, id)).status).toBe(200);
    const once = await peopleOf('acme');
    expect(once.teamMembers).toMatchObject([{ user_key: 'alice' }, { user_key: 'bob' }]);
    const removal = membership({ action: 'removed', org: 'acme', team: { id: 11, slug: 'platform', name: 'Platform' }, member: 'bob' });
    expect((await deliver('membership', removal)).status).toBe(200);
    const afterRemoval = await peopleOf('acme');
    // GitHub redelivers the add (same id): already applied, nothing changes.
    expect((await deliver('membership', add, id)).status).toBe(200);
    expect(await peopleOf('acme')).toEqual(afterRemoval);
    expect(afterRemoval.teamMembers).toMatchObject([{ user_key: 'alice' }]);
  });
});
