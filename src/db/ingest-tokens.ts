import { and, asc, eq, isNull } from 'drizzle-orm';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../secret-token.js';
import type { Db } from './client.js';
import type { Tx } from './github-activity.js';
import { ingestTokens } from './schema.js';

export type IngestToken = typeof ingestTokens.$inferSelect;

/** Issues a token for an org (and, for a personal token, a GitHub login). Returns the only copy of the secret. */
export function createIngestToken(db: Db, input: { org: string; githubLogin?: string | undefined }, now = new Date()) {
  const token = newSecretToken('ccm_ingest');
  const row = db
    .insert(ingestTokens)
    .values({
      org: input.org,
      githubLogin: input.githubLogin ?? null,
      tokenHash: hashSecretToken(token),
      tokenPrefix: secretTokenPrefix(token),
      createdAt: now.toISOString(),
    })
    .returning()
    .get();
  return { token, row };
}

/** The live (not revoked) token a bearer secret belongs to. */
export function findIngestToken(db: Db | Tx, secret: string): IngestToken | undefined {
  return db
    .select()
    .from(ingestTokens)
    .where(and(eq(ingestTokens.tokenHash, hashSecretToken(secret)), isNull(ingestTokens.revokedAt)))
    .get();
}

export function listIngestTokens(db: Db, org?: string): IngestToken[] {
  return db
    .select()
    .from(ingestTokens)
    .where(org ? eq(ingestTokens.org, org) : undefined)
    .orderBy(asc(ingestTokens.id))
    .all();
}

/** Revokes a token by id; false when no live token has that id. */
export function revokeIngestToken(db: Db, id: number, now = new Date()): boolean {
  const rows = db
    .update(ingestTokens)
    .set({ revokedAt: now.toISOString() })
    .where(and(eq(ingestTokens.id, id), isNull(ingestTokens.revokedAt)))
    .returning({ id: ingestTokens.id })
    .all();
  return rows.length > 0;
}

export function markIngestTokenUsed(tx: Tx, id: number, now: string): void {
  tx.update(ingestTokens).set({ lastUsedAt: now }).where(eq(ingestTokens.id, id)).run();
}
