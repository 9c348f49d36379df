import type { ApplicationFunction, Context, ProbotOctokit } from 'probot';
import type { Logger } from 'pino';
import type { Db, Tx } from '../db/client.js';
import { writeWhenFree } from '../db/store-busy.js';
import { applyDeliveryOnce } from '../db/webhook-deliveries.js';
import type { JobHandlers } from '../jobs/job-kinds.js';
import { enrichCommit } from './enrich-commit.js';
import { enrichPullRequest } from './enrich-pull-request.js';
import { handleInstallation } from './handle-installation.js';
import { handleInstallationRepositories } from './handle-installation-repositories.js';
import { handleMembership } from './handle-membership.js';
import { handleOrganization, ORGANIZATION_ACTIONS } from './handle-organization.js';
import { handleTeam, TEAM_ACTIONS } from './handle-team.js';
import { handlePullRequest, PULL_REQUEST_ACTIONS } from './handle-pull-request.js';
import { handlePullRequestReview } from './handle-pull-request-review.js';
import { handlePush } from './handle-push.js';
import { labelPullRequest } from './label-pull-request.js';
import { enqueueMemberCount, refreshMemberCount } from './org-member-count.js';

export interface GitHubAppDeps {
  db: Db;
  now?: () => Date;
  /** Count an organization's members when the app is installed on it (the seats when `SEATS` is not set). */
  countMembers?: boolean;
}

/**
 * The Probot app: wires each webhook to its handler. Each delivery is applied once, in one
 * transaction with the record of its `X-GitHub-Delivery` id, the jobs it queues included. While
 * another process holds SQLite's write lock the delivery waits (without blocking the server) up to 2 s, then is
 * answered 503 (`StoreBusyError.status`) so GitHub marks it failed and it can be redelivered.
 * The wait stays well under 9 s: @octokit/webhooks then answers 202, acknowledging what was not stored.
 */
export function githubApp({ db, now = () => new Date(), countMembers = false }: GitHubAppDeps): ApplicationFunction {
  return (app) => {
    const once =
      <C extends Context>(handler: (args: { tx: Tx; payload: C['payload']; now: string }) => Promise<void>) =>
      async (context: C) => {
        const payload = context.payload as { action?: string; installation?: { id: number } };
        const at = now().toISOString();
        const applied = await writeWhenFree(() =>
          applyDeliveryOnce(
            db,
            { id: context.id, event: context.name, action: payload.action ?? null, installationId: payload.installation?.id ?? null },
            at,
            (tx) => handler({ tx, payload: context.payload, now: at }),
          ),
        );
        if (!applied) context.log.info({ delivery: context.id }, 'redelivery ignored: already applied');
      };

    app.on(
      ['installation.created', 'installation.deleted', 'installation.suspend', 'installation.unsuspend'],
      once<Context<'installation'>>(async (args) => {
        await handleInstallation(args);
        const { action, installation } = args.payload;
        const account = installation.account as { login?: string; type?: string } | null;
        if (countMembers && action === 'created' && account?.type === 'Organization' && account.login) {
          await enqueueMemberCount(args.tx, { installationId: installation.id, org: account.login }, Date.parse(args.now));
        }
      }),
    );
    app.on('installation_repositories', once(handleInstallationRepositories));
    app.on(
      PULL_REQUEST_ACTIONS.map((action) => `pull_request.${action}` as const),
      once(handlePullRequest),
    );
    app.on('pull_request_review.submitted', once(handlePullRequestReview));
    app.on('push', once(handlePush));
    app.on(['membership.added', 'membership.removed'], once(handleMembership));
    app.on(
      TEAM_ACTIONS.map((action) => `team.${action}` as const),
      once(handleTeam),
    );
    app.on(
      ORGANIZATION_ACTIONS.map((action) => `organization.${action}` as const),
      once(handleOrganization),
    );
  };
}

/** Job handlers that call GitHub's REST API as the installation that produced the job. */
export function githubJobHandlers({
  db,
  octokitFor,
  fingerprintKey,
  log,
  now = () => new Date(),
}: {
  db: Db;
  octokitFor: (installationId: number) => Promise<ProbotOctokit>;
  fingerprintKey: string;
  log: Logger;
  now?: () => Date;
}): JobHandlers {
  return {
    'enrich-pull-request': async (payload) => {
      const octokit = await octokitFor(payload.installationId);
      await enrichPullRequest({ db, octokit, fingerprintKey, payload, now });
      log.info({ pr: `${payload.owner}/${payload.repo}#${payload.number}` }, 'pull request enriched');
    },
    'label-pull-request': async (payload) => {
      await labelPullRequest({ octokit: await octokitFor(payload.installationId), payload });
      log.info({ pr: `${payload.owner}/${payload.repo}#${payload.number}` }, 'pull request labelled');
    },
    'org-member-count': async (payload) => {
      const count = await refreshMemberCount({ db, octokit: await octokitFor(payload.installationId), payload, now, log });
      log.info({ org: payload.org, members: count }, 'org members counted');
    },
    'enrich-commit': async (payload) => {
      const octokit = await octokitFor(payload.installationId);
      const result = await enrichCommit({ db, octokit, fingerprintKey, payload, now });
      log.info({ commit: `${payload.owner}/${payload.repo}@${payload.sha.slice(0, 7)}`, result }, 'direct push enriched');
    },
  };
}
