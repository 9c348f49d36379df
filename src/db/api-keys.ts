import { and, asc, eq, isNull } from 'drizzle-orm';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../secret-token.js';
import type { Db } from './client.js';
import { apiKeys } from './schema.js';
import { isStoreBusy } from './store-busy.js';
import { statement } from './statement-cache.js';

export type ApiKey = typeof apiKeys.$inferSelect;

/** Issues a key for one org. Returns the only copy of the secret. */
export function createApiKey(db: Db, input: { org: string }, now = new Date()) {
  const key = newSecretToken('ccm_api');
  const row = db
    .insert(apiKeys)
    .values({ org: input.org.toLowerCase(), keyHash: hashSecretToken(key), keyPrefix: secretTokenPrefix(key), createdAt: now.toISOString() })
    .returning()
    .get();
  return { key, row };
}

/** The live key a secret belongs to; revocation takes effect on the next request. */
export function findApiKey(db: Db, secret: string): ApiKey | undefined {
  const row = statement(
    db,
    `SELECT id, org, key_hash AS keyHash, key_prefix AS keyPrefix, created_at AS createdAt, revoked_at AS revokedAt, last_used_at AS lastUsedAt
     FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`,
  ).get(hashSecretToken(secret)) as ApiKey | undefined;
  return row;
}

export function listApiKeys(db: Db, org?: string): ApiKey[] {
  return db
    .select()
    .from(apiKeys)
    .where(org ? eq(apiKeys.org, org.toLowerCase()) : undefined)
    .orderBy(asc(apiKeys.id))
    .all();
}

export function revokeApiKey(db: Db, id: number, now = new Date()): boolean {
  return (
    db
      .update(apiKeys)
      .set({ revokedAt: now.toISOString() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id })
      .all().length > 0
  );
}

/**
 * Records when a key was last used, at most once a minute per key. A read of the metrics does not
 * fail because another process holds the write lock: the mark is then left for a later request.
 */
export function markApiKeyUsed(db: Db, key: ApiKey, now: Date): void {
  if (key.lastUsedAt && now.getTime() - Date.parse(key.lastUsedAt) < 60_000) return;
  try {
    statement(db, 'UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now.toISOString(), key.id);
  } catch (error) {
    if (!isStoreBusy(error)) throw error;
  }
}
