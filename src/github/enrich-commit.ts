import type { ProbotOctokit } from 'probot';
import { summarizeFileChange } from '../attribution/file-change.js';
import type { Db } from '../db/client.js';
import { commitBelongsToPullRequest, markCommitEnriched, replaceChangedFiles, upsertCommit } from '../db/github-activity.js';
import { writeWhenFree } from '../db/store-busy.js';
import { JOB_WRITE_WAIT_MS } from '../jobs/job-worker.js';
import { commitInputFromRest, type RestCommit } from './enrich-pull-request.js';

export const ENRICH_COMMIT = 'enrich-commit';

export interface EnrichCommitPayload {
  installationId: number;
  repositoryId: number;
  commitId: number;
  owner: string;
  repo: string;
  sha: string;
}

/**
 * Fetches one commit pushed straight to the default branch and stores its files' counts and
 * added-line fingerprints: lines committed outside any PR count by push day (spec: Attribution).
 * A commit that turned out to belong to a PR is skipped; its lines count with the PR.
 */
export async function enrichCommit({
  db,
  octokit,
  fingerprintKey,
  payload,
  now,
}: {
  db: Db;
  octokit: ProbotOctokit;
  fingerprintKey: string;
  payload: EnrichCommitPayload;
  now: () => Date;
}): Promise<'enriched' | 'skipped'> {
  if (commitBelongsToPullRequest(db, payload.repositoryId, payload.sha)) return 'skipped';
  const { data } = await octokit.rest.repos.getCommit({ owner: payload.owner, repo: payload.repo, ref: payload.sha });
  const summaries = (data.files ?? []).map((f) => summarizeFileChange(f, fingerprintKey));

  await writeWhenFree(() => db.transaction((tx) => {
    const commitId = upsertCommit(tx, commitInputFromRest(payload.repositoryId, data as RestCommit));
    replaceChangedFiles(tx, { commitId }, summaries);
    markCommitEnriched(
      tx,
      commitId,
      { additions: data.stats?.additions ?? 0, deletions: data.stats?.deletions ?? 0 },
      now().toISOString(),
    );
  }), { maxWaitMs: JOB_WRITE_WAIT_MS });
  return 'enriched';
}
