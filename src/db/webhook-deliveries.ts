import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { webhookDeliveries, webhookRedeliveryRequests } from './schema.js';

export interface Delivery {
  id: string;
  event: string;
  action: string | null;
  installationId: number | null;
}

/**
 * Applies a webhook delivery at most once: `apply` and the record of the delivery commit together,
 * so a redelivered `X-GitHub-Delivery` changes nothing, and a delivery whose handling failed is
 * applied in full when GitHub delivers it again. Returns false for a delivery already applied.
 *
 * The record is inserted first and `apply` runs only when it was new: a copy of the delivery handled
 * at the same time (another replica) waits at its own insert for this transaction to end, then
 * finds the record and applies nothing, or, if this one failed and rolled back, applies it itself.
 */
export async function applyDeliveryOnce(db: Db, delivery: Delivery, now: string, apply: (tx: Tx) => Promise<void> | void): Promise<boolean> {
  return db.transaction(
    async (tx) => {
      const recorded = await tx
        .insert(webhookDeliveries)
        .values({ ...delivery, receivedAt: now })
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      if (recorded.length === 0) return false;
      await apply(tx);
      return true;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Of these delivery guids, those already applied or already asked to be redelivered: the deliveries
 * catch-up must not ask GitHub for.
 */
export async function knownDeliveryGuids(db: Db, guids: readonly string[]): Promise<Set<string>> {
  const known = new Set<string>();
  // All guids bound as one parameter: no limit on how many a page of GitHub's listing holds.
  for (const r of await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(db.dialect.anyOf(webhookDeliveries.id, guids))) known.add(r.id);
  for (const r of await db
    .select({ guid: webhookRedeliveryRequests.guid })
    .from(webhookRedeliveryRequests)
    .where(db.dialect.anyOf(webhookRedeliveryRequests.guid, guids))) {
    known.add(r.guid);
  }
  return known;
}

export async function recordRedeliveryRequest(db: Db, request: { guid: string; deliveryId: number; event: string }, now: string): Promise<void> {
  await db
    .insert(webhookRedeliveryRequests)
    .values({ ...request, requestedAt: now })
    .onConflictDoNothing();
}

/** Requests older than GitHub keeps deliveries can never matter again. */
export async function pruneRedeliveryRequests(db: Db, before: string): Promise<number> {
  const { changes } = await db.run(sql`DELETE FROM ${webhookRedeliveryRequests} WHERE ${webhookRedeliveryRequests.requestedAt} < ${before}`);
  return changes;
}
