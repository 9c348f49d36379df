import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/*
 * What an incremental run reads besides processing's usual inputs: where the sessions its marks
 * name begin, so it knows how far back their data can change attributions.
 */

export interface SessionSpan {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** The org's sessions among `ids`, with the time they were first and last seen. */
export async function sessionSpans(db: Db, org: string, ids: readonly string[]): Promise<SessionSpan[]> {
  if (ids.length === 0) return [];
  return db.all<SessionSpan>(
    sql`SELECT id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt" FROM claude_sessions
        WHERE org = ${org} AND ${db.dialect.anyOf(sql.raw('id'), ids)} ORDER BY id`,
  );
}

/**
 * The org's sessions of Claude Code users with one of these identifiers (`email:…`,
 * `account_uuid:…`, `user_id:…`, as identity marks name them): whose links changed.
 */
export async function sessionsOfIdentities(db: Db, org: string, identities: readonly string[]): Promise<SessionSpan[]> {
  const byKind = { email: [] as string[], account_uuid: [] as string[], user_id: [] as string[] };
  for (const identity of identities) {
    const colon = identity.indexOf(':');
    const kind = identity.slice(0, colon);
    if (kind === 'email' || kind === 'account_uuid' || kind === 'user_id') byKind[kind].push(identity.slice(colon + 1));
  }
  const where = [
    byKind.email.length > 0 ? sql`${db.dialect.anyOf(sql.raw('lower(user_email)'), byKind.email)}` : undefined,
    byKind.account_uuid.length > 0 ? sql`${db.dialect.anyOf(sql.raw('user_account_uuid'), byKind.account_uuid)}` : undefined,
    byKind.user_id.length > 0 ? sql`${db.dialect.anyOf(sql.raw('user_id'), byKind.user_id)}` : undefined,
  ].filter((w) => w !== undefined);
  if (where.length === 0) return [];
  return db.all<SessionSpan>(
    sql`SELECT id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt" FROM claude_sessions
        WHERE org = ${org} AND (${sql.join(where, sql` OR `)}) ORDER BY id`,
  );
}
