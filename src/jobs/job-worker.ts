import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { isStoreBusy, writeWhenFree } from '../db/store-busy.js';
import type { Job } from '../db/schema.js';
import { jobWork, type JobHandlers } from './job-kinds.js';
import { claimNextJob, completeJob, failJob, postponeJob, retryJobLater } from './job-queue.js';

export const BASE_BACKOFF_MS = 5_000;
export const MAX_BACKOFF_MS = 60 * 60_000;
export const STORE_BUSY_RETRY_MS = 2_000;
/**
 * How long a job handler's write waits for another process's write lock (`writeWhenFree`; SQLite
 * only) before giving up with `StoreBusyError`; the job is then run again later without using up an attempt.
 */
export const JOB_WRITE_WAIT_MS = 5_000;
/** How long the queue's own bookkeeping (claim, done, retry) waits for another process's write lock (SQLite only). */
const QUEUE_WRITE_WAIT_MS = 30_000;

interface HttpLikeError {
  status?: number;
  code?: string;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']);

/**
 * How long to wait before retrying after `error`, or null when retrying cannot help (a 404, a bad
 * request, a bug). GitHub 5xx, secondary and primary rate limits and network failures are retried.
 */
export function retryDelayFor(error: unknown, attempt: number, now: number, random: () => number = Math.random): number | null {
  // Another process held the database's write lock: the job's own write can simply be tried again soon.
  if (isStoreBusy(error)) return Math.round(STORE_BUSY_RETRY_MS * (0.8 + 0.4 * random()));
  const e = (error ?? {}) as HttpLikeError;
  const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(backoff * (0.8 + 0.4 * random()));
  const headers = e.response?.headers ?? {};
  const header = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : Number(value);
  };

  if (e.status === 429 || (e.status === 403 && isRateLimited(e))) {
    const retryAfter = header('retry-after');
    if (retryAfter !== undefined && Number.isFinite(retryAfter)) return Math.max(retryAfter * 1000, 1000);
    const reset = header('x-ratelimit-reset');
    if (reset !== undefined && Number.isFinite(reset)) return Math.max(reset * 1000 - now + 1000, 1000);
    return jittered;
  }
  if (e.status !== undefined && e.status >= 500) return jittered;
  if (e.status === undefined && (NETWORK_ERROR_CODES.has(e.code ?? '') || /fetch failed|socket hang up|network/i.test(e.message ?? ''))) {
    return jittered;
  }
  return null;
}

function isRateLimited(e: HttpLikeError): boolean {
  const headers = e.response?.headers ?? {};
  return (
    String(headers['x-ratelimit-remaining']) === '0' ||
    headers['retry-after'] !== undefined ||
    /rate limit/i.test(e.message ?? '')
  );
}

export interface JobWorkerOptions {
  db: Db;
  /** The handler of each kind this worker runs; a job of another kind fails (no handler). */
  handlers: Partial<JobHandlers>;
  log: Logger;
  pollIntervalMs: number;
  now?: () => number;
  random?: () => number;
}

/** Runs due jobs one at a time, in this process, until stopped. */
export class JobWorker {
  readonly #options: JobWorkerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = true;
  #stopRequested = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
  }

  /** Runs every job that is due now, then returns how many were attempted. */
  async runDueJobs(): Promise<number> {
    const { db, now = Date.now } = this.#options;
    let attempted = 0;
    while (!this.#stopRequested) {
      const job = await writeWhenFree(() => claimNextJob(db, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
      if (!job) return attempted;
      attempted++;
      await this.#runOne(job);
    }
    return attempted;
  }

  async #runOne(job: Job): Promise<void> {
    const { db, handlers, log, now = Date.now, random = Math.random } = this.#options;
    const work = jobWork(handlers, job);
    const jobLog = log.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    if (!work) {
      await writeWhenFree(() => failJob(db, job.id, `no handler for job kind "${job.kind}"`, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
      jobLog.error('job failed: unknown kind');
      return;
    }
    try {
      await work();
      await writeWhenFree(() => completeJob(db, job.id, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
      jobLog.debug('job done');
    } catch (error) {
      const message = describeError(error);
      const delay = retryDelayFor(error, job.attempts, now(), random);
      if (delay !== null && isStoreBusy(error)) {
        // The store was busy with another writer, not the job failing: its attempt is given back.
        await writeWhenFree(() => postponeJob(db, job.id, message, now() + delay, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
        jobLog.warn({ retryInMs: delay }, 'job postponed: the database is busy with another writer');
      } else if (delay !== null && job.attempts < job.maxAttempts) {
        await writeWhenFree(() => retryJobLater(db, job.id, message, now() + delay, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
        jobLog.warn({ retryInMs: delay, error: message }, 'job failed, will retry');
      } else {
        await writeWhenFree(() => failJob(db, job.id, message, now()), { maxWaitMs: QUEUE_WRITE_WAIT_MS });
        jobLog.error({ error: message }, 'job failed for good');
      }
    }
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#stopRequested = false;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runDueJobs();
      // The loop's failure is logged here and the next poll is scheduled; `stop()` awaits `#running` itself.
      void this.#running
        .catch((error) =>
          isStoreBusy(error)
            ? this.#options.log.warn('job worker paused: the database is busy with another writer; trying again at the next poll')
            : this.#options.log.error({ error: describeError(error) }, 'job worker loop failed'),
        )
        .finally(() => {
          this.#running = undefined;
          this.#schedule(this.#options.pollIntervalMs);
        });
    }, delay);
    this.#timer.unref();
  }

  /** Stops polling and waits for the job in progress, if any, to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopRequested = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as HttpLikeError).status;
    return status ? `${status} ${error.message}` : error.message;
  }
  return String(error);
}
