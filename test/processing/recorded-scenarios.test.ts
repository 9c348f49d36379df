import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertGitHubUser, upsertInstallation, upsertPullRequest, upsertRepository } from '../../src/db/github-activity.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { attributions } from '../../src/db/schema.js';
import { enrichPullRequest } from '../../src/github/enrich-pull-request.js';
import { pullRequestInput } from '../../src/github/payload-mapping.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { hookCallSchema } from '../../src/telemetry/hook-call.js';
import { ingestHookCall } from '../../src/telemetry/ingest-hook.js';
import { restCommitOf, restCommitWithFilesOf, restFilesOf, type RecordedCommit } from '../helpers/claude-code-recordings.js';
import { nockCommit, nockInstallationToken, nockPullRequestCommits, nockPullRequestFiles } from '../helpers/nock-github.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createTestProbot, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * Scenarios recorded for this project with the real Claude Code CLI (test/fixtures/claude-code/):
 * its hook calls as it sent them, GitHub's answers made from the git history it left (nock), then
 * enrichment and processing. The line counts are worked out by hand from the scenario.
 */

const FIXTURES = join(import.meta.dirname, '../fixtures/claude-code');
const MOVED = join(FIXTURES, '2.1.332/moved-health-check-http-json-details-hooks');
const INSTALLATION = 4343;
const WIDGETS = { id: 601, ownerLogin: 'acme', name: 'widgets', fullName: 'acme/widgets', private: true, defaultBranch: 'main' };
const GADGETS = { id: 602, ownerLogin: 'acme', name: 'gadgets', fullName: 'acme/gadgets', private: true, defaultBranch: 'main' };
const DANA = { login: 'dana', id: 9001, type: 'User' };

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

let t: TestDb;
let probot: Probot;

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db);
});

afterEach(async () => {
  await t.cleanup();
});

async function storeMergedPr(repo: typeof WIDGETS, number: number, mergedAt: string) {
  const payload = {
    id: repo.id * 1000 + number,
    number,
    user: DANA,
    title: `PR ${number}`,
    body: null,
    base: { ref: 'main' },
    head: { ref: 'feature/health' },
    state: 'closed',
    created_at: mergedAt,
    updated_at: mergedAt,
    closed_at: mergedAt,
    merged_at: mergedAt,
    merge_commit_sha: null,
  };
  await t.db.transaction(async (tx) => {
    await upsertGitHubUser(tx, DANA, mergedAt);
    await upsertPullRequest(tx, pullRequestInput(payload as never, repo.id));
  });
  return payload.id;
}

