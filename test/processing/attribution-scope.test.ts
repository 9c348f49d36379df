import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { upsertGitHubUser, upsertInstallation, upsertPullRequest, upsertRepository } from '../../src/db/github-activity.js';
import { attributions, dailyUserMetrics, pullRequests } from '../../src/db/schema.js';
import { enrichPullRequest } from '../../src/github/enrich-pull-request.js';
import { pullRequestInput } from '../../src/github/payload-mapping.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { hookCallSchema } from '../../src/telemetry/hook-call.js';
import { ingestHookCall } from '../../src/telemetry/ingest-hook.js';
import { nockCommit, nockInstallationToken, nockPullRequestCommits, nockPullRequestFiles } from '../helpers/nock-github.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createTestProbot, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * Where sessions worked, files moved within a PR, a Write over an existing file and Claude Code in
 * GitHub Actions, from the hook calls and GitHub's REST answers (nock) through enrichment and
 * processing to the stored attributions and per-person figures. Line counts worked out by hand.
 */

const INSTALLATION = 4242;
const DAY = '2026-11-21';
const NOW = new Date(`${DAY}T18:00:00Z`);
const MONO = { id: 501, ownerLogin: 'acme', name: 'mono', fullName: 'acme/mono', private: true, defaultBranch: 'main' };
const GADGETS = { id: 502, ownerLogin: 'acme', name: 'gadgets', fullName: 'acme/gadgets', private: true, defaultBranch: 'main' };
const WIDGETS = { id: 503, ownerLogin: 'acme', name: 'widgets', fullName: 'acme/widgets', private: true, defaultBranch: 'main' };

const HEALTH = ["import { Router } from 'express';", 'export const health = Router();', "health.get('/healthz', (_req, res) => res.json({ ok: true }));"];
// Dana typed PORT_LINE by hand; Claude Code then rewrote the whole file with Write, keeping it.
const PORT_LINE = 'export const port = Number(process.env.PORT ?? 3000);';
const CONFIG_BEFORE = ['// Service settings.', PORT_LINE, ''];
const CONFIG_NEW = ["export const host = process.env.HOST ?? '0.0.0.0';", 'export const timeoutMs = 5_000;'];
const CONFIG_AFTER = ['// Service settings.', PORT_LINE, ...CONFIG_NEW, ''];

