import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { hashSecretToken, newSecretToken, secretTokenPrefix } from '../secret-token.js';
import type { Db, Tx } from './client.js';
import { ingestTokens } from './schema.js';

export type IngestToken = typeof ingestTokens.$inferSelect;

/** Issues a token for an org (and, for a personal token, a GitHub login). Returns the only copy of the secret. */
export function createIngestToken(db: Db, input: { org: string; githubLogin?: string | undefined }, now = new Date()) {
  const token = newSecretToken('ccm_ingest');
  const row = db
    .insert(ingestTokens)
    .values({
      // GitHub logins are case-insensitive; everything keyed by org uses the lowercase form.
      org: input.org.toLowerCase(),
      githubLogin: input.githubLogin ?? null,
      tokenHash: hashSecretToken(token),
      tokenPrefix: secretTokenPrefix(token),
      createdAt: now.toISOString(),
    })
    .returning()
    .get();
  return { token, row };
}

const lookups = new WeakMap<object, ReturnType<typeof prepareLookup>>();

// Every telemetry request looks its token up: the query is prepared once per database.
function prepareLookup(db: Db) {
  return db
    .select()
    .from(ingestTokens)
    .where(and(eq(ingestTokens.tokenHash, sql.placeholder('hash')), isNull(ingestTokens.revokedAt)))
    .prepare();
}

/** The live (not revoked) token a bearer secret belongs to. Revocation takes effect on the next request. */
export function findIngestToken(db: Db, secret: string): IngestToken | undefined {
  let lookup = lookups.get(db.$client);
  if (!lookup) {
    lookup = prepareLookup(db);
    lookups.set(db.$client, lookup);
  }
  return lookup.get({ hash: hashSecretToken(secret) });
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

/** Records when a token was last used, at most once a minute per token (it is shown, not counted). */
export function markIngestTokenUsed(tx: Tx, token: IngestToken, now: string): void {
  if (token.lastUsedAt && Date.parse(now) - Date.parse(token.lastUsedAt) < 60_000) return;
  tx.update(ingestTokens).set({ lastUsedAt: now }).where(eq(ingestTokens.id, token.id)).run();
}
