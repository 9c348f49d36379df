import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresPool } from '../../src/db/client.js';
import { githubUsers } from '../../src/db/schema.js';
import { applyDeliveryOnce, knownDeliveryGuids, pruneRedeliveryRequests, recordRedeliveryRequest } from '../../src/db/webhook-deliveries.js';
import { createTestDb, testEngine, type TestDb } from '../helpers/test-db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.cleanup();
});

const delivery = { id: 'd-1', event: 'push', action: null, installationId: 7 };
const NOW = '2026-12-01T10:00:00.000Z';
const users = () => t.db.all(sql`SELECT id, login FROM github_users ORDER BY id`);

describe('applyDeliveryOnce', () => {
  it('applies a delivery once, records it with what it applied, and applies it again after a failure rolled both back', async () => {
    await expect(
      applyDeliveryOnce(t.db, delivery, NOW, async (tx) => {
        await tx.insert(githubUsers).values({ id: 1, login: 'dana', type: 'User', updatedAt: NOW });
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await users()).toEqual([]);
    expect(await t.db.all(sql`SELECT id FROM webhook_deliveries`)).toEqual([]);

    let applied = 0;
    const apply = async (tx: typeof t.db) => {
      applied++;
      await tx.insert(githubUsers).values({ id: 1, login: 'dana', type: 'User', updatedAt: NOW }).onConflictDoNothing();
    };
    expect(await applyDeliveryOnce(t.db, delivery, NOW, apply)).toBe(true);
    expect(await applyDeliveryOnce(t.db, delivery, '2026-12-01T11:00:00.000Z', apply)).toBe(false);
    expect(applied).toBe(1);
    expect(await users()).toEqual([{ id: 1, login: 'dana' }]);
    expect(await t.db.all(sql`SELECT id, event, action, installation_id AS "installationId", received_at AS "receivedAt" FROM webhook_deliveries`)).toEqual([
      { id: 'd-1', event: 'push', action: null, installationId: 7, receivedAt: NOW },
    ]);
  });

  // Two handlings of one delivery at once happen where transactions run side by side (two
  // replicas on PostgreSQL); SQLite's one connection runs one transaction at a time.
  it.skipIf(testEngine() !== 'postgres')('applies a delivery once when two replicas handle it at the same time', async () => {
    let applied = 0;
    // Read on a connection of its own: a transaction sees one snapshot of pg_stat_activity.
    const waitingForUs = async () =>
      Number(
        (
          await postgresPool(t.db)!.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'insert into "webhook_deliveries"%'`,
          )
        ).rows[0].n,
      );
    const apply = async (tx: typeof t.db) => {
      applied++;
      // The other handling is now waiting at its insert of the same delivery: this one holds it.
      for (let i = 0; i < 200 && (await waitingForUs()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await waitingForUs()).toBe(1);
      await tx.insert(githubUsers).values({ id: 1, login: 'dana', type: 'User', updatedAt: NOW });
    };
    const results = await Promise.all([applyDeliveryOnce(t.db, delivery, NOW, apply), applyDeliveryOnce(t.db, delivery, NOW, apply)]);
    expect(results.sort()).toEqual([false, true]);
    expect(applied).toBe(1);
    expect(await users()).toEqual([{ id: 1, login: 'dana' }]);
    expect(await t.db.all(sql`SELECT id FROM webhook_deliveries`)).toEqual([{ id: 'd-1' }]);
  });
});

describe('redelivery requests', () => {
  it('knows the guids applied or asked for, however many are asked about, and prunes old requests', async () => {
    await applyDeliveryOnce(t.db, delivery, NOW, async () => {});
    await recordRedeliveryRequest(t.db, { guid: 'g-1', deliveryId: 3_000_000_001, event: 'push' }, '2026-11-01T00:00:00.000Z');
    await recordRedeliveryRequest(t.db, { guid: 'g-1', deliveryId: 5, event: 'push' }, NOW); // asked once: the first request stays
    await recordRedeliveryRequest(t.db, { guid: 'g-2', deliveryId: 6, event: 'pull_request' }, NOW);
    const asked = [...Array.from({ length: 1_200 }, (_, i) => `unknown-${i}`), 'g-2', 'd-1', 'g-1'];
    expect([...(await knownDeliveryGuids(t.db, asked))].sort()).toEqual(['d-1', 'g-1', 'g-2']);
    expect(await knownDeliveryGuids(t.db, [])).toEqual(new Set());

    expect(await pruneRedeliveryRequests(t.db, '2026-11-15T00:00:00.000Z')).toBe(1);
    expect([...(await knownDeliveryGuids(t.db, asked))].sort()).toEqual(['d-1', 'g-2']);
  });
});
