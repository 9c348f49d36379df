import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { upsertRepository } from '../../src/db/github-activity.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { MAX_TELEMETRY_TEAMS_PER_DAY } from '../../src/processing/daily-rollup.js';
import { createLogger } from '../../src/logger.js';
import { metricsRequest } from '../helpers/otlp-builders.js';
import { testServerConfig } from '../helpers/test-probot.js';
import { testServerDatabase } from '../helpers/test-app.js';

/*
 * Teams across tenants, over real HTTP (the app server on port 0, a real SQLite file): acme's and
 * globex's ingest tokens name teams in telemetry; globex also has a GitHub team. acme's API key
 * never sees globex's teams, and asking for one is answered exactly like a team nobody has (no
 * existence oracle). One token flooding the `team` attribute with distinct values is bounded per
 * org and day. The attribute's values are never logged.
 */

const DAY = '2026-11-03';
const RANGE = `start_date=${DAY}&end_date=${DAY}`;
const MARKER = 'TEAMSECRET9c2';
const FLOOD = MAX_TELEMETRY_TEAMS_PER_DAY + 60;

let dir: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;
let app: AppServer;
let logged: string[];
let acmeKey: string;

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

/** One OTLP request holding one resource per session, each with its own `team` resource attribute. */
function telemetry(sessions: { login: string; team: string; session: string }[]) {
  const resourceMetrics = sessions.flatMap(
    (s) =>
      metricsRequest(
        [
          { name: 'claude_code.session.count', value: 1, attributes: { 'session.id': s.session, 'user.email': `${s.login}@example.com` }, start: ns(`${DAY}T09:00:00Z`), time: ns(`${DAY}T10:00:00Z`) },
          {
            name: 'claude_code.lines_of_code.count',
            value: 2,
            attributes: { 'session.id': s.session, 'user.email': `${s.login}@example.com`, type: 'added' },
            start: ns(`${DAY}T09:00:00Z`),
            time: ns(`${DAY}T10:00:00Z`),
          },
        ],
        { 'service.name': 'claude-code', 'github.login': s.login, team: s.team },
      ).resourceMetrics,
  );
  return JSON.stringify({ resourceMetrics });
}

