import { and, eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { upsertGitHubUser, upsertInstallation, upsertPullRequest, upsertRepository } from '../../src/db/github-activity.js';
import { attributions } from '../../src/db/schema.js';
import { enrichPullRequest } from '../../src/github/enrich-pull-request.js';
import { pullRequestInput } from '../../src/github/payload-mapping.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { hookCallSchema } from '../../src/telemetry/hook-call.js';
import { ingestHookCall } from '../../src/telemetry/ingest-hook.js';
import { nockCommit, nockInstallationToken, nockPullRequestCommits, nockPullRequestFiles } from '../helpers/nock-github.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createTestProbot, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * A session shared between two authors' PRs through a commit (issue 21's compact session index):
 * the index keeps each author's sessions once and finds the sessions linked to a PR's commits on
 * their own, so the attribution order must still put the two authors' PRs in one group, in merge
 * order. Ordered by author alone, Dana's later PR would come first (dana < lee) and take the lines.
 */

const INSTALLATION = 4545;
const DAY = '2026-11-21';
const NOW = new Date(`${DAY}T18:00:00Z`);
const MONO = { id: 701, ownerLogin: 'acme', name: 'mono', fullName: 'acme/mono', private: true, defaultBranch: 'main' };
const HEALTH = ["import { Router } from 'express';", 'export const health = Router();', "health.get('/healthz', (_req, res) => res.json({ ok: true }));"];

const sha = (c: string) => c.repeat(40);
const restFile = (filename: string, lines: string[]) => ({
  filename,
  status: 'added',
  additions: lines.length,
  deletions: 0,
  patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
});
const restCommit = (s: string, login: string, files: object[]) => ({
  sha: s,
  commit: {
    message: 'Health check',
    author: { name: login, email: `${login}@acme.example`, date: `${DAY}T10:00:00Z` },
    committer: { name: login, email: `${login}@acme.example`, date: `${DAY}T10:00:00Z` },
  },
  author: { login, id: 1, type: 'User' },
  committer: { login, id: 1, type: 'User' },
  files,
  stats: { additions: 0, deletions: 0, total: 0 },
});

let t: TestDb;
let probot: Probot;

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
  await t.db.transaction(async (tx) => {
    const at = NOW.toISOString();
    await upsertInstallation(tx, { id: INSTALLATION, accountId: 1, accountLogin: 'acme', accountType: 'Organization', repositorySelection: 'all', status: 'active', createdAt: at, updatedAt: at });
    await upsertRepository(tx, MONO, INSTALLATION, at);
  });
});

afterEach(async () => {
  await t.cleanup();
});

/** A merged PR of acme/mono by `login` at `mergedAt`, enriched from GitHub's answers (nock). */
async function mergedPr(number: number, login: string, mergedAt: string, commit: ReturnType<typeof restCommit>, first: boolean) {
  const payload = {
    id: MONO.id * 1000 + number,
    number,
    user: { login, id: number, type: 'User' },
    title: `Change ${number}`,
    body: null,
    base: { ref: 'main' },
    head: { ref: `feature/${number}`, sha: commit.sha },
    state: 'closed',
    created_at: `${DAY}T09:00:00Z`,
    updated_at: mergedAt,
    closed_at: mergedAt,
    merged_at: mergedAt,
    merge_commit_sha: sha(String(number)),
  };
  await t.db.transaction(async (tx) => {
    await upsertGitHubUser(tx, { id: number, login, type: 'User' }, NOW.toISOString());
    await upsertPullRequest(tx, pullRequestInput(payload as never, MONO.id));
  });
  const ref = { owner: 'acme', repo: MONO.name, number };
  nockPullRequestCommits(ref, [commit].map(({ files: _files, stats: _stats, ...c }) => c));
  nockPullRequestFiles(ref, commit.files);
  nockCommit({ owner: 'acme', repo: MONO.name, sha: commit.sha }, commit);
  if (first) nockInstallationToken(INSTALLATION);
  const octokit = await probot.auth(INSTALLATION);
  await enrichPullRequest({ db: t.db, octokit, fingerprintKey: TEST_FINGERPRINT_KEY, payload: { installationId: INSTALLATION, pullRequestId: payload.id, ...ref }, now: () => NOW });
}

const linesOf = async (number: number) =>
  (await t.db.select().from(attributions).where(and(eq(attributions.repository, 'acme/mono'), eq(attributions.number, number))))[0]!;

describe('a session shared between two authors’ PRs', () => {
  it('its lines go to the PR merged first, whoever wrote it, and stay there when processed again', async () => {
    const { row } = await createIngestToken(t.db, { org: 'acme', githubLogin: 'dana' });
    const hook = (call: object) =>
      ingestHookCall(t.db, { token: row, call: hookCallSchema.parse({ hook_event_name: 'PostToolUse', session_id: 'session-dana', cwd: '/home/dana/src/mono', ...call }), fingerprintKey: TEST_FINGERPRINT_KEY, now: new Date(`${DAY}T08:00:00Z`) });
    await hook({
      tool_use_id: 'w1',
      tool_name: 'Write',
      tool_input: { file_path: '/home/dana/src/mono/src/health.ts', content: HEALTH.join('\n') },
      tool_response: { type: 'create', originalFile: null, structuredPatch: [] },
    });
    // Dana's session made commit aaaa…, which Lee's PR #6 merged at 11:00.
    await hook({ tool_use_id: 'b1', tool_name: 'Bash', tool_input: { command: 'git commit' }, tool_response: { gitOperation: { commit: { sha: 'aaaaaaa' } } } });
    await mergedPr(6, 'lee', `${DAY}T11:00:00Z`, restCommit(sha('a'), 'dana', [restFile('src/health.ts', HEALTH)]), true);
    // Dana's own PR #7, merged an hour later, adds the same three lines at the same path.
    await mergedPr(7, 'dana', `${DAY}T12:00:00Z`, restCommit(sha('b'), 'dana', [restFile('src/health.ts', HEALTH)]), false);

    for (let run = 0; run < 2; run++) {
      await runProcessing(t.db, { org: 'acme', fromDay: DAY, toDay: DAY, now: () => NOW });
      // Lee's PR, merged first, holds the session's three lines (found through the commit); Dana's gets none of them.
      expect(await linesOf(6)).toMatchObject({ authorLogin: 'lee', linesAdded: 3, linesWithClaudeCode: 3, withClaudeCode: true });
      expect((await linesOf(6)).evidence).toContainEqual(expect.objectContaining({ kind: 'line_match', sessionId: 'session-dana', lines: 3 }));
      expect(await linesOf(7)).toMatchObject({ authorLogin: 'dana', linesAdded: 3, linesWithClaudeCode: 0 });
    }
  });
});
