import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { appSecrets } from './schema.js';

export const FINGERPRINT_SECRET_NAME = 'line_fingerprint_key';

/**
 * The key of line fingerprints. Generated once and kept in the database, next to the fingerprints
 * it made: a new key would make every stored fingerprint unmatchable. `FINGERPRINT_SECRET`
 * overrides it (then it must stay the same across restarts).
 */
export async function fingerprintKey(db: Db, configured: string | undefined): Promise<string> {
  return configured ?? storedSecret(db, FINGERPRINT_SECRET_NAME);
}

export const SESSION_SECRET_NAME = 'session_cookie_key';

/** The key that signs the metrics pages' session cookies; `SESSION_SECRET` overrides it. */
export async function sessionKey(db: Db, configured: string | undefined): Promise<string> {
  return configured ?? storedSecret(db, SESSION_SECRET_NAME);
}

/** A random 256-bit secret made on first use and kept in the database (replicas starting together keep the first one stored). */
async function storedSecret(db: Db, name: string): Promise<string> {
  await db.insert(appSecrets).values({ name, value: randomBytes(32).toString('hex'), createdAt: new Date().toISOString() }).onConflictDoNothing();
  const [row] = await db.select({ value: appSecrets.value }).from(appSecrets).where(eq(appSecrets.name, name)).limit(1);
  if (!row) throw new Error(`secret ${name} could not be stored`);
  return row.value;
}