async function send(token: string, body: string) {
  const res = await fetch(`${app.url}/v1/metrics`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-team-iso-'));
  database = await testServerDatabase();
  logged = [];
  const log = createLogger('trace', { write: (line: string) => void logged.push(line) });
  app = await startAppServer({ config: testServerConfig(dir, { ...database.env, API_RATE_LIMIT_PER_MINUTE: '10000' }), log, startWorker: false, now: () => new Date('2026-11-05T12:00:00Z') });
  const acme = (await createIngestToken(app.db, { org: 'acme' })).token;
  const globex = (await createIngestToken(app.db, { org: 'globex' })).token;
  await replaceOrgPeople(app.db, 'acme', { members: ['alice', 'bob', 'carol', 'Gina'], teams: [{ id: 1, slug: 'platform', name: 'Platform', members: ['alice'] }] }, '2026-11-01T00:00:00.000Z');
  await replaceOrgPeople(app.db, 'globex', { members: ['gina', 'hal'], teams: [{ id: 2, slug: `gh-${MARKER.toLowerCase()}`, name: 'Secret', members: ['gina'] }] }, '2026-11-01T00:00:00.000Z');
  await app.db.transaction(async (tx) =>
    await upsertRepository(tx, { id: 9901, ownerLogin: 'globex', name: 'secret', fullName: 'globex/secret', private: true }, null, '2026-11-01T00:00:00.000Z'),
  );
  // globex names a telemetry team; acme's three people share `shared`, and one token floods distinct names.
  await send(globex, telemetry([{ login: 'hal', team: MARKER, session: 'g-1' }]));
  await send(
    acme,
    telemetry([
      { login: 'alice', team: 'Shared', session: 'a-1' },
      { login: 'bob', team: 'shared', session: 'b-1' },
      { login: 'carol', team: 'SHARED', session: 'c-1' },
    ]),
  );
  const flood = Array.from({ length: FLOOD }, (_, i) => ({ login: 'mallory', team: `flood-${String(i).padStart(4, '0')}`, session: `m-${i}` }));
  await send(acme, telemetry(flood));
  for (const org of ['acme', 'globex']) await runProcessing(app.db, { org, fromDay: DAY, toDay: DAY, now: () => new Date('2026-11-05T12:00:00Z') });
  acmeKey = (await createApiKey(app.db, { org: 'acme' })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (path: string, key = acmeKey) => {
  const res = await fetch(`${app.url}/api/v1${path}`, { headers: { 'x-api-key': key } });
  return { status: res.status, body: (await res.json()) as any };
};

describe('the telemetry team attribute', () => {
  it(`one token's flood of distinct team names is bounded to ${MAX_TELEMETRY_TEAMS_PER_DAY} teams a day, keeping the team many people share`, async () => {
    const stored = await app.db.all<{ team: string; people: number }>(
      sql`SELECT team, count(*) AS people FROM daily_user_teams WHERE org = 'acme' AND day = ${DAY} GROUP BY team ORDER BY team`,
    );
    expect(stored).toHaveLength(MAX_TELEMETRY_TEAMS_PER_DAY);
    // shared (3 people) first, then the first 199 flood names by slug.
    expect(stored.find((t) => t.team === 'shared')).toEqual({ team: 'shared', people: 3 });
    expect(stored.filter((t) => t.team.startsWith('flood-')).map((t) => t.team)).toEqual(
      Array.from({ length: MAX_TELEMETRY_TEAMS_PER_DAY - 1 }, (_, i) => `flood-${String(i).padStart(4, '0')}`),
    );
    const { status, body } = await api(`/orgs/acme/teams?${RANGE}`);
    expect(status).toBe(200);
    // The GitHub team and the bounded telemetry teams.
    expect(body.data).toHaveLength(MAX_TELEMETRY_TEAMS_PER_DAY + 1);
    expect(body.data.find((r: { slug: string }) => r.slug === 'shared')).toMatchObject({ source: 'telemetry', members: 3, active_users: 3 });
    // mallory's telemetry is still the org's (only the team names past the bound are dropped).
    const summary = await api(`/orgs/acme/summary?${RANGE}`);
    expect(summary.body.claude_code).toMatchObject({ active_users: 4, lines_accepted: 2 * (3 + FLOOD) });
  });

  it("never logs a team name", () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n').toLowerCase()).not.toContain(MARKER.toLowerCase());
    expect(logged.join('\n')).not.toContain('flood-0');
  });
});

describe("acme's key and globex's teams", () => {
  const globexTeams = [MARKER.toLowerCase(), MARKER, `gh-${MARKER.toLowerCase()}`];

  it("the teams list is acme's only", async () => {
    const { body } = await api(`/orgs/acme/teams?${RANGE}`);
    expect(JSON.stringify(body).toLowerCase()).not.toContain(MARKER.toLowerCase());
  });

  it("team= naming globex's team is answered exactly like a team nobody has, on every route", async () => {
    for (const route of ['summary', 'daily', 'users', 'pull_requests', 'repositories', 'outcomes']) {
      const nobody = await api(`/orgs/acme/${route}?${RANGE}&team=nobody-${MARKER.toLowerCase()}x`);
      expect(nobody.status, route).toBe(404);
      expect(nobody.body).toEqual({ error: { type: 'not_found_error', message: expect.any(String) } });
      for (const slug of globexTeams) {
        const theirs = await api(`/orgs/acme/${route}?${RANGE}&team=${slug}`);
        expect(theirs.status, `${route} ${slug}`).toBe(404);
        // Same answer but for the name echoed back.
        expect(theirs.body.error.message.replace(slug.toLowerCase(), 'X')).toBe(nobody.body.error.message.replace(`nobody-${MARKER.toLowerCase()}x`, 'X'));
      }
    }
  });

  it("a key of acme asking for globex's figures is refused as for an org nobody has", async () => {
    const theirs = await api(`/orgs/globex/teams?${RANGE}`);
    const nobody = await api(`/orgs/nobody-at-all/teams?${RANGE}`);
    expect(theirs.status).toBe(nobody.status);
    expect([403, 404]).toContain(theirs.status);
    expect(theirs.body.error.message.replace('globex', 'X')).toBe(nobody.body.error.message.replace('nobody-at-all', 'X'));
  });

  it('a malformed, overlong or repeated team= is a 400 in the error shape', async () => {
    for (const query of ['team=a%20b', 'team=..%2Fplatform', `team=${'a'.repeat(101)}`, 'team=-x', 'team=%00', 'team=platform&team=shared', 'team=' + 'x'.repeat(10_000)]) {
      const res = await api(`/orgs/acme/summary?${RANGE}&${query}`);
      expect([query.slice(0, 40), res.status]).toEqual([query.slice(0, 40), 400]);
      expect(res.body).toEqual({ error: { type: 'invalid_request_error', message: expect.any(String) } });
    }
    // The case of a slug does not matter.
    const upper = await api(`/orgs/acme/summary?${RANGE}&team=PLATFORM`);
    expect(upper).toMatchObject({ status: 200, body: { team: 'platform' } });
  });

  it("repository= naming globex's repository is answered like one nobody has", async () => {
    const nobody = await api(`/orgs/acme/outcomes?${RANGE}&repository=nobody/nothing`);
    const theirs = await api(`/orgs/acme/outcomes?${RANGE}&repository=globex/secret`);
    expect(theirs.status).toBe(nobody.status);
    const strip = (b: unknown) => JSON.parse(JSON.stringify(b).replaceAll('globex/secret', 'X').replaceAll('nobody/nothing', 'X'));
    expect(strip(theirs.body)).toEqual(strip(nobody.body));
    const malformed = await api(`/orgs/acme/outcomes?${RANGE}&repository=${'a'.repeat(300)}`);
    expect(malformed).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
  });
});

describe('days at the edge of the calendar', () => {
  // Years before 0001 and after 9999 are written differently (`-000001-12`): loops stepping a day
  // or a week at a time never passed them, and one request hung the whole server.
  it('every dated route answers 400 for year 0 or 9999, and keeps answering', async () => {
    const queries = [
      'summary?start_date=0000-01-01&end_date=0000-01-10',
      'outcomes?start_date=9999-12-20&end_date=9999-12-31',
      'summaries?starting_date=0000-01-01&ending_date=0000-01-10',
      'summaries?starting_date=9999-12-20&ending_date=9999-12-31',
      'usage_report?starting_at=9999-12-30T00:00:00Z&ending_at=9999-12-31T00:00:00Z',
      'cost_report?starting_at=0000-01-01T00:00:00Z',
      'claude_code_usage?starting_at=0000-01-01',
    ];
    for (const q of queries) {
      const res = await api(`/orgs/acme/${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(JSON.stringify(res.body)).toContain('2000-01-01 to 9998-12-31');
    }
    expect((await api(`/orgs/acme/summary?${RANGE}`)).status).toBe(200);
  });
});
