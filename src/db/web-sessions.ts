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

export function createWebSession(db: Db, who: { login: string; id: number; name?: string | null }, now = new Date()): { id: string; session: WebSession } {
  const id = randomBytes(32).toString('base64url');
  const session = { githubLogin: who.login, githubUserId: who.id, name: who.name ?? null, expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString() };
  db.insert(webSessions).values({ idHash: hashSecretToken(id), createdAt: now.toISOString(), ...session }).run();
  return { id, session };
}

/** The live session an id names, if any. */
export function findWebSession(db: Db, id: string, now = new Date()): WebSession | undefined {
  const row = db.select().from(webSessions).where(eq(webSessions.idHash, hashSecretToken(id))).get();
  if (!row || row.expiresAt <= now.toISOString()) return undefined;
  return { githubLogin: row.githubLogin, githubUserId: row.githubUserId, name: row.name, expiresAt: row.expiresAt };
}

export function deleteWebSession(db: Db, id: string): void {
  db.delete(webSessions).where(eq(webSessions.idHash, hashSecretToken(id))).run();
}

export function purgeExpiredWebSessions(db: Db, now = new Date()): number {
  return db.delete(webSessions).where(lt(webSessions.expiresAt, now.toISOString())).run().changes;
}
