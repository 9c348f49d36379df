import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app-server.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { markPullRequestEnriched, upsertGitHubUser, upsertPullRequest } from '../../src/db/github-activity.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { DEPENDABOT } from '../helpers/github-payloads.js';
import { nockOrgMembership, TEST_OAUTH } from '../helpers/nock-github.js';
import { allowUnusedNockMocks } from '../helpers/nock-rules.js';
import { startProcessedOrg } from '../helpers/processed-org.js';
import { nockInstallationTokenAnyTimes, signIn, tileValues } from '../helpers/web-session.js';

/*
 * Bots reconciled: the page tests' org (Dana's PR #42 with Claude Code) plus two merged dependabot
 * PRs. The with/without figures leave the bots out and every page says how many, so that
 * with + without + bots = all, visibly.
 */

let app: AppServer;
let cleanup: () => Promise<void>;
let apiKey: string;
const RANGE = 'start_date=2026-11-20&end_date=2026-11-22';

beforeAll(async () => {
  ({ app, cleanup } = await startProcessedOrg(TEST_OAUTH));
  apiKey = (await createApiKey(app.db, { org: 'acme' })).key;
  await upsertGitHubUser(app.db, DEPENDABOT, '2026-11-21T00:00:00Z');
  for (const number of [50, 51]) {
    const at = `2026-11-21T1${number - 50}:00:00Z`;
    await upsertPullRequest(app.db, {
      id: 880_000 + number,
      repositoryId: 7001,
      number,
      authorId: DEPENDABOT.id,
      authorLogin: DEPENDABOT.login,
      authorIsBot: true,
      title: `Bump lodash from 4.17.${number} to 4.17.${number + 1}`,
      body: null,
      baseRef: 'main',
      headRef: `dependabot/npm_and_yarn/lodash-${number}`,
      headSha: null,
      draft: false,
      state: 'closed',
      createdAt: at,
      githubUpdatedAt: at,
      closedAt: at,
      mergedAt: at,
      mergeCommitSha: null,
      additions: 2,
      deletions: 2,
      changedFiles: 1,
    });
    await markPullRequestEnriched(app.db, 880_000 + number, at); // no commits to fetch: nothing of Claude Code's to find
  }
  await runProcessing(app.db, { org: 'acme', fromDay: '2026-11-20', toDay: '2026-11-22' });
}, 60_000);
afterAll(() => cleanup());
allowUnusedNockMocks('access_tokens');

let people = 4200;
/** A fresh owner's session (the org membership is asked once per session). */
async function owner() {
  nockInstallationTokenAnyTimes();
  const login = `olivia${++people}`;
  const cookie = await signIn(app.http, { login, id: people });
  nockOrgMembership('acme', login, 'admin');
  return cookie;
}
const page = async (path: string, cookie: string) => {
  const res = await app.http.request(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
};
const summary = async () =>
  (await (await app.http.request(`/api/v1/orgs/acme/summary?${RANGE}`, { headers: { 'x-api-key': apiKey } })).json()) as {
    pull_requests: { merged: number; with_claude_code: number; without_claude_code: number; by_bots: number };
  };
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

describe('bot PRs set apart, visibly', () => {
  it('the overview tiles say how many bot PRs were not compared, and with + without + bots = all', async () => {
    const cookie = await owner();
    const s = (await summary()).pull_requests;
    expect(s).toMatchObject({ merged: 1, with_claude_code: 1, without_claude_code: 0, by_bots: 2 });
    const html = await page(`/orgs/acme?${RANGE}`, cookie);
    const tiles = tileValues(html);
    expect(tiles['pull_requests.with_claude_code']).toBe(s.with_claude_code);
    expect(text(html)).toContain(`of ${s.merged} merged by people · ${s.by_bots} bot PRs not compared (${s.merged + s.by_bots} in all)`);
    expect(text(html)).toContain(`${s.without_claude_code} without · ${s.by_bots} bot PRs not compared`);
  });

  it('the pull requests list labels bot PRs, keeps them out of with and without, and its counts add up', async () => {
    const cookie = await owner();
    const all = await page(`/orgs/acme/pull-requests?${RANGE}`, cookie);
    expect(all).toContain('data-total="3"');
    expect(all).toContain('data-split="1 0 2"');
    expect(text(all)).toContain('1 with Claude Code + 0 without + 2 bot PRs not compared = 3 merged');
    expect(all.match(/<span class="badge bot"[^>]*>bot<\/span>/g)?.length).toBe(2);

    const counts: Record<string, number> = {};
    for (const [name, query] of [['with', 'with_claude_code=true'], ['without', 'with_claude_code=false'], ['bots', 'bots=true']] as const) {
      const html = await page(`/orgs/acme/pull-requests?${RANGE}&${query}`, cookie);
      counts[name] = [...html.matchAll(/data-pull-request="/g)].length;
      expect(html).toContain('data-split="1 0 2"');
    }
    expect(counts).toEqual({ with: 1, without: 0, bots: 2 });
    expect(counts.with! + counts.without! + counts.bots!).toBe(3);

    // The same reconciliation under a narrowing: dependabot's PRs alone.
    const byBot = await page(`/orgs/acme/pull-requests?${RANGE}&author=dependabot%5Bbot%5D`, cookie);
    expect(byBot).toContain('data-split="0 0 2"');
  });

  it('refuses bots=true together with with_claude_code', async () => {
    const res = await app.http.request(`/orgs/acme/pull-requests?${RANGE}&bots=true&with_claude_code=false`, { headers: { cookie: await owner() } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Bot PRs are not compared with or without Claude Code');
  });

  it("a bot's person page says it is a bot and why it has no with/without split", async () => {
    const cookie = await owner();
    const list = await page(`/orgs/acme/pull-requests?${RANGE}&bots=true`, cookie);
    const href = list.match(/href="(\/orgs\/acme\/users\/dependabot[^"]+)"/)![1]!.replaceAll('&amp;', '&');
    const html = await page(href, cookie);
    expect(html).toContain('data-bot');
    expect(text(html)).toContain('dependabot[bot] is a bot');
    expect(text(html)).toContain('set apart from the with/without Claude Code comparison');
    expect((await page(`/orgs/acme/users/dana?${RANGE}`, cookie)).includes('data-bot')).toBe(false);
  });
});
