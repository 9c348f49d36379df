import { sql } from 'drizzle-orm';
import { hashSecretToken } from '../secret-token.js';
import type { ApiKey } from './api-keys.js';
import type { Db } from './client.js';
import type { RateLimitTake } from './rate-limit-windows.js';

/*
 * What every API request asks the store before its route runs, in one statement on PostgreSQL: the
 * live key its secret belongs to, one request taken from that key's rate-limit window, and which
 * processing runs have ended (the stamp remembered reports are kept under). On SQLite these are
 * three statements of a few microseconds each; on PostgreSQL each statement is a round trip to the
 * server, and three of them in a row were most of a remembered report's answer time (docs/postgres.md).
 * The statement is a function (`ccm_admit_api_key_request`, drizzle/postgres/0004): the app's
 * connections plan every statement afresh for its values (postgres-client.ts), and this one's
 * plan, the same for every key, took longer to make than to run; the function keeps it.
 *
 * The rules stay those of the separate statements: a revoked key is not found (revocation takes
 * effect on the next request, whichever replica answers it), a key that does not cover the org the
 * request names takes nothing, and the take is the same atomic upsert as `takeRateLimit`'s.
 */

export interface ApiKeyRequest extends Omit<RateLimitTake, 'key'> {
  /** The secret the request sent. */
  secret: string;
  /** The org the request's path names (lower-case), or undefined where the key alone decides it. */
  org: string | undefined;
}

export interface AdmittedApiKeyRequest {
  key: ApiKey;
  /**
   * The requests used in the window, this one included; undefined when the window is used up, or
   * when the key does not cover `org` (then nothing was taken).
   */
  used: number | undefined;
  /** Which processing runs had ended when the request came (as `processingEnded` answers). */
  processingEnded: { runsEnded: number; lastEndedAt: string | null };
}

/** PostgreSQL only (SQLite has no functions and cannot write in a WITH clause); undefined when the secret is no live key. */
export async function admitApiKeyRequest(db: Db, { secret, org, windowStart, limit }: ApiKeyRequest): Promise<AdmittedApiKeyRequest | undefined> {
  if (db.engine !== 'postgres') throw new Error('admitApiKeyRequest runs on PostgreSQL; SQLite asks the three statements one by one');
  // The function takes the rate limit under the API key's id as text, as `apiKeyAccess` does on SQLite.
  const row = await db.get<ApiKey & { used: number | null; runsEnded: number; lastEndedAt: string | null }>(
    sql`SELECT * FROM ccm_admit_api_key_request(${hashSecretToken(secret)}, ${windowStart}, ${org ?? null}, ${limit})`,
  );
  if (!row) return undefined;
  const { used, runsEnded, lastEndedAt, ...key } = row;
  return { key, used: used ?? undefined, processingEnded: { runsEnded: Number(runsEnded), lastEndedAt } };
}