describe('moved-health-check (CLI 2.1.332): a Write over an existing file, a move in a later commit', () => {
  it('counts the 5 lines Claude Code wrote of the 6 the PR adds, and nothing of the same lines Dana typed in another repository', async () => {
    const commits = readJson<RecordedCommit[]>(join(MOVED, 'commits.json'));
    const prDiff = readJson<{ files: RecordedCommit['files']; patch: string }>(join(MOVED, 'pull-request.json'));
    const [, ...prCommits] = commits; // the first is the repository's starting point, the PR's base
    const mergedAt = prCommits.at(-1)!.committer.date;
    const at = new Date(mergedAt).toISOString();
    await t.db.transaction(async (tx) => {
      await upsertInstallation(tx, { id: INSTALLATION, accountId: 1, accountLogin: 'acme', accountType: 'Organization', repositorySelection: 'all', status: 'active', createdAt: at, updatedAt: at });
      await upsertRepository(tx, WIDGETS, INSTALLATION, at);
      await upsertRepository(tx, GADGETS, INSTALLATION, at);
    });

    // What Claude Code sent, through the hook receiver's ingest, with Dana's personal token.
    const { row: token } = await createIngestToken(t.db, { org: 'acme', githubLogin: 'dana' });
    const captured = join(MOVED, 'captured');
    const fingerprinted: number[] = [];
    for (const name of readdirSync(captured).filter((f) => f.endsWith('_hooks_claude-code.json')).sort()) {
      const call = hookCallSchema.parse(readJson(join(captured, name)));
      fingerprinted.push((await ingestHookCall(t.db, { token, call, fingerprintKey: TEST_FINGERPRINT_KEY, now: new Date(mergedAt) })).lines);
    }
    // Write src/health.ts: 3 effective lines; Write over src/config.ts: the 2 new of its 4; Bash calls: none.
    expect(fingerprinted).toEqual([3, 2, 0, 0, 0]);

    // GitHub: PR #43 with the session's two commits and Dana's README commit.
    const ref = { owner: 'acme', repo: 'widgets', number: 43 };
    const prId = await storeMergedPr(WIDGETS, 43, mergedAt);
    nockInstallationToken(INSTALLATION);
    nockPullRequestCommits(ref, prCommits.map((c) => restCommitOf(c, 'dana')));
    const prFiles = restFilesOf({ ...prCommits.at(-1)!, files: prDiff.files, patch: prDiff.patch });
    expect(prFiles.map((f) => [f.filename, f.status, f.previous_filename])).toEqual([
      ['README.md', 'modified', undefined],
      ['src/config.ts', 'modified', undefined],
      ['src/routes-health.ts', 'added', undefined], // moved within the PR: GitHub shows a new file
    ]);
    nockPullRequestFiles(ref, prFiles);
    for (const c of prCommits) nockCommit({ owner: 'acme', repo: 'widgets', sha: c.sha }, restCommitWithFilesOf(c, 'dana'));
    const octokit = await probot.auth(INSTALLATION);
    await enrichPullRequest({ db: t.db, octokit, fingerprintKey: TEST_FINGERPRINT_KEY, payload: { installationId: INSTALLATION, pullRequestId: prId, ...ref }, now: () => new Date(mergedAt) });

    // acme/gadgets#8, the same day: Dana typed the same settings and route by hand into the same paths.
    const gadgetsRef = { owner: 'acme', repo: 'gadgets', number: 8 };
    const gadgetsId = await storeMergedPr(GADGETS, 8, mergedAt);
    const byHand = (filename: string, from: string) => restFilesOf(prCommits.find((c) => c.files.some((f) => f.file === from))!).find((f) => f.filename === from)!;
    const handFiles = [{ ...byHand('src/config.ts', 'src/config.ts') }, { ...byHand('src/health.ts', 'src/health.ts') }];
    const handCommit = { ...prCommits[0]!, sha: 'e'.repeat(40), message: 'Settings and a health check', files: [], patch: '' };
    nockPullRequestCommits(gadgetsRef, [restCommitOf(handCommit, 'dana')]);
    nockPullRequestFiles(gadgetsRef, handFiles);
    nockCommit({ owner: 'acme', repo: 'gadgets', sha: handCommit.sha }, { ...restCommitOf(handCommit, 'dana'), stats: { additions: 6, deletions: 0, total: 6 }, files: handFiles });
    await enrichPullRequest({ db: t.db, octokit, fingerprintKey: TEST_FINGERPRINT_KEY, payload: { installationId: INSTALLATION, pullRequestId: gadgetsId, ...gadgetsRef }, now: () => new Date(mergedAt) });

    const day = at.slice(0, 10);
    await runProcessing(t.db, { org: 'acme', fromDay: day, toDay: day, now: () => new Date(mergedAt) });

    const of = async (repository: string, number: number) =>
      (await t.db.select().from(attributions).where(and(eq(attributions.repository, repository), eq(attributions.number, number))))[0]!;
    // 6 effective lines: README 1 (Dana's), config.ts 2, routes-health.ts 3.
    const pr43 = await of('acme/widgets', 43);
    expect(pr43).toMatchObject({ linesAdded: 6, linesWithClaudeCode: 5, withClaudeCode: true });
    const session = JSON.parse(readFileSync(join(MOVED, 'cli-result.json'), 'utf8')).session_id as string;
    expect(pr43.evidence).toEqual([
      {
        kind: 'line_match',
        sessionId: session,
        lines: 5,
        repository: 'acme/widgets',
        folder: '',
        placedBy: 'commits',
        files: [
          { path: 'src/config.ts', lines: 2, exact: 2, edited: 0, rule: 'same_path', sessionPath: 'src/config.ts' },
          { path: 'src/routes-health.ts', lines: 3, exact: 3, edited: 0, rule: 'renamed_from', sessionPath: 'src/health.ts' },
        ],
      },
      { kind: 'commit_link', sessionId: session, commits: [prCommits[0]!.sha, prCommits[1]!.sha].sort(), lines: 0 }, // made in the same second: in sha order
      { kind: 'trailer', commits: [prCommits[0]!.sha], prBody: false, lines: 0 },
    ]);
    expect(await of('acme/gadgets', 8)).toMatchObject({ linesAdded: 5, linesWithClaudeCode: 0, withClaudeCode: false });
  });
});
