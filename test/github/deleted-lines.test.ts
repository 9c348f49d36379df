import { eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectiveLine } from '../../src/attribution/effective-lines.js';
import { lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { changedFiles, commits, deletedLineFingerprints } from '../../src/db/schema.js';
import { githubJobHandlers } from '../../src/github/app.js';
import { JobWorker } from '../../src/jobs/job-worker.js';
import { restCommitWithFilesOf } from '../helpers/claude-code-recordings.js';
import { GitHistory } from '../helpers/git-history.js';
import { DANA, INSTALLATION_ID, PR42, installationPayload, pullRequestPayload, pushPayload } from '../helpers/github-payloads.js';
import { nockCommit, nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

/*
 * Enrichment stores what a merged PR and a direct push delete (spec: Outcomes, "Durability"): per
 * file, following renames, the keyed fingerprints of the effective `-` lines of real git patches.
 */

const CART = [
  'export function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  '',
  'export function isEmpty(items) {',
  '  return items.length === 0;',
  '}',
  '',
].join('\n');
const NOW = new Date('2026-11-21T21:10:05Z');
let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let git: GitHistory;
let deliveries = 0;
const receive = (name: string, payload: object) => probot.receive({ id: `deleted-${++deliveries}`, name, payload } as never);
const fp = (line: string) => lineFingerprint(TEST_FINGERPRINT_KEY, effectiveLine(line)!);
const worker = () =>
  new JobWorker({
    db: t.db,
    log: silentLog,
    pollIntervalMs: 1000,
    now: () => NOW.getTime() + 10 * 60_000,
    random: () => 0.5,
    handlers: githubJobHandlers({ db: t.db, octokitFor: (id) => probot.auth(id), fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog, now: () => NOW }),
  });

async function deletedOf(where: ReturnType<typeof eq>) {
  const rows = await t.db
    .select({ path: changedFiles.path, previousPath: changedFiles.previousPath, fingerprint: deletedLineFingerprints.fingerprint, occurrences: deletedLineFingerprints.occurrences })
    .from(deletedLineFingerprints)
    .innerJoin(changedFiles, eq(changedFiles.id, deletedLineFingerprints.changedFileId))
    .where(where);
  return rows.sort((a, b) => a.fingerprint - b.fingerprint);
}

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
  git = new GitHistory();
  git.commit({
    at: '2026-11-01T10:00:00Z',
    message: 'Cart',
    write: { 'src/cart.js': CART },
  });
});
afterEach(async () => {
  await t.cleanup();
  git.cleanup();
});

describe('deleted lines', () => {
  it('of a merged PR that renames a file and rewrites a line: fingerprints on the new path, with the old one kept', async () => {
    const change = git.commit({
      at: '2026-11-21T20:30:00Z',
      message: 'Move the cart and count quantities',
      rename: { 'src/cart.js': 'src/shop/cart.js' },
      write: { 'src/shop/cart.js': CART.replace('sum += item.price;', 'sum += item.price * item.quantity;') },
    });
    const merged = { ...PR42, mergedAt: '2026-11-21T21:00:00Z', closedAt: '2026-11-21T21:00:00Z', updatedAt: '2026-11-21T21:00:00Z', mergeCommitSha: 'ab'.repeat(20) };
    await receive('installation', installationPayload('created'));
    await receive('pull_request', pullRequestPayload('closed', merged));
    nockInstallationToken(INSTALLATION_ID);
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [change], DANA.login);
    expect(await worker().runDueJobs()).toBe(1);

    expect(await deletedOf(eq(changedFiles.pullRequestId, PR42.id))).toEqual([
      { path: 'src/shop/cart.js', previousPath: 'src/cart.js', fingerprint: fp('  for (const item of items) sum += item.price;'), occurrences: 1 },
    ]);
    // The PR's own commit keeps its added lines (for commit evidence), not its deletions.
    const commitId = (await t.db.select({ id: commits.id }).from(commits).where(eq(commits.sha, change.sha)).limit(1))[0]!.id;
    expect(await t.db.select().from(changedFiles).where(eq(changedFiles.commitId, commitId))).toHaveLength(1);
    expect(await deletedOf(eq(changedFiles.commitId, commitId))).toEqual([]);
  });

  it('of a commit pushed straight to the default branch, including a whole file removed', async () => {
    const push = git.commit({
      at: '2026-11-21T20:40:00Z',
      message: 'Drop the cart',
      remove: ['src/cart.js'],
    });
    await receive('installation', installationPayload('created'));
    await receive('push', pushPayload('main', [push], { distinct: true, pushedAt: 1795300000 }));
    nockInstallationToken(INSTALLATION_ID);
    nockCommit({ owner: 'acme', repo: 'widgets', sha: push.sha }, restCommitWithFilesOf(push, DANA.login));
    expect(await worker().runDueJobs()).toBe(1);

    const commitId = (await t.db.select({ id: commits.id }).from(commits).where(eq(commits.sha, push.sha)).limit(1))[0]!.id;
    // Every line goes; `}` and blank lines are not effective lines.
    const expected = [
      'export function total(items) {',
      '  let sum = 0;',
      '  for (const item of items) sum += item.price;',
      '  return sum;',
      'export function isEmpty(items) {',
      '  return items.length === 0;',
    ].map((line) => ({ path: 'src/cart.js', previousPath: null, fingerprint: fp(line), occurrences: 1 }));
    expect(await deletedOf(eq(changedFiles.commitId, commitId))).toEqual(expected.sort((a, b) => a.fingerprint - b.fingerprint));
  });
});
