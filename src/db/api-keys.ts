import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../secret-token.js';
import type { Db } from './client.js';
import { apiKeys } from './schema.js';
import { isStoreBusy } from './store-busy.js';

export type ApiKey = typeof apiKeys.$inferSelect;

/** Issues a key for one org. Returns the only copy of the secret. */
export async function createApiKey(db: Db, input: { org: string }, now = new Date()): Promise<{ key: string; row: ApiKey }> {
  const key = newSecretToken('ccm_api');
  const [row] = await db
    .insert(apiKeys)
    .values({ org: input.org.toLowerCase(), keyHash: hashSecretToken(key), keyPrefix: secretTokenPrefix(key), createdAt: now.toISOString() })
    .returning();
  return { key, row: row! };
}

/** The live key a secret belongs to; revocation takes effect on the next request. */
export async function findApiKey(db: Db, secret: string): Promise<ApiKey | undefined> {
  return db.get<ApiKey>(
    sql`SELECT id, org, key_hash AS "keyHash", key_prefix AS "keyPrefix", created_at AS "createdAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
        FROM api_keys WHERE key_hash = ${hashSecretToken(secret)} AND revoked_at IS NULL`,
  );
}

export async function listApiKeys(db: Db, org?: string): Promise<ApiKey[]> {
  return db
    .select()
    .from(apiKeys)
    .where(org ? eq(apiKeys.org, org.toLowerCase()) : undefined)
    .orderBy(asc(apiKeys.id));
}

export async function revokeApiKey(db: Db, id: number, now = new Date()): Promise<boolean> {
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: now.toISOString() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return revoked.length > 0;
}

/**
 * Records when a key was last used, at most once a minute per key. A read of the metrics does not
 * fail because another process holds the write lock: the mark is then left for a later request.
 */
export async function markApiKeyUsed(db: Db, key: ApiKey, now: Date): Promise<void> {
  if (key.lastUsedAt && now.getTime() - Date.parse(key.lastUsedAt) < 60_000) return;
  try {
    await db.run(sql`UPDATE api_keys SET last_used_at = ${now.toISOString()} WHERE id = ${key.id}`);
  } catch (error) {
    if (!isStoreBusy(error)) throw error;
  }
}
