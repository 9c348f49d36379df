import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { jobs, type Job } from '../db/schema.js';
import { dedupeKeyOf, type JobKind, type JobPayload } from './job-kinds.js';

/*
 * A durable job queue in the app's own database (SQLite or PostgreSQL). A job is written in the same
 * transaction as the webhook that caused it, so accepted work is never lost; it survives restarts, is
 * retried with backoff, and a job whose process died while running it is picked up again once its
 * lease expires. Several workers (processes, replicas) may claim from one queue: a claim is one
 * statement, and never hands the same job to two of them.
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
export async function enqueueJob<K extends JobKind>(tx: Tx, input: EnqueueInput<K>, now: number = Date.now()): Promise<string> {
  const runAfter = input.runAfter ?? now;
  const dedupeKey = dedupeKeyOf(input.kind, input.payload);
  await tx
    .insert(jobs)
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
    });
  return dedupeKey;
}

/** Adds a job unless one with the same key exists, whatever its state: work to do once, ever. */
export async function enqueueJobOnce<K extends JobKind>(tx: Tx, input: EnqueueInput<K>, now: number = Date.now()): Promise<boolean> {
  const inserted = await tx
    .insert(jobs)
    .values(newJob(input, dedupeKeyOf(input.kind, input.payload), now))
    .onConflictDoNothing()
    .returning({ id: jobs.id });
  return inserted.length > 0;
}

/**
 * Takes the next due job (oldest first) and leases it; undefined when none is due. One statement:
 * the subquery picks the job and the UPDATE leases it. On PostgreSQL the subquery locks the row it
 * picks and skips rows other workers' claims have locked (`FOR UPDATE SKIP LOCKED`), so concurrent
 * workers (on several replicas) each get a different job and never wait for one another; a row
 * another claim leased meanwhile no longer matches and is passed over. SQLite runs one write at a
 * time, so the statement alone is atomic there.
 */
export async function claimNextJob(db: Db, now: number = Date.now()): Promise<Job | undefined> {
  const lock = db.engine === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const next = sql`(SELECT id FROM jobs
    WHERE (status = 'pending' AND run_after <= ${now}) OR (status = 'running' AND locked_until <= ${now})
    ORDER BY run_after, id LIMIT 1 ${lock})`;
  const [claimed] = await db
    .update(jobs)
    .set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, lockedUntil: now + LEASE_MS, updatedAt: now })
    .where(eq(jobs.id, next))
    .returning();
  return claimed;
}

export async function completeJob(tx: Tx, id: number, now: number = Date.now()): Promise<void> {
  await tx
    .update(jobs)
    .set({ status: 'done', lockedUntil: null, lastError: null, finishedAt: now, updatedAt: now })
    .where(eq(jobs.id, id));
}

export async function retryJobLater(db: Db, id: number, error: string, runAfter: number, now: number = Date.now()): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'pending', lockedUntil: null, lastError: error, runAfter, updatedAt: now })
    .where(eq(jobs.id, id));
}

/**
 * Puts a running job back to wait until `runAfter` and gives back the attempt its claim counted:
 * for a job that could not store its result because another process held the write lock.
 */
export async function postponeJob(db: Db, id: number, error: string, runAfter: number, now: number = Date.now()): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'pending', attempts: db.dialect.greatest(sql`${jobs.attempts} - 1`, sql`0`), lockedUntil: null, lastError: error, runAfter, updatedAt: now })
    .where(eq(jobs.id, id));
}

export async function failJob(db: Db, id: number, error: string, now: number = Date.now()): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'failed', lockedUntil: null, lastError: error, finishedAt: now, updatedAt: now })
    .where(eq(jobs.id, id));
}

/** Re-arms every failed job (after what made it fail was fixed); returns how many. */
export async function retryFailedJobs(db: Db, now: number = Date.now()): Promise<number> {
  const rearmed = await db
    .update(jobs)
    .set({ status: 'pending', attempts: 0, runAfter: now, lastError: null, finishedAt: null })
    .where(eq(jobs.status, 'failed'))
    .returning({ id: jobs.id });
  return rearmed.length;
}

/** The failed jobs, the last to fail first. */
export async function lastFailedJobs(db: Db, limit: number): Promise<Job[]> {
  return db.select().from(jobs).where(eq(jobs.status, 'failed')).orderBy(desc(jobs.updatedAt), desc(jobs.id)).limit(limit);
}

/** Where the jobs with these dedupe keys stand (`enqueueJob` returns a job's key). */
export async function jobStates(db: Db, dedupeKeys: string[]): Promise<Pick<Job, 'dedupeKey' | 'status' | 'runAfter' | 'lastError'>[]> {
  if (dedupeKeys.length === 0) return [];
  return db
    .select({ dedupeKey: jobs.dedupeKey, status: jobs.status, runAfter: jobs.runAfter, lastError: jobs.lastError })
    .from(jobs)
    .where(inArray(jobs.dedupeKey, dedupeKeys));
}

/** Jobs by status: all of them, or those of one org (the `owner` or `org` of their payload). */
export async function countJobsByStatus(db: Db, { org }: { org?: string } = {}): Promise<Record<Job['status'], number>> {
  const counts = { pending: 0, running: 0, done: 0, failed: 0 };
  const { jsonText } = db.dialect;
  const ofOrg = org === undefined ? undefined : sql`lower(coalesce(${jsonText(jobs.payload, 'owner')}, ${jsonText(jobs.payload, 'org')})) = ${org.toLowerCase()}`;
  for (const row of await db
    .select({ status: jobs.status, n: sql<number>`count(*)` })
    .from(jobs)
    .where(ofOrg)
    .groupBy(jobs.status)) {
    counts[row.status] = row.n;
  }
  return counts;
}
