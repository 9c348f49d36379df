import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { replaceOrgPeople } from '../../src/db/teams.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks } from '../helpers/nock-rules.js';
import { nockInstallationTokenAnyTimes, signIn, tileValues } from '../helpers/web-session.js';
import { silentLog, testServerConfig } from '../helpers/test-probot.js';
import { testEngine } from '../helpers/test-db.js';
import { createTestPostgresDatabase, testPostgresUrl } from '../helpers/test-postgres.js';
import { deliverDurabilityHistory, HISTORY_NOW, HISTORY_RANGE } from '../helpers/durability-history.js';

/*
 * The Durability section of the overview, person and repository pages shows the durability API's
 * figures for the same range and slice: the git-made history of test/helpers/durability-history.ts, served.
 */

let app: AppServer;
let dir: string;
let postgres: { url: string; drop(): Promise<void> } | undefined;
let apiKey: string;
const RANGE = `start_date=${HISTORY_RANGE.fromDay}&end_date=${HISTORY_RANGE.toDay}`;
allowUnusedNockMocks('access_tokens');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-durability-'));
  // The suite's engine: a SQLite file in `dir`, or a fresh PostgreSQL database.
  if (testEngine() === 'postgres') {
    const clusterUrl = testPostgresUrl();
    if (!clusterUrl) throw new Error('TEST_ENGINE=postgres needs TEST_POSTGRES_URL (scripts/postgres-cluster.sh start)');
    postgres = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  }
  const database: Record<string, string> = postgres ? { DATABASE_URL: postgres.url } : {};
  app = await startAppServer({ config: testServerConfig(dir, { ...TEST_OAUTH, SEATS: '10', ...database }), log: silentLog, startWorker: false, octokitRetries: false, now: () => HISTORY_NOW });
  expect(app.db.engine).toBe(testEngine());
  await deliverDurabilityHistory(app.db);
  await runProcessing(app.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await postgres?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const field = (body: unknown, path: string) => path.split('.').reduce<any>((v, k) => (v === null ? null : v[k]), body);

describe('the Durability section', () => {
  it('shows the durability API’s figures on the overview, the person page and the repository page', async () => {
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'olivia', id: 4242 });
    nockOrgMembership('acme', 'olivia', 'admin');
    const pages = [
      [`/orgs/acme?${RANGE}`, RANGE, 'durability'],
      [`/orgs/acme/users/dana?${RANGE}`, `${RANGE}&login=dana`, 'person-durability'],
      [`/orgs/acme/repositories/acme/widgets?${RANGE}`, `${RANGE}&repository=acme/widgets`, 'repository-durability'],
    ] as const;
    for (const [path, query, chartId] of pages) {
      const res = await app.http.request(path, { headers: { cookie } });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      const report = (await (await app.http.request(`/api/v1/orgs/acme/durability?${query}`, { headers: { 'x-api-key': apiKey } })).json()) as any;
      const tiles = Object.entries(tileValues(html)).filter(([k]) => k.startsWith('durability.'));
      expect(tiles.map(([k]) => k).sort()).toEqual([
        'durability.churn_21d.with_claude_code.rate',
        'durability.median_life_days_of_deleted_lines.with_claude_code',
        'durability.survival.with_claude_code.d30.rate',
      ]);
      for (const [metric, value] of tiles) expect([path, metric, value]).toEqual([path, metric, field(report, metric.slice('durability.'.length))]);
      const specs = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!);
      const [withCurve, withoutCurve] = specs[chartId].views.survival.datasets;
      const percent = (c: any) => (c === null ? null : Math.round(c.rate * 1000) / 10);
      expect(withCurve.data).toEqual(['d14', 'd30', 'd90'].map((h) => percent(report.survival.with_claude_code[h])));
      expect(withoutCurve.data).toEqual(['d14', 'd30', 'd90'].map((h) => percent(report.survival.without_claude_code[h])));
      expect(html).toContain(`data-chart="${chartId}"`);
    }
    // The org's figures, by hand (test/durability/durability-history.test.ts): 5 of 9 lines with Claude Code after 30 days, 3 of 5 without.
    const overview = await (await app.http.request(`/orgs/acme?${RANGE}`, { headers: { cookie } })).text();
    expect(tileValues(overview)['durability.survival.with_claude_code.d30.rate']).toBe(0.5556);
    expect(overview).toContain('5 of 9 lines, 2 PRs');
    expect(overview).toContain('3 of 5 lines, 3 PRs');
    // The chart's "Show the numbers" table, in percent; Dana has no PR without Claude Code.
    expect(overview).toMatch(/<th scope="row">After 90 days<\/th><td class="num">50.0%<\/td><td class="num">50.0%<\/td>/);
    const dana = await (await app.http.request(`/orgs/acme/users/dana?${RANGE}`, { headers: { cookie } })).text();
    expect(dana).toContain('no PR old enough yet');
  });

  it('shows a team’s durability on the overview with the team chosen, labelled as the team’s: the API’s `team=` figures', async () => {
    // GitHub teams as the member job stores them: web = Dana only, so Lee's PRs are not the team's.
    await replaceOrgPeople(app.db, 'acme', { members: ['dana', 'lee'], teams: [{ id: 1, slug: 'web', name: 'Web', members: ['dana'] }] }, HISTORY_NOW.toISOString());
    nockInstallationTokenAnyTimes();
    const cookie = await signIn(app.http, { login: 'oscar', id: 4243 });
    nockOrgMembership('acme', 'oscar', 'admin');
    const res = await app.http.request(`/orgs/acme?${RANGE}&team=web`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const report = (await (await app.http.request(`/api/v1/orgs/acme/durability?${RANGE}&team=web`, { headers: { 'x-api-key': apiKey } })).json()) as any;
    expect(report.team).toBe('web');
    const tiles = Object.entries(tileValues(html)).filter(([k]) => k.startsWith('durability.'));
    expect(tiles.length).toBe(3);
    for (const [metric, value] of tiles) expect([metric, value]).toEqual([metric, field(report, metric.slice('durability.'.length))]);
    // By hand: Dana's #1 (8 lines, 5 left) and #4 (1 line, gone): 5 of 9 after 30 days; nothing without Claude Code.
    expect(tileValues(html)['durability.survival.with_claude_code.d30.rate']).toBe(0.5556);
    expect(html).toContain('5 of 9 lines, 2 PRs');
    expect(report.pull_requests.without_claude_code.merged).toBe(0);
    const specs = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(specs.durability.views.survival.datasets[1].data).toEqual([null, null, null]);
    const section = /<section[^>]*data-durability[^>]*>.*?<\/section>/s.exec(html)![0];
    expect(section).toContain('the PRs of acme&#39;s team web merged');
  });
});
