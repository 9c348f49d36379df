import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { recordReview, toIso, upsertGitHubUser, upsertPullRequest, upsertRepository } from '../db/github-activity.js';
import type { Tx } from '../db/client.js';
import { isBot, pullRequestInput, repositoryInput } from './payload-mapping.js';

type Payload = EmitterWebhookEvent<'pull_request_review.submitted'>['payload'];

/** pull_request_review.submitted: the review (who, bot or not, its state and time) and the PR's first review time. The review may arrive before the PR itself. */
export async function handlePullRequestReview({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  const repo = repositoryInput(payload.repository);
  await upsertRepository(tx, repo, payload.installation?.id ?? null, now);
  const pr = payload.pull_request;
  if (pr.user) await upsertGitHubUser(tx, { id: pr.user.id, login: pr.user.login, type: pr.user.type ?? 'User' }, now);
  await upsertPullRequest(tx, pullRequestInput(pr as never, repo.id));
  const review = payload.review;
  await recordReview(tx, {
    id: review.id,
    pullRequestId: pr.id,
    reviewerLogin: review.user?.login ?? null,
    reviewerIsBot: isBot(review.user as { id: number; login: string; type?: string } | null),
    state: review.state,
    submittedAt: toIso(review.submitted_at ?? now),
  });
}
