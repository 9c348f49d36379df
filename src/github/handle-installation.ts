import type { EmitterWebhookEvent } from '@octokit/webhooks';
import {
  coverRepositories,
  toIso,
  uncoverInstallationRepositories,
  upsertInstallation,
  type RepositoryInput,
} from '../db/github-activity.js';
import type { Tx } from '../db/client.js';

type InstallationPayload = EmitterWebhookEvent<'installation'>['payload'];

interface Installationish {
  id: number;
  account: { id: number; login?: string; slug?: string; type?: string } | null;
  repository_selection?: string;
  suspended_at?: string | null;
  created_at: string | number;
  updated_at: string | number;
}

/** An installation as the store keeps it, in a given status. */
export function installationInput(installation: Installationish, status: 'active' | 'suspended' | 'deleted') {
  const account = installation.account;
  return {
    id: installation.id,
    accountId: account?.id ?? 0,
    accountLogin: account?.login ?? account?.slug ?? 'unknown',
    accountType: account?.type ?? 'Enterprise',
    repositorySelection: installation.repository_selection ?? null,
    status,
    // Installation payloads give times as ISO text or as epoch seconds.
    createdAt: toIso(typeof installation.created_at === 'number' ? installation.created_at * 1000 : installation.created_at),
    updatedAt: toIso(typeof installation.updated_at === 'number' ? installation.updated_at * 1000 : installation.updated_at),
  };
}

function statusAfter(payload: InstallationPayload): 'active' | 'suspended' | 'deleted' {
  switch (payload.action) {
    case 'deleted':
      return 'deleted';
    case 'suspend':
      return 'suspended';
    case 'unsuspend':
      return 'active';
    default:
      return payload.installation.suspended_at ? 'suspended' : 'active';
  }
}

/** installation.created / deleted / suspend / unsuspend: which accounts the app covers. */
export async function handleInstallation({ tx, payload, now }: { tx: Tx; payload: InstallationPayload; now: string }): Promise<void> {
  const installation = payload.installation as unknown as Installationish;
  await upsertInstallation(tx, installationInput(installation, statusAfter(payload)));
  const ownerLogin = installation.account?.login ?? 'unknown';

  if (payload.action === 'created') {
    const repos: RepositoryInput[] = (payload.repositories ?? []).map((r) => ({
      id: r.id,
      name: r.name,
      fullName: r.full_name,
      ownerLogin,
      private: r.private,
    }));
    await coverRepositories(tx, installation.id, repos, now);
  } else if (payload.action === 'deleted') {
    await uncoverInstallationRepositories(tx, installation.id, now);
  }
}