const sha = (c: string) => c.repeat(40);
const patchOf = (lines: string[]) => `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
const restFile = (filename: string, lines: string[], extra: object = {}) => ({
  filename,
  status: 'added',
  additions: lines.length,
  deletions: 0,
  patch: lines.length > 0 ? patchOf(lines) : undefined,
  ...extra,
});
const restCommit = (s: string, message: string, login: string | null, files: object[] = []) => ({
  sha: s,
  commit: {
    message,
    author: { name: login ?? 'Dana', email: 'dana@acme.example', date: `${DAY}T10:00:00Z` },
    committer: { name: login ?? 'Dana', email: 'dana@acme.example', date: `${DAY}T10:00:00Z` },
  },
  author: login ? { login, id: 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' } : null,
  committer: login ? { login, id: 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' } : null,
  files,
  stats: { additions: 0, deletions: 0, total: 0 },
});

function prPayload(repo: typeof MONO, number: number, user: { login: string; type: string }, o: object = {}) {
  return {
    id: repo.id * 1000 + number,
    number,
    user: { login: user.login, id: number, type: user.type },
    title: `Change ${number}`,
    body: null,
    base: { ref: 'main' },
    head: { ref: `feature/${number}`, sha: sha('f') },
    state: 'closed',
    created_at: `${DAY}T09:00:00Z`,
    updated_at: `${DAY}T12:00:00Z`,
    closed_at: `${DAY}T12:00:00Z`,
    merged_at: `${DAY}T12:00:00Z`,
    merge_commit_sha: sha('9'),
    ...o,
  };
}

let t: TestDb;
let probot: Probot;
let tokenMocked = false;

beforeEach(async () => {
  tokenMocked = false;
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
  await t.db.transaction(async (tx) => {
    const at = NOW.toISOString();
    await upsertInstallation(tx, { id: INSTALLATION, accountId: 1, accountLogin: 'acme', accountType: 'Organization', repositorySelection: 'all', status: 'active', createdAt: at, updatedAt: at });
    for (const repo of [MONO, GADGETS, WIDGETS]) await upsertRepository(tx, repo, INSTALLATION, NOW.toISOString());
  });
});

afterEach(async () => {
  await t.cleanup();
});

async function mergedPr(repo: typeof MONO, payload: ReturnType<typeof prPayload>, commits: ReturnType<typeof restCommit>[], files: object[]) {
  await t.db.transaction(async (tx) => {
    await upsertGitHubUser(tx, { id: payload.user.id, login: payload.user.login, type: payload.user.type }, NOW.toISOString());
    await upsertPullRequest(tx, pullRequestInput(payload as never, repo.id));
  });
  const ref = { owner: 'acme', repo: repo.name, number: payload.number };
  nockPullRequestCommits(ref, commits.map(({ files: _files, stats: _stats, ...c }) => c));
  nockPullRequestFiles(ref, files);
  for (const c of commits) nockCommit({ owner: 'acme', repo: repo.name, sha: c.sha }, c);
  return ref;
}

async function enrich(ref: { owner: string; repo: string; number: number }, pullRequestId: number) {
  // Probot keeps the installation token for later calls.
  if (!tokenMocked) nockInstallationToken(INSTALLATION);
  tokenMocked = true;
  const octokit = await probot.auth(INSTALLATION);
  await enrichPullRequest({ db: t.db, octokit, fingerprintKey: TEST_FINGERPRINT_KEY, payload: { installationId: INSTALLATION, pullRequestId, ...ref }, now: () => NOW });
}

function hook(token: Parameters<typeof ingestHookCall>[1]['token'], call: object, at = `${DAY}T08:00:00Z`) {
  return ingestHookCall(t.db, { token, call: hookCallSchema.parse({ hook_event_name: 'PostToolUse', ...call }), fingerprintKey: TEST_FINGERPRINT_KEY, now: new Date(at) });
}

const attributionOf = async (repository: string, number: number) =>
  (await t.db.select().from(attributions).where(and(eq(attributions.repository, repository), eq(attributions.number, number))))[0]!;

describe('attribution scoped to where sessions worked', () => {
  it('monorepo folder, a move in a later commit, a Write over an existing file; same path elsewhere counts nothing', async () => {
    const { row } = await createIngestToken(t.db, { org: 'acme', githubLogin: 'dana' });
    const api = { session_id: 'session-api', cwd: '/home/dana/src/mono/services/api' };
    await hook(row, {
      ...api,
      tool_use_id: 'w1',
      tool_name: 'Write',
      tool_input: { file_path: '/home/dana/src/mono/services/api/src/health.ts', content: `${HEALTH.join('\n')}\n` },
      tool_response: { type: 'create', filePath: '/home/dana/src/mono/services/api/src/health.ts', content: `${HEALTH.join('\n')}\n`, structuredPatch: [], originalFile: null },
    });
    // CLI 2.1.332's Write over an existing file: the patch and the file before.
    const written = await hook(row, {
      ...api,
      tool_use_id: 'w2',
      tool_name: 'Write',
      tool_input: { file_path: '/home/dana/src/mono/services/api/src/config.ts', content: CONFIG_AFTER.join('\n') },
      tool_response: {
        type: 'update',
        filePath: '/home/dana/src/mono/services/api/src/config.ts',
        content: CONFIG_AFTER.join('\n'),
        structuredPatch: [{ oldStart: 1, oldLines: 2, newStart: 1, newLines: 4, lines: [' // Service settings.', ` ${PORT_LINE}`, ...CONFIG_NEW.map((l) => `+${l}`)] }],
        originalFile: CONFIG_BEFORE.join('\n'),
      },
    });
    expect(written.lines).toBe(2);
    await hook(row, { ...api, tool_use_id: 'b1', tool_name: 'Bash', tool_input: { command: 'git commit' }, tool_response: { gitOperation: { commit: { sha: 'aaaaaaa' } } } });
    // Dana's other session, in acme/widgets, writes the same health check there.
    await hook(row, {
      session_id: 'session-widgets',
      cwd: '/home/dana/src/widgets',
      tool_use_id: 'w3',
      tool_name: 'Write',
      tool_input: { file_path: '/home/dana/src/widgets/src/health.ts', content: HEALTH.join('\n') },
      tool_response: { type: 'create', originalFile: null, structuredPatch: [] },
    });

    // acme/mono#5: Claude's commit aaaa…, then Dana's commit bbbb… moves health.ts into routes/ and
    // adds the same health check by hand to the web service.
    const claudeCommit = restCommit(sha('a'), 'Add health check and settings', 'dana', [
      restFile('services/api/src/health.ts', HEALTH),
      restFile('services/api/src/config.ts', [PORT_LINE, ...CONFIG_NEW], { status: 'modified' }),
    ]);
    const danaCommit = restCommit(sha('b'), 'Move the route; same check for web', 'dana', [
      restFile('services/api/src/routes/health.ts', [], { status: 'renamed', previous_filename: 'services/api/src/health.ts' }),
      restFile('services/web/src/health.ts', HEALTH),
    ]);
    const pr5 = prPayload(MONO, 5, { login: 'dana', type: 'User' });
    const ref5 = await mergedPr(MONO, pr5, [claudeCommit, danaCommit], [
      restFile('services/api/src/config.ts', [PORT_LINE, ...CONFIG_NEW], { status: 'modified' }),
      restFile('services/api/src/routes/health.ts', HEALTH),
      restFile('services/web/src/health.ts', HEALTH),
    ]);
    await enrich(ref5, pr5.id);

    // acme/gadgets#8: Dana's own health check, the same lines at the same path as in widgets.
    const pr8 = prPayload(GADGETS, 8, { login: 'dana', type: 'User' });
    const ref8 = await mergedPr(GADGETS, pr8, [restCommit(sha('c'), 'Health check', 'dana', [restFile('src/health.ts', HEALTH)])], [restFile('src/health.ts', HEALTH)]);
    await enrich(ref8, pr8.id);

    await runProcessing(t.db, { org: 'acme', fromDay: DAY, toDay: DAY, now: () => NOW });

    // 9 effective lines: 3 in config.ts (PORT_LINE was Dana's), 3 moved health lines, 3 of web's.
    const mono = await attributionOf('acme/mono', 5);
    expect(mono).toMatchObject({ linesAdded: 9, linesWithClaudeCode: 5, withClaudeCode: true, authorLogin: 'dana' });
    expect(mono.evidence).toEqual([
      {
        kind: 'line_match',
        sessionId: 'session-api',
        lines: 5,
        repository: 'acme/mono',
        folder: 'services/api',
        placedBy: 'commits',
        files: [
          { path: 'services/api/src/config.ts', lines: 2, exact: 2, edited: 0, rule: 'same_path', sessionPath: 'src/config.ts' },
          { path: 'services/api/src/routes/health.ts', lines: 3, exact: 3, edited: 0, rule: 'renamed_from', sessionPath: 'src/health.ts' },
        ],
      },
      { kind: 'commit_link', sessionId: 'session-api', commits: [sha('a')], lines: 0 },
    ]);
    expect(await attributionOf('acme/gadgets', 8)).toMatchObject({ linesAdded: 3, linesWithClaudeCode: 0, withClaudeCode: false });
  });
});

describe('Claude Code in GitHub Actions', () => {
  it('the bot’s PR counts for the person its commit names, and who merged it is fetched and kept', async () => {
    const pr9 = prPayload(WIDGETS, 9, { login: 'claude[bot]', type: 'Bot' }, { head: { ref: 'claude/issue-12-20261121-0930', sha: sha('d') } });
    const botCommit = restCommit(
      sha('d'),
      'Handle empty carts\n\nCo-authored-by: Dana <9001+dana@users.noreply.github.com>',
      'claude[bot]',
      [restFile('src/cart.ts', ['export function total(items: number[]) {', '  return items.reduce((a, b) => a + b, 0);'])],
    );
    const ref9 = await mergedPr(WIDGETS, pr9, [botCommit], [restFile('src/cart.ts', ['export function total(items: number[]) {', '  return items.reduce((a, b) => a + b, 0);'])]);
    // PR lists do not say who merged: enrichment asks, for the bot's PRs only.
    nock('https://api.github.com').get('/repos/acme/widgets/pulls/9').reply(200, { ...pr9, merged_by: { login: 'lee', id: 77, type: 'User' } });
    await enrich(ref9, pr9.id);
    expect(await t.db.select({ m: pullRequests.mergedByLogin }).from(pullRequests).where(eq(pullRequests.id, pr9.id))).toEqual([{ m: 'lee' }]);

    await runProcessing(t.db, { org: 'acme', fromDay: DAY, toDay: DAY, now: () => NOW });
    const attribution = await attributionOf('acme/widgets', 9);
    expect(attribution).toMatchObject({ authorLogin: 'dana', isBot: false, withClaudeCode: true, linesAdded: 2, linesWithClaudeCode: 2 });
    expect(attribution.evidence).toEqual([
      { kind: 'claude_code_remote', signals: ['bot_author', 'claude_branch', 'bot_commit'], commits: [sha('d')], creditedTo: 'dana', lines: 2 },
    ]);
    const [dana] = await t.db.select().from(dailyUserMetrics).where(and(eq(dailyUserMetrics.org, 'acme'), eq(dailyUserMetrics.userKey, 'dana')));
    expect(dana).toMatchObject({ pullRequestsMerged: 1, pullRequestsWithClaudeCode: 1, pullRequestsByBots: 0, linesWithClaudeCode: 2 });
  });
});
