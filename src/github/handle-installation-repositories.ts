import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { coverRepositories, uncoverRepositories, upsertInstallation } from '../db/github-activity.js';
import type { Tx } from '../db/client.js';
import { installationInput } from './handle-installation.js';

type Payload = EmitterWebhookEvent<'installation_repositories'>['payload'];

/** installation_repositories.added / removed: the repositories an installation covers changed. */
export async function handleInstallationRepositories({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  const installation = payload.installation;
  await upsertInstallation(tx, installationInput(installation as never, installation.suspended_at ? 'suspended' : 'active'));
  const ownerLogin = (installation.account as { login?: string } | null)?.login ?? 'unknown';
  const toInput = (r: Payload['repositories_added'][number]) => ({
    id: r.id,
    name: r.name,
    fullName: r.full_name,
    ownerLogin,
    private: r.private,
  });
  await coverRepositories(tx, installation.id, payload.repositories_added.map(toInput), now);
  const removed = payload.repositories_removed.flatMap((r) =>
    r.id === undefined || r.name === undefined || r.full_name === undefined
      ? []
      : [{ id: r.id, name: r.name, fullName: r.full_name, ownerLogin, private: r.private ?? true }],
  );
  await uncoverRepositories(tx, installation.id, removed, now);
}
