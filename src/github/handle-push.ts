import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { hasClaudeCodeTrailer } from '../attribution/claude-code-markers.js';
import { toIso, upsertCommit, upsertRepository } from '../db/github-activity.js';
import type { Tx } from '../db/client.js';
import { enqueueJob } from '../jobs/job-queue.js';
import { learnIdentityLinks } from '../db/identity-links.js';
import { repositoryInput } from './payload-mapping.js';

type Payload = EmitterWebhookEvent<'push'>['payload'];

/**
 * Commits pushed to the default branch are fetched this long after the push: by then the webhook of
 * a PR merged by this push has usually arrived, and commits that belong to a PR need no fetch.
 */
export const DIRECT_PUSH_ENRICH_DELAY_MS = 5 * 60_000;

/** push: every pushed commit, its authors, its Claude Code trailer, and whether it landed on the default branch. */
export async function handlePush({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  if (!payload.ref.startsWith('refs/heads/') || payload.deleted) return;
  const repo = repositoryInput(payload.repository as never);
  await upsertRepository(tx, repo, payload.installation?.id ?? null, now);

  const onDefaultBranch = repo.defaultBranch != null && payload.ref === `refs/heads/${repo.defaultBranch}`;
  // `repository.pushed_at` is epoch seconds in push payloads.
  const pushedAt =
    typeof payload.repository.pushed_at === 'number' ? toIso(payload.repository.pushed_at * 1000) : now;

  const shas = payload.commits.map((c) => c.id);
  for (const commit of payload.commits) {
    const commitId = await upsertCommit(tx, {
      repositoryId: repo.id,
      sha: commit.id,
      message: commit.message,
      authorName: commit.author.name,
      authorEmail: commit.author.email,
      authorLogin: commit.author.username,
      committerName: commit.committer.name,
      committerEmail: commit.committer.email,
      committerLogin: commit.committer.username,
      authoredAt: toIso(commit.timestamp),
      claudeCodeTrailer: hasClaudeCodeTrailer(commit.message),
      pushedToDefaultBranch: onDefaultBranch,
      pushedAt: onDefaultBranch ? pushedAt : null,
    });
    // A commit seen before on another branch (not `distinct`) reached the default branch through a
    // merge; only new commits can be direct pushes whose lines need counting.
    if (onDefaultBranch && commit.distinct && payload.installation) {
      await enqueueJob(
        tx,
        {
          kind: 'enrich-commit',
          payload: { installationId: payload.installation.id, repositoryId: repo.id, commitId, owner: repo.ownerLogin, repo: repo.name, sha: commit.id },
          runAfter: Date.parse(now) + DIRECT_PUSH_ENRICH_DELAY_MS,
        },
        Date.parse(now),
      );
    }
  }
  // Sessions that reported making these commits now know their GitHub author.
  await learnIdentityLinks(tx, repo.ownerLogin, { shas }, now);
}
