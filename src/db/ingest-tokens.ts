import { and, asc, eq, isNull } from 'drizzle-orm';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../secret-token.js';
import type { Db, Tx } from './client.js';
import { ingestTokens } from './schema.js';

export type IngestToken = typeof ingestTokens.$inferSelect;

/** Issues a token for an org (and, for a personal token, a GitHub login). Returns the only copy of the secret. */
export async function createIngestToken(db: Db, input: { org: string; githubLogin?: string | undefined }, now = new Date()) {
  const token = newSecretToken('ccm_ingest');
  const [row] = await db
    .insert(ingestTokens)
    .values({
      // GitHub logins are case-insensitive; everything keyed by org uses the lowercase form.
      org: input.org.toLowerCase(),
      githubLogin: input.githubLogin ?? null,
      tokenHash: hashSecretToken(token),
      tokenPrefix: secretTokenPrefix(token),
      createdAt: now.toISOString(),
    })
    .returning();
  return { token, row: row! };
}

/**
 * The live (not revoked) token a bearer secret belongs to. Revocation takes effect on the next
 * request. Every telemetry request looks its token up: a plain query by the unique hash (SQLite
 * keeps its compiled statement; no named prepared statement, which a transaction-mode pooler in
 * front of PostgreSQL refuses).
 */
export async function findIngestToken(db: Db, secret: string): Promise<IngestToken | undefined> {
  const [token] = await db
    .select()
    .from(ingestTokens)
    .where(and(eq(ingestTokens.tokenHash, hashSecretToken(secret)), isNull(ingestTokens.revokedAt)))
    .limit(1);
  return token;
}

export async function listIngestTokens(db: Db, org?: string): Promise<IngestToken[]> {
  return db
    .select()
    .from(ingestTokens)
    .where(org ? eq(ingestTokens.org, org) : undefined)
    .orderBy(asc(ingestTokens.id));
}

/** Revokes a token by id; false when no live token has that id. */
export async function revokeIngestToken(db: Db, id: number, now = new Date()): Promise<boolean> {
  const rows = await db
    .update(ingestTokens)
    .set({ revokedAt: now.toISOString() })
    .where(and(eq(ingestTokens.id, id), isNull(ingestTokens.revokedAt)))
    .returning({ id: ingestTokens.id });
  return rows.length > 0;
}

/** Records when a token was last used, at most once a minute per token (it is shown, not counted). */
export async function markIngestTokenUsed(tx: Tx, token: IngestToken, now: string): Promise<void> {
  if (token.lastUsedAt && Date.parse(now) - Date.parse(token.lastUsedAt) < 60_000) return;
  await tx.update(ingestTokens).set({ lastUsedAt: now }).where(eq(ingestTokens.id, token.id));
}
