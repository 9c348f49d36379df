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
export function fingerprintKey(db: Db, configured: string | undefined): string {
  if (configured) return configured;
  db.insert(appSecrets)
    .values({ name: FINGERPRINT_SECRET_NAME, value: randomBytes(32).toString('hex'), createdAt: new Date().toISOString() })
    .onConflictDoNothing()
    .run();
  const row = db.select({ value: appSecrets.value }).from(appSecrets).where(eq(appSecrets.name, FINGERPRINT_SECRET_NAME)).get();
  if (!row) throw new Error('line fingerprint key could not be stored');
  return row.value;
}
