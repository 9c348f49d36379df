import { eq } from 'drizzle-orm';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commits, installations, pullRequestReviews, pullRequests, repositories, webhookDeliveries } from '../../src/db/schema.js';
import { createTestDb } from '../helpers/test-db.js';
import { createTestProbot } from '../helpers/test-probot.js';
import { webhookExamples } from '../helpers/github-payloads.js';

/*
 * Every event and action the app handles, driven with the real payloads of @octokit/webhooks-examples.
 */

let t: Awaited<ReturnType<typeof createTestDb>>;
let probot: Probot;
let deliveries = 0;

beforeEach(async () => {
  t = await createTestDb();
  probot = await createTestProbot(t.db, () => new Date('2026-11-21T12:00:00Z'));
});

afterEach(async () => {
  await t.cleanup();
});

const receive = (name: string, payload: Record<string, any>) =>
  probot.receive({ id: `example-${++deliveries}`, name, payload } as never);

describe('installation examples', () => {
  it.each(['created', 'deleted', 'suspend', 'unsuspend'])('installation.%s sets the installation status', async (action) => {
    for (const payload of webhookExamples('installation', action)) {
      await receive('installation', payload);
      const [row] = await t.db.select().from(installations).where(eq(installations.id, payload.installation.id)).limit(1);
      const expected = action === 'deleted' ? 'deleted' : action === 'suspend' ? 'suspended' : 'active';
      expect(row).toMatchObject({ accountLogin: payload.installation.account.login, status: expected });
    }
  });

  it('installation.created covers the listed repositories', async () => {
    const payload = webhookExamples('installation', 'created').find((p) => (p.repositories ?? []).length > 0)!;
    await receive('installation', payload);
    const rows = await t.db.select().from(repositories);
    expect(rows.map((r) => r.fullName).sort()).toEqual(payload.repositories.map((r: any) => r.full_name).sort());
    expect(rows.every((r) => r.covered && r.installationId === payload.installation.id)).toBe(true);
  });
});

describe('installation_repositories examples', () => {
  it('added covers and removed uncovers repositories', async () => {
    for (const payload of webhookExamples('installation_repositories', 'added')) {
      await receive('installation_repositories', payload);
      for (const repo of payload.repositories_added) {
        const [row] = await t.db.select().from(repositories).where(eq(repositories.id, repo.id)).limit(1);
        expect(row).toMatchObject({ fullName: repo.full_name, covered: true, installationId: payload.installation.id });
      }
    }
    for (const payload of webhookExamples('installation_repositories', 'removed')) {
      await receive('installation_repositories', payload);
      for (const repo of payload.repositories_removed) {
        const [row] = await t.db.select().from(repositories).where(eq(repositories.id, repo.id)).limit(1);
        expect(row?.covered).toBe(false);
      }
    }
  });
});

describe('pull_request examples', () => {
  it.each(['opened', 'reopened', 'edited', 'synchronize', 'ready_for_review', 'closed'])(
    'pull_request.%s stores the pull request as described',
    async (action) => {
      const payloads = webhookExamples('pull_request', action);
      // Some actions have no example of their own: the opened payload relabelled stands in.
      const cases: Record<string, any>[] = payloads.length > 0 ? payloads : webhookExamples('pull_request', 'opened').map((p) => ({ ...p, action }));
      for (const payload of cases) {
        const pr = payload.pull_request;
        // A merged example would start an enrichment job; the examples are all unmerged.
        expect(pr.merged ?? false).toBe(false);
        await receive('pull_request', payload);
        const [row] = await t.db.select().from(pullRequests).where(eq(pullRequests.id, pr.id)).limit(1);
        expect(row).toMatchObject({
          number: pr.number,
          repositoryId: payload.repository.id,
          authorLogin: pr.user.login,
          authorIsBot: pr.user.type === 'Bot',
          title: pr.title,
          baseRef: pr.base.ref,
          headRef: pr.head.ref,
          draft: pr.draft ?? false,
          state: pr.state,
          createdAt: new Date(pr.created_at).toISOString(),
          mergedAt: null,
          additions: pr.additions ?? null,
          deletions: pr.deletions ?? null,
        });
        expect(row?.closedAt).toBe(pr.closed_at ? new Date(pr.closed_at).toISOString() : null);
      }
    },
  );
});

describe('pull_request_review examples', () => {
  it('submitted records the review and the first review time', async () => {
    const payloads = webhookExamples('pull_request_review', 'submitted');
    for (const payload of payloads) await receive('pull_request_review', payload);
    for (const payload of payloads) {
      const [review] = await t.db.select().from(pullRequestReviews).where(eq(pullRequestReviews.id, payload.review.id)).limit(1);
      expect(review).toMatchObject({ pullRequestId: payload.pull_request.id, state: payload.review.state });
    }
    const byPr = new Map<number, string[]>();
    for (const p of payloads) byPr.set(p.pull_request.id, [...(byPr.get(p.pull_request.id) ?? []), new Date(p.review.submitted_at).toISOString()]);
    for (const [prId, times] of byPr) {
      const [pr] = await t.db.select().from(pullRequests).where(eq(pullRequests.id, prId)).limit(1);
      expect(pr?.firstReviewedAt).toBe(times.sort()[0]);
    }
  });

  it('dismissed reviews are not handled', async () => {
    await receive('pull_request_review', webhookExamples('pull_request_review', 'dismissed')[0]!);
    expect(await t.db.select().from(pullRequestReviews)).toEqual([]);
    expect(await t.db.select().from(webhookDeliveries)).toEqual([]);
  });
});

describe('push examples', () => {
  it('stores branch pushes with their commits and ignores tag pushes', async () => {
    const payloads = webhookExamples('push');
    for (const payload of payloads) {
      // Pushes to the default branch start a fetch only for installed apps; the examples carry an installation.
      if (payload.installation && payload.ref === `refs/heads/${payload.repository.default_branch}`) {
        payload.installation = undefined;
      }
      await receive('push', payload);
    }
    const branchCommits = payloads.filter((p) => p.ref.startsWith('refs/heads/')).flatMap((p) => p.commits);
    expect(branchCommits.length).toBeGreaterThan(0);
    for (const c of branchCommits) {
      const [row] = await t.db.select().from(commits).where(eq(commits.sha, c.id)).limit(1);
      expect(row).toMatchObject({
        message: c.message,
        authorName: c.author.name,
        authorEmail: c.author.email,
        authorLogin: c.author.username ?? null,
        authoredAt: new Date(c.timestamp).toISOString(),
        claudeCodeTrailer: false,
        pushedToDefaultBranch: true,
      });
    }
    expect(await t.db.select().from(commits)).toHaveLength(new Set(branchCommits.map((c) => c.id)).size);
  });
});
