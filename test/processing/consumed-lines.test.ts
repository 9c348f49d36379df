import { and, eq, sql } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertCommit, upsertGitHubUser, upsertInstallation, upsertPullRequest, upsertRepository } from '../../src/db/github-activity.js';
import { enrichCommit } from '../../src/github/enrich-commit.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { attributions } from '../../src/db/schema.js';
import { enrichPullRequest } from '../../src/github/enrich-pull-request.js';
import { pullRequestInput } from '../../src/github/payload-mapping.js';
import { runIncrementalProcessing, runProcessing } from '../../src/processing/run-processing.js';
import { hookCallSchema } from '../../src/telemetry/hook-call.js';
import { ingestHookCall } from '../../src/telemetry/ingest-hook.js';
import { nockCommit, nockInstallationToken, nockPullRequestCommits, nockPullRequestFiles } from '../helpers/nock-github.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createTestProbot, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * The consumption ledger through the real store: a line Claude Code wrote that an earlier merged PR
 * took is not Claude's again in a later PR of the same file, whatever day range processing runs
 * over, and processing twice leaves every table as it was. The example of docs/attribution.md.
 */

const INSTALLATION = 4343;
const SHOP = { id: 601, ownerLogin: 'acme', name: 'shop', fullName: 'acme/shop', private: true, defaultBranch: 'main' };
const PATH = 'test/orders.test.ts';
const CLAUDE = [
  "it('returns 404 when the order is missing', async () => {",
  "  const res = await request(app).get('/orders/missing');",
  '  expect(res.status).toBe(404);',
  '});',
];
// Dana's own test, modelled on Claude's: one line copied, one with `order` → `customer`.
const DANA = ["it('returns 404 when the customer is missing', async () => {", '  expect(res.status).toBe(404);', '});'];
const FIRST_DAY = '2026-11-10';
const SECOND_DAY = '2026-11-14';

