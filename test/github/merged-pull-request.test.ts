import { eq, sql } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectiveLine } from '../../src/attribution/effective-lines.js';
import { lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { addedLineFingerprints, changedFiles, commits, jobs, pullRequestCommits, pullRequests, webhookDeliveries } from '../../src/db/schema.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { recordedCommits, restCommitWithFilesOf } from '../helpers/claude-code-recordings.js';
import {
  DANA,
  INSTALLATION_ID,
  PR42,
  PR42_MERGED,
  installationPayload,
  pullRequestPayload,
  pullRequestReviewPayload,
  pushPayload,
} from '../helpers/github-payloads.js';
import { nockCommit, nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * The recorded rate-limiter session as GitHub would report it: Claude Code's commit 6a585aa on
 * feature/rate-limit becomes PR #42, merged into main; Dana's README commit a3facfe is then pushed
 * straight to main.
 */
const history = recordedCommits('rate-limiter-http-json-details-hooks');
const claudeCommit = history[1]!;
const readmeCommit = history[2]!;
const repoRef = { owner: 'acme', repo: 'widgets', number: 42 };

const NOW = new Date('2026-11-21T21:10:05Z');
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let deliveries = 0;

function worker(now = NOW.getTime() + 10 * 60_000) {
  return new JobWorker({
    db: t.db,
    log: silentLog,
    pollIntervalMs: 1000,
    now: () => now,
    random: () => 0.5,
    handlers: githubJobHandlers({
      db: t.db,
      octokitFor: (id) => probot.auth(id),
      fingerprintKey: TEST_FINGERPRINT_KEY,
      log: silentLog,
      now: () => NOW,
    }),
  });
}

const receive = (name: string, payload: object, id = `delivery-${++deliveries}`) =>
  probot.receive({ id, name, payload } as never);

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
});

afterEach(async () => {
  await t.cleanup();
});

async function deliverMergedPr42() {
  await receive('installation', installationPayload('created'), 'd-installation');
  await receive('pull_request', pullRequestPayload('opened', PR42), 'd-opened');
  await receive('push', pushPayload('feature/rate-limit', [claudeCommit], { distinct: true }), 'd-push');
  await receive('pull_request', pullRequestPayload('closed', PR42_MERGED), 'd-closed');
}

describe('a merged pull request delivered as webhooks', () => {
  it('ends up in the store with its commits, trailer and added-line fingerprints', async () => {
    await deliverMergedPr42();

    const [pr] = await t.db.select().from(pullRequests).where(eq(pullRequests.id, PR42.id)).limit(1);
    expect(pr).toMatchObject({
      number: 42,
      authorLogin: 'dana',
      authorIsBot: false,
      title: 'Add rate limiting',
      mergedAt: '2026-11-21T21:10:00.000Z',
      mergeCommitSha: PR42_MERGED.mergeCommitSha,
      additions: 29,
      enrichedAt: null,
    });
    expect(pr?.body).toContain('Generated with [Claude Code]');

    // The merge answered at once; the GitHub fetch waits in the durable queue.
    const [job] = await t.db.select().from(jobs);
    expect(job).toMatchObject({ kind: 'enrich-pull-request', status: 'pending', attempts: 0 });

    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    expect(await worker().runDueJobs()).toBe(1);

    expect((await t.db.select().from(jobs).limit(1))[0]).toMatchObject({ status: 'done', attempts: 1, lastError: null });
    expect((await t.db.select().from(pullRequests).limit(1))[0]?.enrichedAt).toBe(NOW.toISOString());

    const [storedCommit] = await t.db.select().from(commits).where(eq(commits.sha, claudeCommit.sha)).limit(1);
    expect(storedCommit).toMatchObject({
      authorName: 'Dana Developer',
      authorEmail: 'dana@acme.example',
      authorLogin: 'dana',
      claudeCodeTrailer: true,
      pushedToDefaultBranch: false,
      authoredAt: '2026-11-21T20:33:46.000Z',
    });
    expect(await t.db.select().from(pullRequestCommits)).toEqual([{ pullRequestId: PR42.id, commitId: storedCommit!.id }]);
    // The commit's own diff too, for counting a Claude Code commit line by line.
    expect(storedCommit).toMatchObject({ additions: 29, deletions: 0 });
    expect(
      (await t.db.select().from(changedFiles).where(eq(changedFiles.commitId, storedCommit!.id))).map((f) => [f.path, f.effectiveLines]),
    ).toEqual([
      ['src/rate-limiter.ts', 17],
      ['src/server.ts', 5],
    ]);

    const files = await t.db.select().from(changedFiles).where(eq(changedFiles.pullRequestId, PR42.id));
    // Counted by hand from the recorded patch: rate-limiter.ts adds 23 lines, of which blank lines,
    // `) {`, and four lone `}` do not count (17 left); server.ts adds 6, of which one `}` does not count.
    expect(files.map((f) => [f.path, f.status, f.additions, f.effectiveLines, f.excludedReason])).toEqual([
      ['src/rate-limiter.ts', 'added', 23, 17, null],
      ['src/server.ts', 'modified', 6, 5, null],
    ]);

    const serverFile = files.find((f) => f.path === 'src/server.ts')!;
    const fps = await t.db.select().from(addedLineFingerprints).where(eq(addedLineFingerprints.changedFileId, serverFile.id));
    const expected = [
      "import { TokenBucket } from './rate-limiter.js';",
      '  const bucket = new TokenBucket(100, 50);',
      '    if (!bucket.take()) {',
      "      res.writeHead(429, { 'retry-after': '1' });",
      "      return res.end('slow down');",
    ].map((line) => lineFingerprint(TEST_FINGERPRINT_KEY, effectiveLine(line)!));
    expect(fps.map((f) => f.fingerprint).sort()).toEqual(expected.sort());
    expect(fps.every((f) => f.occurrences === 1)).toBe(true);

    // Never the code: no stored text contains a line of it.
    const dump = JSON.stringify(await t.db.all(sql`SELECT * FROM changed_files`));
    expect(dump).not.toContain('TokenBucket');
  });

  it('counts a redelivered webhook once', async () => {
    await deliverMergedPr42();
    const before = JSON.stringify([await t.db.select().from(pullRequests), await t.db.select().from(jobs)]);
    await receive('pull_request', pullRequestPayload('closed', PR42_MERGED), 'd-closed');
    // Whatever a redelivery carries, a delivery id already applied is not applied again.
    await receive('pull_request', pullRequestPayload('edited', { ...PR42_MERGED, title: 'changed', updatedAt: '2026-11-21T22:00:00Z' }), 'd-opened');
    expect(JSON.stringify([await t.db.select().from(pullRequests), await t.db.select().from(jobs)])).toBe(before);
    expect(await t.db.select().from(webhookDeliveries)).toHaveLength(4);
  });

  it('ends in the same state when events arrive out of order', async () => {
    const review = pullRequestReviewPayload({ id: 77, submittedAt: '2026-11-21T20:50:00Z' }, { ...PR42, updatedAt: '2026-11-21T20:50:00Z' });
    const laterReview = pullRequestReviewPayload({ id: 78, submittedAt: '2026-11-21T21:00:00Z' }, { ...PR42, updatedAt: '2026-11-21T21:00:00Z' });
    const events: [string, object][] = [
      ['pull_request', pullRequestPayload('closed', PR42_MERGED)],
      ['pull_request_review', laterReview],
      ['pull_request', pullRequestPayload('edited', { ...PR42, title: 'Old title', updatedAt: '2026-11-21T20:40:00Z' })],
      ['pull_request_review', review],
      ['pull_request', pullRequestPayload('opened', PR42)],
    ];
    for (const [name, payload] of events) await receive(name, payload);
    const [shuffled] = await t.db.select().from(pullRequests).limit(1);

    const inOrder = await createTestDb();
    const inOrderProbot = await createTestProbot(inOrder.db, () => NOW);
    for (const [name, payload] of [events[4]!, events[2]!, events[3]!, events[1]!, events[0]!]) {
      await inOrderProbot.receive({ id: `in-order-${++deliveries}`, name, payload } as never);
    }
    const [ordered] = await inOrder.db.select().from(pullRequests).limit(1);
    await inOrder.cleanup();

    expect(shuffled).toEqual(ordered);
    expect(shuffled).toMatchObject({
      title: 'Add rate limiting',
      mergedAt: '2026-11-21T21:10:00.000Z',
      state: 'closed',
      additions: 29,
      firstReviewedAt: '2026-11-21T20:50:00.000Z',
    });
  });
});

