import { randomBytes } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { hashSecretToken } from '../secret-token.js';
import type { Db } from './client.js';
import { webSessions } from './schema.js';

/*
 * Sessions of the metrics pages. The browser holds a random id in a signed cookie; the database
 * keeps its SHA-256, who signed in and until when. GitHub's token is not kept: it serves once, to
 * learn who signed in, and access is checked with the app's own installation token.
 */

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface WebSession {
  githubLogin: string;
  githubUserId: number;
  name: string | null;
  expiresAt: string;
}

export async function createWebSession(
  db: Db,
  who: { login: string; id: number; name?: string | null },
  now = new Date(),
): Promise<{ id: string; session: WebSession }> {
  const id = randomBytes(32).toString('base64url');
  const session = { githubLogin: who.login, githubUserId: who.id, name: who.name ?? null, expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString() };
  await db.insert(webSessions).values({ idHash: hashSecretToken(id), createdAt: now.toISOString(), ...session });
  return { id, session };
}

/** The live session an id names, if any. */
export async function findWebSession(db: Db, id: string, now = new Date()): Promise<WebSession | undefined> {
  const [row] = await db.select().from(webSessions).where(eq(webSessions.idHash, hashSecretToken(id))).limit(1);
  if (!row || row.expiresAt <= now.toISOString()) return undefined;
  return { githubLogin: row.githubLogin, githubUserId: row.githubUserId, name: row.name, expiresAt: row.expiresAt };
}

export async function deleteWebSession(db: Db, id: string): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.idHash, hashSecretToken(id)));
}

/** Deletes the sessions that ended before `now`; how many. */
export async function purgeExpiredWebSessions(db: Db, now = new Date()): Promise<number> {
  const purged = await db.delete(webSessions).where(lt(webSessions.expiresAt, now.toISOString())).returning({ idHash: webSessions.idHash });
  return purged.length;
}
