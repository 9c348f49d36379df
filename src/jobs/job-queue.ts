import { and, asc, desc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { jobs, type Job } from '../db/schema.js';
import { dedupeKeyOf, type JobKind, type JobPayload } from './job-kinds.js';

/*
 * A durable job queue in the app's own SQLite database. A job is written in the same transaction as
 * the webhook that caused it, so accepted work is never lost; it survives restarts, is retried with
 * backoff, and a job whose process died while running it is picked up again once its lease expires.
 */

export const DEFAULT_MAX_ATTEMPTS = 10;
/** How long a claimed job is reserved for the worker that claimed it. */
export const LEASE_MS = 5 * 60_000;

/** A job of one kind to queue: its payload is checked against the kind's type (job-kinds.ts). */
export interface EnqueueInput<K extends JobKind> {
  kind: K;
  payload: JobPayload<K>;
  runAfter?: number | undefined;
  maxAttempts?: number | undefined;
}

function newJob<K extends JobKind>(input: EnqueueInput<K>, dedupeKey: string, now: number): typeof jobs.$inferInsert {
  return {
    kind: input.kind,
    dedupeKey,
    payload: input.payload,
    status: 'pending',
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    runAfter: input.runAfter ?? now,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Adds a job, or re-arms the job with the same key if it already finished (done or failed), and
 * returns its key. A job that is still pending or running is left alone: the same work is already
 * on its way.
 */
export function enqueueJob<K extends JobKind>(tx: Tx, input: EnqueueInput<K>, now: number = Date.now()): string {
  const runAfter = input.runAfter ?? now;
  const dedupeKey = dedupeKeyOf(input.kind, input.payload);
  tx.insert(jobs)
    .values(newJob(input, dedupeKey, now))
    .onConflictDoUpdate({
      target: jobs.dedupeKey,
      set: {
        payload: input.payload,
        status: 'pending',
        attempts: 0,
        runAfter,
        lastError: null,
        lockedUntil: null,
        finishedAt: null,
        updatedAt: now,
      },
      setWhere: sql`${jobs.status} IN ('done', 'failed')`,
    })
    .run();
  return dedupeKey;
}

/** Adds a job unless one with the same key exists, whatever its state: work to do once, ever. */
export function enqueueJobOnce<K extends JobKind>(tx: Tx, input: EnqueueInput<K>, now: number = Date.now()): boolean {
  const inserted = tx
    .insert(jobs)
    .values(newJob(input, dedupeKeyOf(input.kind, input.payload), now))
    .onConflictDoNothing()
    .returning({ id: jobs.id })
    .all();
  return inserted.length > 0;
}

/** Takes the next due job (oldest first) and leases it; undefined when none is due. */
export function claimNextJob(db: Db, now: number = Date.now()): Job | undefined {
  return db.transaction((tx) => {
    const next = tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        or(
          and(eq(jobs.status, 'pending'), lte(jobs.runAfter, now)),
          and(eq(jobs.status, 'running'), lte(jobs.lockedUntil, now)),
        ),
      )
      .orderBy(asc(jobs.runAfter), asc(jobs.id))
      .limit(1)
      .get();
    if (!next) return undefined;
    return tx
      .update(jobs)
      .set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, lockedUntil: now + LEASE_MS, updatedAt: now })
      .where(eq(jobs.id, next.id))
      .returning()
      .get();
  }, { behavior: 'immediate' });
}

export function completeJob(tx: Tx, id: number, now: number = Date.now()): void {
  tx.update(jobs)
    .set({ status: 'done', lockedUntil: null, lastError: null, finishedAt: now, updatedAt: now })
    .where(eq(jobs.id, id))
    .run();
}

export function retryJobLater(db: Db, id: number, error: string, runAfter: number, now: number = Date.now()): void {
  db.update(jobs)
    .set({ status: 'pending', lockedUntil: null, lastError: error, runAfter, updatedAt: now })
    .where(eq(jobs.id, id))
    .run();
}

/**
 * Puts a running job back to wait until `runAfter` and gives back the attempt its claim counted:
 * for a job that could not store its result because another process held the write lock.
 */
export function postponeJob(db: Db, id: number, error: string, runAfter: number, now: number = Date.now()): void {
  db.update(jobs)
    .set({ status: 'pending', attempts: sql`max(${jobs.attempts} - 1, 0)`, lockedUntil: null, lastError: error, runAfter, updatedAt: now })
    .where(eq(jobs.id, id))
    .run();
}

export function failJob(db: Db, id: number, error: string, now: number = Date.now()): void {
  db.update(jobs)
    .set({ status: 'failed', lockedUntil: null, lastError: error, finishedAt: now, updatedAt: now })
    .where(eq(jobs.id, id))
    .run();
}

/** Re-arms every failed job (after what made it fail was fixed); returns how many. */
export function retryFailedJobs(db: Db, now: number = Date.now()): number {
  return db
    .update(jobs)
    .set({ status: 'pending', attempts: 0, runAfter: now, lastError: null, finishedAt: null })
    .where(eq(jobs.status, 'failed'))
    .returning({ id: jobs.id })
    .all().length;
}

/** The failed jobs, the last to fail first. */
export function lastFailedJobs(db: Db, limit: number): Job[] {
  return db.select().from(jobs).where(eq(jobs.status, 'failed')).orderBy(desc(jobs.updatedAt)).limit(limit).all();
}

/** Where the jobs with these dedupe keys stand (`enqueueJob` returns a job's key). */
export function jobStates(db: Db, dedupeKeys: string[]): Pick<Job, 'dedupeKey' | 'status' | 'runAfter' | 'lastError'>[] {
  if (dedupeKeys.length === 0) return [];
  return db
    .select({ dedupeKey: jobs.dedupeKey, status: jobs.status, runAfter: jobs.runAfter, lastError: jobs.lastError })
    .from(jobs)
    .where(inArray(jobs.dedupeKey, dedupeKeys))
    .all();
}

/** Jobs by status: all of them, or those of one org (the `owner` or `org` of their payload). */
export function countJobsByStatus(db: Db, { org }: { org?: string } = {}): Record<Job['status'], number> {
  const counts = { pending: 0, running: 0, done: 0, failed: 0 };
  const ofOrg = org === undefined ? undefined : sql`lower(coalesce(json_extract(${jobs.payload}, '$.owner'), json_extract(${jobs.payload}, '$.org'))) = ${org.toLowerCase()}`;
  for (const row of db
    .select({ status: jobs.status, n: sql<number>`count(*)` })
    .from(jobs)
    .where(ofOrg)
    .groupBy(jobs.status)
    .all()) {
    counts[row.status] = row.n;
  }
  return counts;
}
