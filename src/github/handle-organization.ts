import type { EmitterWebhookEvent } from '@octokit/webhooks';
import type { Tx } from '../db/client.js';
import { addOrgMember, removeOrgMember } from '../db/teams.js';
import { deliveryOrg } from './delivery-org.js';

type Payload = EmitterWebhookEvent<'organization.member_added' | 'organization.member_removed'>['payload'];

/** The `organization` actions that change the org's member list. */
export const ORGANIZATION_ACTIONS = ['member_added', 'member_removed'] as const;

/** organization.member_added / member_removed: a person joined or left the org (leaving takes them out of its teams too). */
export async function handleOrganization({ tx, payload, now }: { tx: Tx; payload: Payload; now: string }): Promise<void> {
  const org = await deliveryOrg(tx, payload);
  if (org === undefined) return;
  const login = payload.membership.user?.login;
  if (!login) return;
  if (payload.action === 'member_added') await addOrgMember(tx, org, login, now);
  else if (payload.action === 'member_removed') await removeOrgMember(tx, org, login, now);
}