const sha = (c: string) => c.repeat(40);
const restFile = (lines: string[]) => ({
  filename: PATH,
  status: 'modified',
  additions: lines.length,
  deletions: 0,
  patch: `@@ -1,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
});
const restCommit = (s: string, day: string, lines: string[]) => ({
  sha: s,
  commit: {
    message: 'Order tests',
    author: { name: 'Dana', email: 'dana@acme.example', date: `${day}T10:00:00Z` },
    committer: { name: 'Dana', email: 'dana@acme.example', date: `${day}T10:00:00Z` },
  },
  author: { login: 'dana', id: 1, type: 'User' },
  committer: { login: 'dana', id: 1, type: 'User' },
  files: [restFile(lines)],
  stats: { additions: lines.length, deletions: 0, total: lines.length },
});

let t: TestDb;
let probot: Probot;

beforeEach(async () => {
  t = await createTestDb();
  const now = new Date(`${SECOND_DAY}T18:00:00Z`);
  probot = await createTestProbot(t.db, () => now);
  await t.db.transaction(async (tx) => {
    const at = now.toISOString();
    await upsertInstallation(tx, { id: INSTALLATION, accountId: 1, accountLogin: 'acme', accountType: 'Organization', repositorySelection: 'all', status: 'active', createdAt: at, updatedAt: at });
    await upsertRepository(tx, SHOP, INSTALLATION, at);
  });
});

afterEach(async () => {
  await t.cleanup();
});

async function mergedPr(number: number, day: string, lines: string[], mockToken: boolean, { alsoCommits = [] as ReturnType<typeof restCommit>[] } = {}) {
  const payload = {
    id: SHOP.id * 1000 + number,
    number,
    user: { login: 'dana', id: 1, type: 'User' },
    title: `Change ${number}`,
    body: null,
    base: { ref: 'main' },
    head: { ref: `feature/${number}`, sha: sha(String(number)) },
    state: 'closed',
    created_at: `${day}T09:00:00Z`,
    updated_at: `${day}T12:00:00Z`,
    closed_at: `${day}T12:00:00Z`,
    merged_at: `${day}T12:00:00Z`,
    merge_commit_sha: sha(String(number + 4)),
  };
  await t.db.transaction(async (tx) => {
    await upsertGitHubUser(tx, { id: 1, login: 'dana', type: 'User' }, `${day}T12:00:00Z`);
    await upsertPullRequest(tx, pullRequestInput(payload as never, SHOP.id));
  });
  const ref = { owner: 'acme', repo: 'shop', number };
  const commit = restCommit(sha(String.fromCharCode(96 + number)), day, lines);
  nockPullRequestCommits(ref, [...alsoCommits, commit].map(({ files: _f, stats: _s, ...c }) => c));
  nockPullRequestFiles(ref, [restFile(lines)]);
  for (const c of [...alsoCommits, commit]) nockCommit({ owner: 'acme', repo: 'shop', sha: c.sha }, c);
  if (mockToken) nockInstallationToken(INSTALLATION);
  const octokit = await probot.auth(INSTALLATION);
  await enrichPullRequest({
    db: t.db,
    octokit,
    fingerprintKey: TEST_FINGERPRINT_KEY,
    payload: { installationId: INSTALLATION, pullRequestId: payload.id, ...ref },
    now: () => new Date(`${day}T12:05:00Z`),
  });
}

/** Claude Code's Write of the test file, the day before the first PR. */
async function writeClaudeLines() {
  const { row } = await createIngestToken(t.db, { org: 'acme', githubLogin: 'dana' });
  const file = `/home/dana/src/shop/${PATH}`;
  await ingestHookCall(t.db, {
    token: row,
    call: hookCallSchema.parse({
      hook_event_name: 'PostToolUse',
      session_id: 'session-orders',
      cwd: '/home/dana/src/shop',
      tool_use_id: 'w1',
      tool_name: 'Write',
      tool_input: { file_path: file, content: `${CLAUDE.join('\n')}\n` },
      tool_response: { type: 'create', filePath: file, content: `${CLAUDE.join('\n')}\n`, structuredPatch: [], originalFile: null },
    }),
    fingerprintKey: TEST_FINGERPRINT_KEY,
    now: new Date('2026-11-09T08:00:00Z'),
  });
}

async function seed() {
  await writeClaudeLines();
  await mergedPr(1, FIRST_DAY, CLAUDE, true);
  await mergedPr(2, SECOND_DAY, DANA, false);
}

const attributionOf = async (number: number) =>
  (await t.db.select().from(attributions).where(and(eq(attributions.repository, 'acme/shop'), eq(attributions.number, number))))[0]!;

/** Every table processing writes, whole. */
async function processedTables() {
  const all = (query: string) => t.db.all<Record<string, unknown>>(sql.raw(query));
  return {
    attributions: await all('SELECT * FROM attributions ORDER BY subject'),
    ledger: await all('SELECT * FROM consumed_session_lines ORDER BY org, subject, session_id, path, fingerprint'),
    org: await all('SELECT * FROM daily_org_metrics ORDER BY org, day'),
    users: await all('SELECT * FROM daily_user_metrics ORDER BY org, day, user_key'),
    repositories: await all('SELECT * FROM daily_repository_metrics ORDER BY org, day, repository'),
  };
}

const process = (fromDay: string, now = `${SECOND_DAY}T18:00:00Z`, beforeDayCommit?: () => void) =>
  runProcessing(t.db, { org: 'acme', fromDay, toDay: SECOND_DAY, now: () => new Date(now), ...(beforeDayCommit ? { beforeDayCommit } : {}) });

describe('each line Claude Code wrote matches at most one added line, across merged PRs', () => {
  it('PR #1 takes the 3 lines Claude wrote; PR #2, four days later in the same file, gets none of them', async () => {
    await seed();
    await process(FIRST_DAY);
    expect(await attributionOf(1)).toMatchObject({ linesAdded: 3, linesWithClaudeCode: 3, withClaudeCode: true });
    expect(await attributionOf(2)).toMatchObject({ linesAdded: 2, linesWithClaudeCode: 0, withClaudeCode: false });
    expect((await attributionOf(2)).evidence).toEqual([{ kind: 'session_activity', sessionIds: ['session-orders'], days: ['2026-11-09'] }]);
    const ledger = await t.db.all(sql`SELECT org, subject, subject_at AS at, session_id AS s, path, lines FROM consumed_session_lines`);
    expect(ledger).toEqual(
      Array.from({ length: 3 }, () => ({ org: 'acme', subject: `pull_request:${SHOP.id * 1000 + 1}`, at: `${FIRST_DAY}T12:00:00.000Z`, s: 'session-orders', path: PATH, lines: 1 })),
    );
  });

  it('processing both days or only the second gives the same answer; twice, identical tables', async () => {
    await seed();
    await process(FIRST_DAY);
    const both = await processedTables();
    await process(SECOND_DAY, `${SECOND_DAY}T20:00:00Z`);
    expect(await processedTables()).toEqual(both);
    // Twice over both days, later: nothing is rewritten, not even an attribution's time.
    await process(FIRST_DAY, `${SECOND_DAY}T22:00:00Z`);
    expect(await processedTables()).toEqual(both);
  });

  it('a run over only the second day, first, still finds PR #1’s lines taken once PR #1 is processed', async () => {
    await seed();
    // Nothing recorded yet for PR #1 (never processed): PR #2 alone credits the copy and the look-alike.
    await process(SECOND_DAY);
    expect((await attributionOf(2)).linesWithClaudeCode).toBe(2);
    // The nightly run over both days puts it right.
    await process(FIRST_DAY, `${SECOND_DAY}T20:00:00Z`);
    expect((await attributionOf(1)).linesWithClaudeCode).toBe(3);
    expect((await attributionOf(2)).linesWithClaudeCode).toBe(0);
  });

  it('incremental runs: a direct push found in a PR later is dropped, and the PR after it that shares its session takes the freed lines', async () => {
    const now = () => new Date(`${SECOND_DAY}T18:00:00Z`);
    const incremental = () => runIncrementalProcessing(t.db, { now });
    await writeClaudeLines();
    // Claude Code's lines pushed straight to main on the first day: that commit takes them.
    const pushed = restCommit(sha('c'), FIRST_DAY, CLAUDE);
    const commitId = await t.db.transaction((tx) =>
      upsertCommit(tx, { repositoryId: SHOP.id, sha: pushed.sha, message: 'Order tests', claudeCodeTrailer: false, pushedToDefaultBranch: true, pushedAt: `${FIRST_DAY}T10:00:00.000Z` }),
    );
    nockInstallationToken(INSTALLATION);
    nockCommit({ owner: 'acme', repo: 'shop', sha: pushed.sha }, pushed);
    const octokit = await probot.auth(INSTALLATION);
    await enrichCommit({ db: t.db, octokit, fingerprintKey: TEST_FINGERPRINT_KEY, payload: { installationId: INSTALLATION, repositoryId: SHOP.id, commitId, owner: 'acme', repo: 'shop', sha: pushed.sha }, now });
    await incremental();
    const pushedLines = async () => (await t.db.all<{ lines: number }>(sql`SELECT lines_with_claude_code AS lines FROM attributions WHERE subject LIKE 'commit:%'`)).map((r) => r.lines);
    expect(await pushedLines()).toEqual([3]);
    // Dana's PR #2 on the second day gets none of them.
    await mergedPr(2, SECOND_DAY, DANA, false);
    await incremental();
    expect((await attributionOf(2)).linesWithClaudeCode).toBe(0);

    // PR #3, merged later that day, turns out to hold the pushed commit: the commit counts with the
    // PR, whose own diff does not add those lines (they were on main already). The commit's
    // attribution goes, and the lines it took are free for PR #2, merged after it.
    await mergedPr(3, SECOND_DAY, ['// a person\'s note on orders'], false, { alsoCommits: [pushed] });
    await incremental();
    expect(await pushedLines()).toEqual([]);
    expect((await attributionOf(2)).linesWithClaudeCode).toBe(2);
    // The nightly run finds nothing to correct.
    expect((await process(FIRST_DAY, `${SECOND_DAY}T20:00:00Z`)).corrections).toBe(0);
  });

  it('a run that dies midway leaves what the next run completes to the same tables', async () => {
    await seed();
    await process(FIRST_DAY);
    const reference = await processedTables();
    for (const table of ['consumed_session_lines', 'attributions', 'daily_org_metrics', 'daily_user_metrics', 'daily_repository_metrics']) {
      await t.db.run(sql`DELETE FROM ${sql.raw(table)}`);
    }
    await expect(
      process(FIRST_DAY, `${SECOND_DAY}T18:00:00Z`, () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    await process(FIRST_DAY);
    // The same rows, but for the attributions' row ids, which neither engine reuses.
    const withoutIds = ({ attributions: rows, ...rest }: Awaited<ReturnType<typeof processedTables>>) => ({
      ...rest,
      attributions: rows.map(({ id: _id, ...row }) => row),
    });
    expect(withoutIds(await processedTables())).toEqual(withoutIds(reference));
  });
});
