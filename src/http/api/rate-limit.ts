import type { Db } from '../../db/client.js';
import { takeRateLimit } from '../../db/rate-limit-windows.js';
import { isStoreBusy } from '../../db/store-busy.js';

/**
 * Requests per key per fixed window (a minute by default), counted in the database: every replica
 * of the app (several processes on one PostgreSQL) takes from the same allowance, so a client
 * cannot multiply it by reaching another replica. Old windows are pruned by retention.
 *
 * A read of the metrics does not wait for SQLite's write lock when another process holds it (the
 * command line, a backup): the request is then counted in this process, where a SQLite server's
 * whole allowance lives anyway (one server process per SQLite file).
 */
export class FixedWindowRateLimiter {
  readonly #whileBusy = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly db: Db,
    /** Requests allowed per window. */
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** The fixed window `now` falls in: its start (ISO-8601), and the seconds until the next one. */
  windowAt(now: number): { start: string; resetSeconds: number } {
    const start = now - (now % this.windowMs);
    return { start: new Date(start).toISOString(), resetSeconds: Math.max(1, Math.ceil((start + this.windowMs - now) / 1000)) };
  }

  /** The verdict on a request given the window's count with it (undefined: the window is used up). */
  verdict(used: number | undefined, resetSeconds: number): { allowed: boolean; remaining: number; resetSeconds: number } {
    if (used === undefined) return { allowed: false, remaining: 0, resetSeconds };
    return { allowed: true, remaining: Math.max(0, this.limit - used), resetSeconds };
  }

  async take(key: string, now: number): Promise<{ allowed: boolean; remaining: number; resetSeconds: number }> {
    const window = this.windowAt(now);
    let used: number | undefined;
    try {
      used = await takeRateLimit(this.db, { key, windowStart: window.start, limit: this.limit });
    } catch (error) {
      if (!isStoreBusy(error)) throw error;
      used = this.#takeInProcess(key, Date.parse(window.start));
    }
    return this.verdict(used, window.resetSeconds);
  }

  #takeInProcess(key: string, start: number): number | undefined {
    let window = this.#whileBusy.get(key);
    if (!window || window.start !== start) {
      if (this.#whileBusy.size > 10_000) this.#whileBusy.clear();
      this.#whileBusy.set(key, (window = { start, used: 0 }));
    }
    if (window.used >= this.limit) return undefined;
    return ++window.used;
  }
}
