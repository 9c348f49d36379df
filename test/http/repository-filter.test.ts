import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { markPullRequestEnriched, replaceChangedFiles, upsertGitHubUser, upsertPullRequest, upsertRepository } from '../../src/db/github-activity.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { DEPENDABOT, INSTALLATION_ID } from '../helpers/github-payloads.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks, keepNockMocksBetweenTests } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn, tileValues } from '../helpers/web-session.js';

/*
 * The repository filter of the overview and people pages. The page tests' org (Dana's PR #42 in
 * acme/widgets, 23 lines, 22 with Claude Code) plus a second repository, acme/gadgets: Lee's two
 * PRs (no Claude Code: 10 and 5 lines) and one of dependabot's. Narrowed to a repository, PRs and
 * lines are its own; telemetry, which names no repository, stays org-wide and says so.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let apiKey: string;
let cookie: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';
const LEE = { login: 'Lee', id: 9100, type: 'User' };

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  await upsertRepository(app.db, { id: 7002, ownerLogin: 'acme', name: 'gadgets', fullName: 'acme/gadgets', private: true }, INSTALLATION_ID, '2026-11-20T00:00:00Z');
  await upsertGitHubUser(app.db, LEE, '2026-11-20T00:00:00Z');
  await upsertGitHubUser(app.db, DEPENDABOT, '2026-11-20T00:00:00Z');
  const pr = async (number: number, author: typeof LEE, at: string, lines: number) => {
    const id = 990_000 + number;
    await upsertPullRequest(app.db, {
      id,
      repositoryId: 7002,
      number,
      authorId: author.id,
      authorLogin: author.login,
      authorIsBot: author.type === 'Bot',
      title: `Gadget change ${number}`,
      body: null,
      baseRef: 'main',
      headRef: `change-${number}`,
      headSha: null,
      draft: false,
      state: 'closed',
      createdAt: at,
      githubUpdatedAt: at,
      closedAt: at,
      mergedAt: at,
      mergeCommitSha: null,
      additions: lines,
      deletions: 0,
      changedFiles: 1,
    });
    await replaceChangedFiles(app.db, { pullRequestId: id }, [
      {
        path: `src/gadget-${number}.ts`,
        previousPath: null,
        status: 'added',
        additions: lines,
        deletions: 0,
        effectiveLines: lines,
        excludedReason: null,
        patchMissing: false,
        // One fingerprint per added line: what a line counts as.
        fingerprints: new Map(Array.from({ length: lines }, (_, i) => [number * 1000 + i, 1])),
        sketches: new Map(),
        deletedFingerprints: new Map(),
      },
    ]);
    await markPullRequestEnriched(app.db, id, at);
  };
  await pr(7, LEE, '2026-11-21T09:00:00Z', 10);
  await pr(8, LEE, '2026-11-22T09:00:00Z', 5);
  await pr(9, DEPENDABOT, '2026-11-22T10:00:00Z', 2);
  await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
  nockInstallationTokenAnyTimes();
  cookie = await signIn(app.http, { login: 'olga', id: 4713 });
  nockOrgMembership('acme', 'olga', 'admin');
}, 60_000);
afterAll(() => cleanup());
allowUnusedNockMocks('access_tokens');
keepNockMocksBetweenTests();

const page = async (path: string) => {
  const res = await app.http.request(path, { headers: { cookie } });
  expect([path, res.status]).toEqual([path, 200]);
  return res.text();
};
const api = async (path: string) => (await app.http.request(`/api/v1/orgs/acme${path}`, { headers: { 'x-api-key': apiKey } })).json() as Promise<any>;
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
const people = (html: string) => [...html.matchAll(/<tr data-person="([^"]+)"/g)].map((m) => m[1]!);

describe('the repository filter', () => {
  it('the stored figures: two repositories (hand-computed)', async () => {
    const rows = (await api(`/repositories?${RANGE}`)).data as any[];
    const byName = Object.fromEntries(rows.map((r) => [r.repository, r]));
    expect(byName['acme/gadgets']).toMatchObject({ pull_requests_merged: 2, pull_requests_with_claude_code: 0, pull_requests_without_claude_code: 2, lines_committed: 15, lines_with_claude_code: 0 });
    expect(byName['acme/widgets']).toMatchObject({ pull_requests_merged: 1, pull_requests_with_claude_code: 1, lines_committed: 23, lines_with_claude_code: 22 });
  });

  it('the overview narrowed to acme/gadgets: its PRs and lines, the API’s row; telemetry tiles org-wide, marked', async () => {
    const html = await page(`/orgs/acme?${RANGE}&repository=acme/gadgets`);
    const tiles = tileValues(html);
    expect(tiles['pull_requests.with_claude_code']).toBe(0);
    expect(tiles['pull_requests.with_claude_code_share']).toBe(0);
    expect(tiles['lines_committed.with_claude_code']).toBe(0);
    expect(text(html)).toContain('of 2 merged by people · 1 bot PR not compared (3 in all)');
    expect(text(html)).toContain('of 15 committed');
    // Telemetry names no repository: the org's figures, each tile marked org-wide.
    const summary = await api(`/summary?${RANGE}`);
    expect(tiles['claude_code.lines_accepted']).toBe(summary.claude_code.lines_accepted);
    expect(tiles['claude_code.active_users']).toBe(summary.claude_code.active_users);
    for (const metric of ['claude_code.suggestion_accept_rate', 'claude_code.lines_accepted', 'claude_code.active_users', 'claude_code.cost_usd']) {
      expect(html).toMatch(new RegExp(`data-metric="${metric.replace('.', '\\.')}" data-value="[^"]*" data-scope="org"`));
    }
    for (const metric of ['pull_requests.with_claude_code', 'lines_committed.with_claude_code']) {
      expect(html).not.toMatch(new RegExp(`data-metric="${metric.replace('.', '\\.')}" data-value="[^"]*" data-scope="org"`));
    }
    expect(text(html)).toContain('Narrowed to acme/gadgets:');
    // The merged chart is the repository's: 1 PR without on Nov 21, 1 on Nov 22 (the bot's apart).
    const charts = JSON.parse(/<script type="application\/json" id="chart-data">([^]*?)<\/script>/.exec(html)![1]!);
    expect(charts.merged.views.prs.datasets.map((d: { data: number[] }) => d.data)).toEqual([
      [0, 0, 0],
      [0, 1, 1],
    ]);
    expect(charts.merged.views.lines.datasets[1].data).toEqual([0, 10, 5]);
    // PRs per active user would divide a repository's PRs by the whole org's people: not drawn.
    expect(charts['prs-per-user']).toBeUndefined();
    // The leaderboard by PRs merged: Lee alone (Dana merged nothing in acme/gadgets).
    expect(/data-board-table="prs-all"[^]*?<\/table>/.exec(html)![0]).toMatch(/data-person="lee"[^]*?>Lee<\/a>[^]*?>2<\/td>/);
    expect(/data-board-table="prs-all"[^]*?<\/table>/.exec(html)![0]).not.toContain('data-person="dana');
  });

  it('the overview narrowed to acme/widgets equals the API’s repository row and its outcomes', async () => {
    const html = await page(`/orgs/acme?${RANGE}&repository=acme/widgets`);
    const tiles = tileValues(html);
    const row = ((await api(`/repositories?${RANGE}`)).data as any[]).find((r) => r.repository === 'acme/widgets');
    expect(tiles['pull_requests.with_claude_code']).toBe(row.pull_requests_with_claude_code);
    expect(tiles['pull_requests.with_claude_code']).toBe(1);
    expect(tiles['lines_committed.with_claude_code']).toBe(row.lines_with_claude_code);
    expect(tiles['pull_requests.with_claude_code_share']).toBe(1);
    const outcomes = await api(`/outcomes?${RANGE}&repository=acme/widgets`);
    expect(tiles['outcomes.reverts.with_claude_code.prs'] ?? outcomes.reverts.with_claude_code.prs).toBe(outcomes.reverts.with_claude_code.prs);
    expect(outcomes.reverts.with_claude_code.prs + outcomes.reverts.without_claude_code.prs).toBe(1);
  });

  it('unfiltered, the overview is the org’s (3 people’s PRs, 1 bot PR)', async () => {
    const html = await page(`/orgs/acme?${RANGE}`);
    expect(text(html)).toContain('of 3 merged by people · 1 bot PR not compared (4 in all)');
    expect(html).not.toContain('data-scope="org"');
    expect(html).toContain('<option value="acme/gadgets">acme/gadgets</option>');
  });

  it('the people page narrowed to a repository lists who contributed to it, with its PRs and lines', async () => {
    const gadgets = await page(`/orgs/acme/users?${RANGE}&repository=acme/gadgets`);
    expect(people(gadgets).sort()).toEqual(['dependabot[bot]', 'lee']);
    const lee = /<tr data-person="lee">([^]*?)<\/tr>/.exec(gadgets)![1]!;
    const cells = [...lee.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    // PRs merged, PRs with Claude Code, lines committed, lines with Claude Code.
    expect(cells.slice(0, 4)).toEqual(['2', '0', '15', '0']);
    expect(gadgets).toContain('org-wide');
    const widgets = await page(`/orgs/acme/users?${RANGE}&repository=acme/widgets`);
    expect(people(widgets)).toEqual(['dana']);
    const dana = /<tr data-person="dana">([^]*?)<\/tr>/.exec(widgets)![1]!;
    expect([...dana.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]).slice(0, 4)).toEqual(['1', '1', '23', '22']);
    // Unfiltered: everyone with activity, Sam (telemetry only) too.
    expect(people(await page(`/orgs/acme/users?${RANGE}`)).length).toBeGreaterThan(3);
  });

  it('keeps the filter in the links between pages, and in the range presets and sort links', async () => {
    const html = await page(`/orgs/acme/users?${RANGE}&repository=acme/gadgets&sort=pull_requests_merged`);
    const kept = `${RANGE.replace('&', '&amp;')}&amp;repository=acme%2Fgadgets`;
    expect(html).toContain(`href="/orgs/acme?${kept}"`);
    expect(html).toContain(`href="/orgs/acme/pull-requests?${kept}"`);
    expect(html).toContain(`href="/orgs/acme/users/lee?${kept}"`);
    expect(html).toContain('href="/orgs/acme/users?repository=acme%2Fgadgets&amp;sort=pull_requests_merged&amp;dir=desc&amp;range=7d"');
    expect(html).toContain(`data-sort="sessions"><a href="/orgs/acme/users?${kept}&amp;sort=sessions&amp;dir=desc"`);
    const overview = await page(`/orgs/acme?${RANGE}&repository=acme/gadgets`);
    expect(overview).toContain(`href="/orgs/acme/users?${kept}"`);
    expect(overview).toContain('<option value="acme/gadgets" selected="">acme/gadgets</option>');
  });

  it('the person page narrowed to a repository: their PRs and lines in it, their telemetry org-wide', async () => {
    const lee = await page(`/orgs/acme/users/lee?${RANGE}&repository=acme/gadgets`);
    expect(tileValues(lee)).toMatchObject({ pull_requests_with_claude_code: 0, lines_with_claude_code: 0, pull_requests_opened: 2 });
    expect(text(lee)).toContain('of 2 merged');
    expect(text(lee)).toContain('of 15 committed');
    expect(text(lee)).toContain('0 with Claude Code + 2 without + 0 bot PRs not compared = 2 merged.');
    const charts = JSON.parse(/<script type="application\/json" id="chart-data">([^]*?)<\/script>/.exec(lee)![1]!);
    expect(charts['person-merged'].views.lines.datasets[1].data).toEqual([0, 10, 5]);
    expect(lee).toContain('data-pull-request="acme/gadgets#7"');
    // Dana: her PR is in acme/widgets; in acme/gadgets she has none, though her telemetry (org-wide) stays.
    const danaWidgets = await page(`/orgs/acme/users/dana?${RANGE}&repository=acme/widgets`);
    expect(tileValues(danaWidgets)).toMatchObject({ pull_requests_with_claude_code: 1, lines_with_claude_code: 22, lines_accepted: 30 });
    const danaGadgets = await page(`/orgs/acme/users/dana?${RANGE}&repository=acme/gadgets`);
    expect(tileValues(danaGadgets)).toMatchObject({ pull_requests_with_claude_code: 0, lines_with_claude_code: 0, lines_accepted: 30 });
    expect(danaGadgets).not.toContain('data-pull-request=');
    expect(text(danaGadgets)).toContain('0 with Claude Code + 0 without + 0 bot PRs not compared = 0 merged.');
    for (const metric of ['lines_accepted', 'suggestion_accept_rate', 'sessions', 'cost_usd']) {
      expect(danaGadgets).toMatch(new RegExp(`data-metric="${metric}" data-value="[^"]*" data-scope="org"`));
    }
    expect(danaGadgets).not.toMatch(/data-metric="pull_requests_with_claude_code" data-value="[^"]*" data-scope="org"/);
    // The outcomes are the API's for that person in that repository.
    const outcomes = await api(`/outcomes?${RANGE}&repository=acme/widgets&login=dana`);
    expect(outcomes.cycle_time_hours.with_claude_code.count).toBe(1);
  });

  it('refuses a malformed repository with the pages’ 400 page', async () => {
    const res = await app.http.request(`/orgs/acme?${RANGE}&repository=${encodeURIComponent('not a repo')}`, { headers: { cookie } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('is not a valid repository');
  });
});

describe('bots reconciled on the repository and person pages', () => {
  it('the repository page adds up its merged PRs: with + without + bots = all', async () => {
    const html = await page(`/orgs/acme/repositories/acme/gadgets?${RANGE}`);
    // Its tiles are the API's repository row; the days before the range were never processed.
    const row = ((await api(`/repositories?${RANGE}`)).data as any[]).find((r) => r.repository === 'acme/gadgets');
    expect(tileValues(html)).toMatchObject({
      pull_requests_with_claude_code: row.pull_requests_with_claude_code,
      pull_requests_merged: row.pull_requests_merged,
      lines_with_claude_code: row.lines_with_claude_code,
      pull_requests_opened: row.pull_requests_opened,
      lines_with_claude_code_share: 0,
    });
    expect(text(html)).toContain('no previous data (the 3 days before)');
    expect(text(html)).toContain('0 with Claude Code + 2 without + 1 bot PR not compared = 3 merged.');
    const widgets = await page(`/orgs/acme/repositories/acme/widgets?${RANGE}`);
    expect(text(widgets)).toContain('1 with Claude Code + 0 without + 0 bot PRs not compared = 1 merged.');
  });

  it('the person page adds up their merged PRs, a bot’s being all bot PRs', async () => {
    expect(text(await page(`/orgs/acme/users/lee?${RANGE}`))).toContain('0 with Claude Code + 2 without + 0 bot PRs not compared = 2 merged.');
    expect(text(await page(`/orgs/acme/users/dependabot%5Bbot%5D?${RANGE}`))).toContain('0 with Claude Code + 0 without + 1 bot PR not compared = 1 merged.');
  });
});
