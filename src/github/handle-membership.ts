import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type { Tx } from '../db/client.js';
import { addTeamMember, removeTeamMember, upsertTeam } from '../db/teams.js';
import { deliveryOrg } from './delivery-org.js';

type Payload = EmitterWebhookEvent<'membership'>['payload'];

/**
 * membership.added / removed: a person joined or left one of the org's teams. A team not stored
 * yet (created before the last member job) is stored from the payload. Events may arrive out of
 * order; the daily member job replaces the lists whole and settles any disagreement.
 */
export async function handleMembership({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  if (payload.scope !== 'team' || !payload.member) return;
  const org = await deliveryOrg(tx, payload);
  if (org === undefined) return;
  const team = payload.team as { id: number; slug?: string; name: string };
  if (payload.action === 'added') {
    // A payload without a slug names a team that was deleted: nothing to add to.
    if (team.slug === undefined) return;
    await upsertTeam(tx, org, { id: team.id, slug: team.slug, name: team.name }, now);
    await addTeamMember(tx, org, team, payload.member.login, now);
  } else {
    await removeTeamMember(tx, org, team.id, payload.member.login, now);
  }
}
