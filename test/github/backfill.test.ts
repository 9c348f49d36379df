import { eq } from 'drizzle-orm';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectiveLine } from '../../src/attribution/effective-lines.js';
import { lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { changedFiles, deletedLineFingerprints, jobs, pullRequests } from '../../src/db/schema.js';
import { backfill, type BackfillProgress } from '../../src/github/backfill.js';
import { recordedCommits } from '../helpers/claude-code-recordings.js';
import { DANA, INSTALLATION_ID, PR42, PR42_MERGED, WIDGETS, installationPayload, pullRequestPayload } from '../helpers/github-payloads.js';
import { GITHUB_API, nockInstallationToken, nockMergedPullRequest } from '../helpers/nock-github.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot, silentLog, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';

const history = recordedCommits('rate-limiter-http-json-details-hooks');
const NOW = new Date('2026-11-22T00:00:00Z');
const PR43 = { ...PR42_MERGED, id: 430043, number: 43, title: 'Document rate limiting', mergedAt: '2026-11-21T22:00:00Z', updatedAt: '2026-11-21T22:00:00Z', closedAt: '2026-11-21T22:00:00Z' };
const OLD = { ...PR42_MERGED, id: 410041, number: 41, mergedAt: '2026-09-01T10:00:00Z', updatedAt: '2026-09-01T10:00:00Z', closedAt: '2026-09-01T10:00:00Z' };
const CLOSED_UNMERGED = { ...PR42, id: 440044, number: 44, closedAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:00:00Z', mergedAt: null, mergeCommitSha: null };

let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;

beforeEach(async () => {
  clock = NOW.getTime();
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => NOW);
  await probot.receive({ id: 'i', name: 'installation', payload: installationPayload('created') } as never);
});
afterEach(async () => {
  await t.cleanup();
});

function nockListing() {
  nock(GITHUB_API).get('/installation/repositories').query(true).reply(200, { total_count: 1, repositories: [WIDGETS] });
  nock(GITHUB_API)
    .get('/repos/acme/widgets/pulls')
    .query({ state: 'closed', sort: 'updated', direction: 'desc', per_page: '100' })
    .reply(
      200,
      [PR43, PR42_MERGED, CLOSED_UNMERGED, OLD].map((s) => pullRequestPayload('closed', s).pull_request),
    );
}

let clock = NOW.getTime();
const run = (progress: BackfillProgress[] = []) =>
  backfill({
    db: t.db,
    probot,
    org: 'acme',
    days: 30,
    fingerprintKey: TEST_FINGERPRINT_KEY,
    log: silentLog,
    now: () => new Date(clock),
    onProgress: (p) => progress.push(p),
    // Waiting for a retry moves the test's clock instead of the wall clock.
    sleep: async (ms) => {
      clock += ms;
      if (clock - NOW.getTime() > 3_600_000) throw new Error('backfill kept waiting');
    },
  });

describe('backfill', () => {
  it('stores and enriches the PRs merged in the window, and resumes after a failure', async () => {
    nockInstallationToken(INSTALLATION_ID);
    nockListing();
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [history[1]!], DANA.login);
    nock(GITHUB_API).get('/repos/acme/widgets/pulls/43/commits').query(true).reply(404, { message: 'Not Found' });

    const progress: BackfillProgress[] = [];
    const first = await run(progress);
    expect(first).toEqual({
      installationId: INSTALLATION_ID,
      repositories: 1,
      merged: 2,
      alreadyEnriched: 0,
      enriched: 1,
      failed: [{ pullRequest: 'acme/widgets#43', error: '404 Not Found' }],
    });
    expect(progress.at(-1)).toEqual({ phase: 'enriching', done: 2, total: 2 });
    expect((await t.db.select({ number: pullRequests.number, enriched: pullRequests.enrichedAt }).from(pullRequests)).sort((a, b) => a.number - b.number)).toEqual([
      { number: 42, enriched: expect.any(String) },
      { number: 43, enriched: null },
    ]);

    // Run again: #42 is not fetched again; #43 is.
    nockListing();
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 43 }, [history[2]!], DANA.login);
    const second = await run();
    expect(second).toMatchObject({ merged: 2, alreadyEnriched: 1, enriched: 1, failed: [] });
    expect((await t.db.select().from(pullRequests).where(eq(pullRequests.number, 43)).limit(1))[0]?.enrichedAt).not.toBeNull();
    expect(await t.db.select({ status: jobs.status }).from(jobs)).toEqual([{ status: 'done' }, { status: 'done' }]);
  });

  it('gathers the lines the PRs it fetches deleted, for durability', async () => {
    const rewrite = recordedCommits('rejected-write-http-json-details-hooks').find((c) => c.sha.startsWith('ca3049b'))!;
    nockInstallationToken(INSTALLATION_ID);
    nockListing();
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 42 }, [history[1]!], DANA.login);
    await nockMergedPullRequest({ owner: 'acme', repo: 'widgets', number: 43 }, [rewrite], DANA.login);
    expect(await run()).toMatchObject({ merged: 2, enriched: 2, failed: [] });
    const deleted = await t.db
      .select({ number: pullRequests.number, path: changedFiles.path, fingerprint: deletedLineFingerprints.fingerprint })
      .from(deletedLineFingerprints)
      .innerJoin(changedFiles, eq(changedFiles.id, deletedLineFingerprints.changedFileId))
      .innerJoin(pullRequests, eq(pullRequests.id, changedFiles.pullRequestId));
    // #43 rewrote config.js's return line; #42 only added lines.
    expect(deleted).toEqual([{ number: 43, path: 'config.js', fingerprint: lineFingerprint(TEST_FINGERPRINT_KEY, effectiveLine('  return { port: env.PORT || 3000 };')!) }]);
  });

  it('says so when the app is not installed on the org', async () => {
    const appToken = nock(GITHUB_API).get('/orgs/other/installation').reply(404, { message: 'Not Found' });
    await expect(
      backfill({ db: t.db, probot, org: 'other', days: 7, fingerprintKey: TEST_FINGERPRINT_KEY, log: silentLog }),
    ).rejects.toThrow('The GitHub App is not installed on "other": install it on the organization first.');
    expect(appToken.isDone()).toBe(true);
  });
});
