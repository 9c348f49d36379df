import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { writeWhenFree } from './store-busy.js';
import { DAY_MS } from '../utc-days.js';
import { DURABILITY_WINDOW_DAYS } from '../durability/line-lives.js';

/*
 * Retention (spec: Bad input, faults, security): line fingerprints and raw telemetry are kept for
 * RETENTION_DAYS — enough for the attribution window plus reprocessing — so storage grows with
 * activity, not with time. Daily rollups and per-PR attributions are kept until deleted.
 *
 * Pruning deletes in small batches, each its own short write transaction, with the event loop
 * free between them: a first prune of millions of rows must neither hold the write lock for
 * seconds (ingest from other processes would wait) nor stall the server it runs in. A prune cut
 * short leaves only expired rows behind, which the next one deletes.
 */

export interface PruneResult {
  sessionLineFingerprints: number;
  pullRequestLineFingerprints: number;
  /** Fingerprints of lines merged changes deleted (durability), pruned with the added ones. */
  deletedLineFingerprints: number;
  /** Rows of the consumption ledger (which subject matched which session line) of subjects merged before the cutoff. */
  consumedSessionLines: number;
  telemetryCounters: number;
  apiRequestDays: number;
  repeatGuards: number;
  finishedJobs: number;
  /** The API rate limit's counting windows (one minute each), kept a day. */
  rateLimitWindows: number;
  /** Incremental processing runs that succeeded, kept a week (one a minute while data flows); other runs are kept. */
  incrementalRuns: number;
}

export interface PruneOptions {
  now: Date;
  retentionDays: number;
  /** Rows deleted per write transaction. */
  batchRows?: number;
  /** How long one batch waits for another process's write lock before the prune fails. */
  maxWaitMs?: number;
}

const FILES_PER_BATCH = 20;
const INCREMENTAL_RUNS_KEPT_DAYS = 7;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneExpired(db: Db, { now, retentionDays, batchRows = 2_000, maxWaitMs = 60_000 }: PruneOptions): Promise<PruneResult> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const cutoffIso = cutoff.toISOString();
  const cutoffDay = cutoffIso.slice(0, 10);

  /** Deletes the rows of `table` matching `where`, `batchRows` at a time. */
  const prune = async (table: string, where: SQL): Promise<number> => {
    const name = sql.raw(table);
    // Neither engine deletes with LIMIT: SQLite picks the batch by rowid, PostgreSQL (which has no rowid) by ctid.
    const remove =
      db.engine === 'postgres'
        ? sql`DELETE FROM ${name} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${name} WHERE ${where} LIMIT ${sql.raw(String(batchRows))}))`
        : sql`DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${where} LIMIT ${sql.raw(String(batchRows))})`;
    let deleted = 0;
    for (;;) {
      const { changes } = await writeWhenFree(() => db.run(remove), { maxWaitMs });
      deleted += changes;
      await yieldToEventLoop();
      if (changes < batchRows) return deleted;
    }
  };

  // The fingerprints of a PR's (or pushed commit's) added and deleted lines, once it is older than
  // the window and than durability's (104 days: the lines a PR added, and those later changes
  // deleted, decide its survival at 90 days); its attribution stays. The files are listed once,
  // then their fingerprints deleted a few files at a time (the file is the key's prefix).
  const fileCutoffIso = new Date(Math.min(cutoff.getTime(), now.getTime() - DURABILITY_WINDOW_DAYS * DAY_MS)).toISOString();
  const expiredFiles = (
    await db.all<{ id: number }>(
      sql`SELECT f.id AS id FROM changed_files f
       LEFT JOIN pull_requests p ON p.id = f.pull_request_id
       LEFT JOIN commits c ON c.id = f.commit_id
       WHERE coalesce(p.merged_at, p.created_at, c.pushed_at, c.committed_at, c.authored_at) < ${fileCutoffIso}
         AND (EXISTS (SELECT 1 FROM added_line_fingerprints a WHERE a.changed_file_id = f.id)
              OR EXISTS (SELECT 1 FROM deleted_line_fingerprints d WHERE d.changed_file_id = f.id))`,
    )
  ).map((r) => r.id);
  let pullRequestLineFingerprints = 0;
  let deletedLineFingerprints = 0;
  for (let i = 0; i < expiredFiles.length; i += FILES_PER_BATCH) {
    const files = expiredFiles.slice(i, i + FILES_PER_BATCH);
    pullRequestLineFingerprints += await prune('added_line_fingerprints', db.dialect.anyOf(sql`changed_file_id`, files));
    deletedLineFingerprints += await prune('deleted_line_fingerprints', db.dialect.anyOf(sql`changed_file_id`, files));
  }

  return {
    sessionLineFingerprints: await prune('session_line_fingerprints', sql`first_written_at < ${cutoffIso}`),
    pullRequestLineFingerprints,
    deletedLineFingerprints,
    // The session lines they consumed were written no later than they merged, so they are gone too.
    consumedSessionLines: await prune('consumed_session_lines', sql`subject_at < ${cutoffIso}`),
    // By day and by when it arrived: a row whose sender claimed a far-future day still goes.
    telemetryCounters: await prune('telemetry_daily', sql`day < ${cutoffDay} OR received_at < ${cutoffIso}`),
    apiRequestDays: await prune('api_requests_daily', sql`day < ${cutoffDay} OR received_at < ${cutoffIso}`),
    repeatGuards:
      (await prune('otlp_exports', sql`received_at < ${cutoffIso}`)) +
      (await prune('hook_calls', sql`received_at < ${cutoffIso}`)) +
      (await prune('webhook_deliveries', sql`received_at < ${cutoffIso}`)) +
      (await prune('cumulative_series', sql`updated_at < ${cutoffIso}`)),
    finishedJobs: await prune('jobs', sql`status IN ('done', 'failed') AND finished_at < ${cutoff.getTime()}`),
    rateLimitWindows: await prune('rate_limit_windows', sql`window_start < ${new Date(now.getTime() - DAY_MS).toISOString()}`),
    incrementalRuns: await prune(
      'processing_runs',
      sql`trigger = 'incremental' AND status = 'succeeded' AND finished_at < ${new Date(now.getTime() - INCREMENTAL_RUNS_KEPT_DAYS * DAY_MS).toISOString()}`,
    ),
  };
}
