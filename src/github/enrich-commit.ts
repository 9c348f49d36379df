import { summarizeFileChange } from '../attribution/file-change.js';
import { commitBelongsToPullRequest, commitPushedAt, markCommitEnriched, replaceChangedFiles, upsertCommit } from '../db/github-activity.js';
import { markForProcessing } from '../db/processing-marks.js';
import { writeWhenFree } from '../db/store-busy.js';
import type { EnrichCommitPayload } from '../jobs/job-kinds.js';
import { JOB_WRITE_WAIT_MS } from '../jobs/job-worker.js';
import { commitInputFromRest, type Enrichment, type RestCommit } from './enrich-pull-request.js';

/**
 * Fetches one commit pushed straight to the default branch and stores its files' counts and
 * added-line fingerprints: lines committed outside any PR count by push day (spec: Attribution).
 * A commit that turned out to belong to a PR is skipped; its lines count with the PR.
 */
export async function enrichCommit({ db, octokit, fingerprintKey, payload, now }: Enrichment<EnrichCommitPayload>): Promise<'enriched' | 'skipped'> {
  if (await commitBelongsToPullRequest(db, payload.repositoryId, payload.sha)) return 'skipped';
  const { data } = await octokit.rest.repos.getCommit({ owner: payload.owner, repo: payload.repo, ref: payload.sha });
  const summaries = (data.files ?? []).map((f) => summarizeFileChange(f, fingerprintKey));

  await writeWhenFree(() => db.transaction(async (tx) => {
    const commitId = await upsertCommit(tx, commitInputFromRest(payload.repositoryId, data as RestCommit));
    await replaceChangedFiles(tx, { commitId }, summaries);
    await markCommitEnriched(
      tx,
      commitId,
      { additions: data.stats?.additions ?? 0, deletions: data.stats?.deletions ?? 0 },
      now().toISOString(),
    );
    const pushedAt = await commitPushedAt(tx, commitId);
    if (pushedAt) await markForProcessing(tx, [{ org: payload.owner, kind: 'subject', key: `commit:${commitId}`, day: pushedAt.slice(0, 10) }], now().toISOString());
  }), { maxWaitMs: JOB_WRITE_WAIT_MS });
  return 'enriched';
}
