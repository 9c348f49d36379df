import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { installations } from '../db/schema.js';

/**
 * The org (lowercase login) an `organization`, `team` or `membership` delivery may change, or
 * undefined when it names another account than the installation it came through. Every
 * installation's deliveries share one webhook secret, so the signature alone does not tie the
 * payload's org to the installation: a known installation of another account never changes this
 * org's people or teams. A delivery of an installation not stored yet (its `installation.created`
 * still on its way) is applied: GitHub signed it, and dropping it would lose a change.
 */
export async function deliveryOrg(tx: Tx, payload: { organization: { login: string }; installation?: { id: number } | undefined }): Promise<string | undefined> {
  const org = payload.organization.login.toLowerCase();
  if (payload.installation === undefined) return org;
  const [installation] = await tx
    .select({ accountLogin: installations.accountLogin })
    .from(installations)
    .where(eq(installations.id, payload.installation.id))
    .limit(1);
  if (installation && installation.accountLogin.toLowerCase() !== org) return undefined;
  return org;
}
