import { eq, inArray, lt } from 'drizzle-orm';
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
 */
export function applyDeliveryOnce(db: Db, delivery: Delivery, now: string, apply: (tx: Tx) => void): boolean {
  return db.transaction(
    (tx) => {
      const seen = tx.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery.id)).get();
      if (seen) return false;
      apply(tx);
      tx.insert(webhookDeliveries).values({ ...delivery, receivedAt: now }).run();
      return true;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Of these delivery guids, those already applied or already asked to be redelivered: the deliveries
 * catch-up must not ask GitHub for.
 */
export function knownDeliveryGuids(db: Db, guids: readonly string[]): Set<string> {
  const known = new Set<string>();
  // SQLite limits the number of bound parameters; guids come in pages of GitHub's listing.
  for (let i = 0; i < guids.length; i += 500) {
    const batch = guids.slice(i, i + 500);
    for (const r of db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(inArray(webhookDeliveries.id, batch)).all()) known.add(r.id);
    for (const r of db
      .select({ guid: webhookRedeliveryRequests.guid })
      .from(webhookRedeliveryRequests)
      .where(inArray(webhookRedeliveryRequests.guid, batch))
      .all()) {
      known.add(r.guid);
    }
  }
  return known;
}

export function recordRedeliveryRequest(db: Db, request: { guid: string; deliveryId: number; event: string }, now: string): void {
  db.insert(webhookRedeliveryRequests)
    .values({ ...request, requestedAt: now })
    .onConflictDoNothing()
    .run();
}

/** Requests older than GitHub keeps deliveries can never matter again. */
export function pruneRedeliveryRequests(db: Db, before: string): number {
  return db.delete(webhookRedeliveryRequests).where(lt(webhookRedeliveryRequests.requestedAt, before)).run().changes;
}
