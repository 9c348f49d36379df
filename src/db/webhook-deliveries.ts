import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import type { Tx } from './github-activity.js';
import { webhookDeliveries } from './schema.js';

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
