/*
 * Waiting for SQLite's write lock without stalling the server. better-sqlite3 is synchronous: its
 * busy timeout blocks the whole event loop while another connection (the command line, a backup
 * tool) holds the write lock. So the server opens the file with a busy timeout of milliseconds and
 * waits for the lock here, between short attempts, with timers; when the lock stays taken past the
 * caller's budget the write is given up with `StoreBusyError`, which the HTTP layer answers with 503
 * and `Retry-After` (a retryable status for OTLP exporters and GitHub's redelivery alike).
 *
 * PostgreSQL has no writer lock: a write waits for the rows it needs on the server, without
 * blocking the event loop. What it may answer instead is a transaction to run again, rolled back
 * whole: a serialization failure (40001) or a deadlock it broke (40P01); those are retried here the
 * same way, and nothing else.
 */

/** The store's write lock stayed taken for the whole wait: nothing was written; try again later. */
export class StoreBusyError extends Error {
  /** Read by @octokit/webhooks' middleware, which answers a handler's error with its `status`. */
  readonly status = 503;

  constructor(
    readonly waitedMs: number,
    /** When to try again, in whole seconds (the `Retry-After` header). */
    readonly retryAfterSeconds = 1,
  ) {
    super(`The database is busy with another writer (waited ${waitedMs} ms); nothing was stored. Retry in ${retryAfterSeconds} s.`);
    this.name = 'StoreBusyError';
  }
}

/**
 * SQLite's "locked by another connection" result codes (SQLITE_BUSY and its extended codes), and
 * PostgreSQL's SQLSTATEs of a transaction rolled back to be run again.
 */
const BUSY_CODE = /^(SQLITE_BUSY|40001$|40P01$)/;

/** True for `StoreBusyError` and for the engine's busy error (above), also when wrapped (drizzle wraps query errors in `cause`). */
export function isStoreBusy(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreBusyError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && BUSY_CODE.test(code)) return true;
  }
  return false;
}

export interface WaitForStoreOptions {
  /** Give up after waiting this long in all (default 2 s). */
  maxWaitMs?: number;
  /** `Retry-After` of the `StoreBusyError` thrown on giving up (default 1 s). */
  retryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `write` (one transaction, so a failed attempt left nothing behind) and,
 * while the database answers "busy", tries again after a growing pause (10 ms up to 200 ms, with
 * jitter) that leaves the event loop free for other requests. Throws `StoreBusyError` after
 * `maxWaitMs`; any other error is thrown as it is.
 */
export async function writeWhenFree<T>(write: () => T | Promise<T>, { maxWaitMs = 2_000, retryAfterSeconds = 1, sleep = sleepFor }: WaitForStoreOptions = {}): Promise<T> {
  const started = performance.now();
  let pause = 10;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (!isStoreBusy(error)) throw error;
      const waited = performance.now() - started;
      if (waited >= maxWaitMs) throw new StoreBusyError(Math.round(waited), retryAfterSeconds);
      await sleep(Math.min(pause * (0.75 + Math.random() / 2), maxWaitMs - waited));
      pause = Math.min(pause * 2, 200);
    }
  }
}
