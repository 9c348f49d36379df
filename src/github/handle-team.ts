import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type { Tx } from '../db/client.js';
import { deleteTeam, upsertTeam } from '../db/teams.js';
import { deliveryOrg } from './delivery-org.js';

type Payload = EmitterWebhookEvent<'team'>['payload'];

/** The `team` actions that change what the app stores (a team's repositories do not). */
export const TEAM_ACTIONS = ['created', 'deleted', 'edited'] as const;

/**
 * team.created / edited / deleted: the org's team list changed. An edit may rename the team: GitHub
 * then gives it a new slug under the same id, and the stored team follows (its members stay).
 */
export async function handleTeam({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  const org = await deliveryOrg(tx, payload);
  if (org === undefined) return;
  if (payload.action === 'deleted') await deleteTeam(tx, org, payload.team.id, now);
  // The payload check (webhook-payloads.ts) requires the slug of these actions.
  else await upsertTeam(tx, org, { id: payload.team.id, slug: payload.team.slug!, name: payload.team.name }, now);
}
