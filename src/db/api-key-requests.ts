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

/** PostgreSQL only (SQLite cannot write in a WITH clause); undefined when the secret is no live key. */
export async function admitApiKeyRequest(db: Db, { secret, org, windowStart, limit }: ApiKeyRequest): Promise<AdmittedApiKeyRequest | undefined> {
  if (db.engine !== 'postgres') throw new Error('admitApiKeyRequest runs on PostgreSQL; SQLite asks the three statements one by one');
  // The rate limit's key is the API key's id as text, as `apiKeyAccess` takes it on SQLite.
  const row = await db.get<ApiKey & { used: number | null; runsEnded: number; lastEndedAt: string | null }>(
    sql`WITH found AS (
          SELECT id, org, key_hash, key_prefix, created_at, revoked_at, last_used_at
          FROM api_keys WHERE key_hash = ${hashSecretToken(secret)} AND revoked_at IS NULL
        ), taken AS (
          INSERT INTO rate_limit_windows (key, window_start, used)
          SELECT id::text, ${windowStart}, 1 FROM found WHERE ${org ?? null}::text IS NULL OR found.org = ${org ?? null}::text
          ON CONFLICT (key, window_start) DO UPDATE SET used = rate_limit_windows.used + 1
          WHERE rate_limit_windows.used < ${limit}
          RETURNING used
        )
        SELECT found.id, found.org, found.key_hash AS "keyHash", found.key_prefix AS "keyPrefix", found.created_at AS "createdAt",
               found.revoked_at AS "revokedAt", found.last_used_at AS "lastUsedAt", (SELECT used FROM taken) AS used,
               ended.runs_ended AS "runsEnded", ended.last_ended_at AS "lastEndedAt"
        FROM found, (SELECT count(finished_at) AS runs_ended, max(finished_at) AS last_ended_at FROM processing_runs) AS ended`,
  );
  if (!row) return undefined;
  const { used, runsEnded, lastEndedAt, ...key } = row;
  return { key, used: used ?? undefined, processingEnded: { runsEnded: Number(runsEnded), lastEndedAt } };
}
