import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Probot, ProbotOctokit } from 'probot';
import type { Db } from '../db/client.js';
import { upsertGitHubUser, upsertPullRequest, upsertRepository } from '../db/github-activity.js';
import { installations, pullRequests } from '../db/schema.js';
import { enqueueJob, jobStates } from '../jobs/job-queue.js';
import { JobWorker } from '../jobs/job-worker.js';
import { githubJobHandlers } from './app.js';
import { pullRequestInput, repositoryInput } from './payload-mapping.js';
import { DAY_MS } from '../utc-days.js';

/*
 * Backfill: the PRs an org merged before the app was installed (or while it was down). Lists them
 * through the installation, stores them as webhooks would, and enriches them with the same durable
 * jobs. Already enriched PRs are skipped, so an interrupted backfill resumes where it stopped.
 */

export interface BackfillProgress {
  phase: 'listing' | 'enriching';
  done: number;
  total: number;
}

export interface BackfillResult {
  installationId: number;
  repositories: number;
  merged: number;
  alreadyEnriched: number;
  enriched: number;
  failed: { pullRequest: string; error: string }[];
}

/** The installation of the app on an org: from the database, or asked of GitHub as the app. */
export async function findInstallation(db: Db, probot: Probot, org: string): Promise<number> {
  const [known] = await db
    .select({ id: installations.id })
    .from(installations)
    .where(and(sql`lower(${installations.accountLogin}) = lower(${org})`, eq(installations.status, 'active')))
    .limit(1);
  if (known) return known.id;
  const appOctokit = await probot.auth();
  try {
    const { data } = await appOctokit.rest.apps.getOrgInstallation({ org });
    return data.id;
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      throw new Error(`The GitHub App is not installed on "${org}": install it on the organization first.`);
    }
    throw error;
  }
}

export async function backfill({
  db,
  probot,
  org,
  days,
  fingerprintKey,
  log,
  now = () => new Date(),
  onProgress = () => undefined,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
}: {
  db: Db;
  probot: Probot;
  org: string;
  days: number;
  fingerprintKey: string;
  log: Logger;
  now?: () => Date;
  onProgress?: (p: BackfillProgress) => void;
  sleep?: (ms: number) => Promise<void>;
}): Promise<BackfillResult> {
  const installationId = await findInstallation(db, probot, org);
  const octokit: ProbotOctokit = await probot.auth(installationId);
  const since = now().getTime() - days * DAY_MS;
  const at = now().toISOString();

  // 1. The installation's repositories, and the PRs each merged since then.
  const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  /** This backfill's enrichment jobs: dedupe key → the PR, as `owner/repo#number`. */
  const jobKeys = new Map<string, string>();
  let merged = 0;
  let alreadyEnriched = 0;
  let listed = 0;
  for (const repo of repos) {
    onProgress({ phase: 'listing', done: listed++, total: repos.length });
    const repoInput = repositoryInput(repo);
    await db.transaction(async (tx) => {
      await upsertRepository(tx, repoInput, installationId, at);
    });
    // Closed PRs, most recently updated first: a PR merged since `since` was updated since then too.
    const closed = await octokit.paginate(
      octokit.rest.pulls.list,
      { owner: repoInput.ownerLogin, repo: repoInput.name, state: 'closed', sort: 'updated', direction: 'desc', per_page: 100 },
      (response, done) => {
        const page = response.data;
        if (page.length > 0 && Date.parse(page[page.length - 1]!.updated_at) < since) done();
        return page.filter((pr) => pr.merged_at !== null && Date.parse(pr.merged_at) >= since);
      },
    );
    for (const pr of closed) {
      merged++;
      const stored = await db.transaction(async (tx) => {
        if (pr.user) await upsertGitHubUser(tx, { id: pr.user.id, login: pr.user.login, type: pr.user.type ?? 'User' }, at);
        await upsertPullRequest(tx, pullRequestInput(pr, repoInput.id));
        const [row] = await tx.select({ enrichedAt: pullRequests.enrichedAt }).from(pullRequests).where(eq(pullRequests.id, pr.id)).limit(1);
        if (row?.enrichedAt) return 'enriched';
        const payload = { installationId, pullRequestId: pr.id, owner: repoInput.ownerLogin, repo: repoInput.name, number: pr.number };
        return enqueueJob(tx, { kind: 'enrich-pull-request', payload }, now().getTime());
      });
      if (stored === 'enriched') alreadyEnriched++;
      else jobKeys.set(stored, `${repoInput.ownerLogin}/${repoInput.name}#${pr.number}`);
    }
  }
  onProgress({ phase: 'listing', done: repos.length, total: repos.length });
  log.info({ org, repositories: repos.length, merged, alreadyEnriched, toEnrich: jobKeys.size }, 'backfill listed');

  // 2. Run this backfill's enrichment jobs here, waiting out retries.
  const worker = new JobWorker({
    db,
    log,
    pollIntervalMs: 1000,
    now: () => now().getTime(),
    handlers: githubJobHandlers({ db, octokitFor: (id) => probot.auth(id), fingerprintKey, log }),
  });
  for (;;) {
    await worker.runDueJobs();
    const current = await jobStates(db, [...jobKeys.keys()]);
    const open = current.filter((j) => j.status === 'pending' || j.status === 'running');
    onProgress({ phase: 'enriching', done: current.length - open.length, total: current.length });
    if (open.length === 0) {
      const failed = current
        .filter((j) => j.status === 'failed')
        .map((j) => ({ pullRequest: jobKeys.get(j.dedupeKey)!, error: j.lastError ?? 'failed' }));
      return {
        installationId,
        repositories: repos.length,
        merged,
        alreadyEnriched,
        enriched: current.length - failed.length,
        failed,
      };
    }
    const nextDue = Math.min(...open.map((j) => j.runAfter));
    await sleep(Math.max(250, Math.min(nextDue - now().getTime(), 60_000)));
  }
}