describe('commits pushed straight to the default branch', () => {
  it('are marked, and their added lines fetched after a delay', async () => {
    await receive('installation', installationPayload('created'));
    await receive('push', pushPayload('main', [readmeCommit], { distinct: true, pushedAt: 1795300000 }));

    const [row] = await t.db.select().from(commits).where(eq(commits.sha, readmeCommit.sha)).limit(1);
    expect(row).toMatchObject({ pushedToDefaultBranch: true, pushedAt: new Date(1795300000 * 1000).toISOString(), claudeCodeTrailer: false });
    const [job] = await t.db.select().from(jobs).limit(1);
    expect(job).toMatchObject({ kind: 'enrich-commit', status: 'pending', runAfter: NOW.getTime() + 5 * 60_000 });

    // Not yet due a minute after the push.
    expect(await worker(NOW.getTime() + 60_000).runDueJobs()).toBe(0);

    nockInstallationToken(INSTALLATION_ID);
    nockCommit({ owner: 'acme', repo: 'widgets', sha: readmeCommit.sha }, restCommitWithFilesOf(readmeCommit, DANA.login));
    expect(await worker().runDueJobs()).toBe(1);

    const files = await t.db.select().from(changedFiles).where(eq(changedFiles.commitId, row!.id));
    expect(files.map((f) => [f.path, f.additions, f.effectiveLines])).toEqual([['README.md', 2, 1]]);
    expect((await t.db.select().from(commits).where(eq(commits.id, row!.id)).limit(1))[0]).toMatchObject({ additions: 2, deletions: 0 });
  });

  it('are not fetched when they turn out to be a pull request’s merge commit', async () => {
    await receive('installation', installationPayload('created'));
    const merge = { ...readmeCommit, sha: PR42_MERGED.mergeCommitSha!, message: 'Merge pull request #42 from acme/feature/rate-limit' };
    await receive('push', pushPayload('main', [merge], { distinct: true }));
    await receive('pull_request', pullRequestPayload('closed', PR42_MERGED));

    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest(repoRef, [claudeCommit], DANA.login);
    expect(await worker().runDueJobs()).toBe(2);
    expect(await t.db.select({ kind: jobs.kind, status: jobs.status }).from(jobs).orderBy(jobs.id)).toEqual([
      { kind: 'enrich-commit', status: 'done' },
      { kind: 'enrich-pull-request', status: 'done' },
    ]);
    // The merge commit itself was not fetched: its lines count with the PR.
    const mergeRow = (await t.db.select().from(commits).where(eq(commits.sha, PR42_MERGED.mergeCommitSha!)).limit(1))[0]!;
    expect(await t.db.select().from(changedFiles).where(eq(changedFiles.commitId, mergeRow.id))).toEqual([]);
    expect(mergeRow.enrichedAt).toBeNull();
  });
});
