import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { recordDraftChange, toIso, upsertGitHubUser, upsertPullRequest, upsertRepository } from '../db/github-activity.js';
import type { Tx } from '../db/client.js';
import { markForProcessing } from '../db/processing-marks.js';
import { enqueueJob } from '../jobs/job-queue.js';
import { pullRequestInput, repositoryInput } from './payload-mapping.js';

type Payload = EmitterWebhookEvent<`pull_request.${(typeof PULL_REQUEST_ACTIONS)[number]}`>['payload'];

export const PULL_REQUEST_ACTIONS = ['opened', 'reopened', 'edited', 'synchronize', 'ready_for_review', 'converted_to_draft', 'closed'] as const;

/**
 * pull_request.*: keeps the PR as GitHub last described it, and when it was opened as a draft,
 * first marked ready for review or converted to a draft. When it is merged, its commits and
 * files are fetched later by a durable job, so the webhook answers at once.
 */
export async function handlePullRequest({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  const pr = payload.pull_request;
  const repo = repositoryInput(payload.repository);
  await upsertRepository(tx, repo, payload.installation?.id ?? null, now);
  if (pr.user) await upsertGitHubUser(tx, { id: pr.user.id, login: pr.user.login, type: pr.user.type ?? 'User' }, now);
  await upsertPullRequest(tx, pullRequestInput(pr, repo.id));
  // Draft history for the pickup time: `updated_at` of these deliveries is when the action happened.
  await recordDraftChange(tx, { pullRequestId: pr.id, action: payload.action, at: toIso(pr.updated_at), draft: pr.draft ?? false });

  // The PRs opened that day are a figure of the day's rollup.
  if (payload.action === 'opened') await markForProcessing(tx, [{ org: repo.ownerLogin, kind: 'day', key: toIso(pr.created_at).slice(0, 10), day: toIso(pr.created_at).slice(0, 10) }], now);

  if (payload.action === 'closed' && pr.merged && payload.installation) {
    const job = { installationId: payload.installation.id, pullRequestId: pr.id, owner: repo.ownerLogin, repo: repo.name, number: pr.number };
    await enqueueJob(tx, { kind: 'enrich-pull-request', payload: job }, Date.parse(now));
  }
}
