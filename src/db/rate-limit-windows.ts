import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/*
 * The metrics API's rate limit, counted in the database (`rate_limit_windows`) so that every
 * replica of the app counts against the same allowance. One statement takes a request: the
 * window's row is created at 1 or raised by one while it is under the limit, and the count comes
 * back; no row back means the window is used up. The statement is atomic on both engines (an
 * upsert locks the row it raises on PostgreSQL; SQLite has one writer), so two replicas taking the
 * last request of a window at once cannot both get it.
 */

export interface RateLimitTake {
  /** The API key (or any caller) the allowance belongs to. */
  key: string;
  /** The fixed window's start (ISO-8601). */
  windowStart: string;
  /** Requests allowed per window. */
  limit: number;
}

/**
 * Counts one request in its window: the requests used so far, this one included, or undefined
 * when the window is used up. Throws the store's busy error at once when SQLite's write lock is
 * held by another process (the caller decides; it is not retried here).
 */
export async function takeRateLimit(db: Db, { key, windowStart, limit }: RateLimitTake): Promise<number | undefined> {
  const row = await db.get<{ used: number }>(
    sql`INSERT INTO rate_limit_windows (key, window_start, used) VALUES (${key}, ${windowStart}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET used = rate_limit_windows.used + 1
        WHERE rate_limit_windows.used < ${limit}
        RETURNING used`,
  );
  return row?.used;
}
