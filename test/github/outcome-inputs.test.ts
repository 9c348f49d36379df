import { eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commits, pullRequestReviews, pullRequests } from '../../src/db/schema.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import {
  DANA,
  DEPENDABOT,
  INSTALLATION_ID,
  PR42,
  PR42_MERGED,
  installationPayload,
  pullRequestPayload,
  pullRequestReviewPayload,
  pushPayload,
} from '../helpers/github-payloads.js';
import { nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * What outcomes need, stored from the deliveries and enrichment already received (spec: Outcomes):
 * reviews with who and whether a bot, a PR's draft history, and revert links (never their text).
 */

const NOW = new Date('2026-11-21T21:10:05Z');
const LEE = { login: 'lee', id: 9002, type: 'User' };
const history = recordedCommits('rate-limiter-http-json-details-hooks');
const claudeCommit = history[1]!;
const readmeCommit = history[2]!;
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let deliveries = 0;
const receive = (name: string, payload: object, bot = probot) => bot.receive({ id: `outcome-${++deliveries}`, name, payload } as never);

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
});
afterEach(async () => {
  await t.cleanup();
});

describe('reviews', () => {
  it('keep the reviewer, whether a bot, the state and the time', async () => {
    await receive('pull_request_review', pullRequestReviewPayload({ id: 1, submittedAt: '2026-11-21T20:40:00Z', reviewer: DEPENDABOT, state: 'commented' }));
    await receive('pull_request_review', pullRequestReviewPayload({ id: 2, submittedAt: '2026-11-21T20:50:00Z', reviewer: LEE, state: 'changes_requested' }));
    const rows = await t.db.select().from(pullRequestReviews).orderBy(pullRequestReviews.id);
    expect(rows.map((r) => [r.reviewerLogin, r.reviewerIsBot, r.state, r.submittedAt])).toEqual([
      ['dependabot[bot]', true, 'commented', '2026-11-21T20:40:00.000Z'],
      ['lee', false, 'changes_requested', '2026-11-21T20:50:00.000Z'],
    ]);
  });

  it('are read by enrichment too (a backfilled PR had no review webhooks); pending ones are skipped', async () => {
    await receive('installation', installationPayload('created'));
    await receive('pull_request', pullRequestPayload('closed', PR42_MERGED));
    nockInstallationToken(INSTALLATION_ID);
    const review = (id: number, user: object, state: string, submitted_at: string | null) => ({ id, user, state, submitted_at });
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [claudeCommit], DANA.login, [
      review(5, LEE, 'CHANGES_REQUESTED', '2026-11-21T20:45:00Z'),
      review(6, DEPENDABOT, 'COMMENTED', '2026-11-21T20:46:00Z'),
      review(7, LEE, 'PENDING', null),
    ]);
    const worker = new JobWorker({
      db: t.db,
      log: silentLog,
      pollIntervalMs: 1000,
      now: () => NOW.getTime() + 600_000,
      random: () => 0.5,
      handlers: githubJobHandlers({ db: t.db, octokitFor: (id) => probot.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog, now: () => NOW }),
    });
    expect(await worker.runDueJobs()).toBe(1);
    const rows = await t.db.select().from(pullRequestReviews).orderBy(pullRequestReviews.id);
    expect(rows.map((r) => [r.id, r.reviewerLogin, r.reviewerIsBot, r.state])).toEqual([
      [5, 'lee', false, 'CHANGES_REQUESTED'],
      [6, 'dependabot[bot]', true, 'COMMENTED'],
    ]);
    expect((await t.db.select().from(pullRequests).limit(1))[0]?.firstReviewedAt).toBe('2026-11-21T20:45:00.000Z');
  });
});

describe('draft history', () => {
  const events: [string, object][] = [
    ['pull_request', pullRequestPayload('opened', { ...PR42, draft: true })],
    ['pull_request', pullRequestPayload('ready_for_review', { ...PR42, updatedAt: '2026-11-21T20:40:00Z' })],
    ['pull_request', pullRequestPayload('converted_to_draft', { ...PR42, draft: true, updatedAt: '2026-11-21T20:45:00Z' })],
    ['pull_request', pullRequestPayload('ready_for_review', { ...PR42, updatedAt: '2026-11-21T20:50:00Z' })],
    ['pull_request', pullRequestPayload('closed', PR42_MERGED)],
  ];
  const draftColumns = async (db: typeof t.db) =>
    (await db
      .select({ openedAsDraft: pullRequests.openedAsDraft, ready: pullRequests.firstReadyForReviewAt, converted: pullRequests.firstConvertedToDraftAt })
      .from(pullRequests)
      .limit(1))[0];

  it('keeps whether it opened as a draft and the earliest ready and converted times, in any order', async () => {
    for (const [name, payload] of events) await receive(name, payload);
    expect(await draftColumns(t.db)).toEqual({ openedAsDraft: true, ready: '2026-11-21T20:40:00.000Z', converted: '2026-11-21T20:45:00.000Z' });

    const shuffled = await createTestDb();
    const other = await createTestProbot(shuffled.db, () => NOW);
    for (const i of [4, 3, 0, 2, 1, 3]) await receive(events[i]![0], events[i]![1], other);
    expect(await draftColumns(shuffled.db)).toEqual(await draftColumns(t.db));
    await shuffled.cleanup();
  });

  it('leaves the opened flag unknown when the opened delivery was not seen', async () => {
    await receive('pull_request', pullRequestPayload('closed', PR42_MERGED));
    expect(await draftColumns(t.db)).toEqual({ openedAsDraft: null, ready: null, converted: null });
  });
});

describe('revert links', () => {
  it('keep the sha a pushed commit says it reverts', async () => {
    const sha = claudeCommit.sha;
    const revert = { ...readmeCommit, sha: 'ab'.repeat(20), message: `Revert "Add rate limiting"\n\nThis reverts commit ${sha}.\n` };
    await receive('push', pushPayload('main', [revert, readmeCommit]));
    const rows = await t.db.select({ sha: commits.sha, revertsSha: commits.revertsSha }).from(commits).orderBy(commits.sha);
    expect(rows).toEqual([
      { sha: readmeCommit.sha, revertsSha: null },
      { sha: 'ab'.repeat(20), revertsSha: sha },
    ].sort((a, b) => (a.sha < b.sha ? -1 : 1)));
  });

  it('keep the PR a GitHub revert PR reverts, follow edits of the body, and read only the first 64 KiB', async () => {
    const revertPr = { ...PR42, id: 430043, number: 43, title: 'Revert "Add rate limiting"', body: 'Reverts acme/widgets#42\r\n\nBroke the build.' };
    await receive('pull_request', pullRequestPayload('opened', revertPr));
    expect((await t.db.select().from(pullRequests).where(eq(pullRequests.id, 430043)).limit(1))[0]?.revertsPullRequest).toBe('acme/widgets#42');

    await receive('pull_request', pullRequestPayload('edited', { ...revertPr, body: 'Not a revert after all', updatedAt: '2026-11-21T20:40:00Z' }));
    expect((await t.db.select().from(pullRequests).where(eq(pullRequests.id, 430043)).limit(1))[0]?.revertsPullRequest).toBeNull();

    const padded = `${'x'.repeat(70_000)}\nReverts acme/widgets#42`;
    await receive('pull_request', pullRequestPayload('edited', { ...revertPr, body: padded, updatedAt: '2026-11-21T20:50:00Z' }));
    expect((await t.db.select().from(pullRequests).where(eq(pullRequests.id, 430043)).limit(1))[0]?.revertsPullRequest).toBeNull();
  });
});
