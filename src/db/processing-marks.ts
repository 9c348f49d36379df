import { sql } from 'drizzle-orm';
import { writtenPathTail } from '../attribution/session-workspace.js';
import type { Db, Tx } from './client.js';
import { RUN_HEARTBEAT_TIMEOUT_MS } from './rollups.js';
import { processingMarks } from './schema.js';
import { rowsToInsert } from './table-sql.js';

/*
 * Marks of what processing has not caught up with (schema.ts, `processing_marks`). Writers mark in
 * the transaction that stores the data, so the data and its mark commit together. A mark that is
 * already pending is not written again (`ON CONFLICT DO NOTHING`, which takes no row lock: every
 * OTLP export of an org marks the same day, and those exports must not wait for one another).
 *
 * That leaves one race on PostgreSQL: an export finds its day's mark pending, so it inserts none,
 * and a run claims that mark and reads the data before the export commits. Writers therefore hold
 * a shared advisory lock from their mark to their commit, and `claimMarks` takes it exclusively:
 * the claim waits for those writers' commits, so the run then reads their data. SQLite has one
 * writer at a time, which gives the same order.
 */

export type MarkKind = (typeof processingMarks.$inferInsert)['kind'];

export interface Mark {
  org: string;
  kind: MarkKind;
  /**
   * The subject (`pull_request:<id>`, `commit:<id>`), session id, `kind:value` identity, or day;
   * for `lines`, the session and the written path's end (`linesMarkKey`).
   */
  key: string;
  /** The first day the mark can affect; '' when any day (an identity). */
  day: string;
}

export interface ClaimedMark extends Mark {
  markedAt: string;
}

/** How much of a written path a `lines` mark keeps (its end, whole segments): enough to tell files apart, bounded for the key's index. */
const MARKED_PATH_LENGTH = 400;

/**
 * The key of a `lines` mark: a session wrote lines into a file, and nothing else about it changed.
 * A line matches only a line of the same repository path, so only subjects with a file whose path
 * and the written one's end (`writtenPathTail`) end one another can take them, and a run
 * re-attributes those alone. The session id comes first, after its length. Null when the path
 * cannot be kept (a last segment over the bound): the session is then marked in full.
 */
export function linesMarkKey(sessionId: string, writtenPath: string): string | null {
  const tail = writtenPathTail(writtenPath, MARKED_PATH_LENGTH);
  return tail === null ? null : `${sessionId.length}:${sessionId}${tail}`;
}

/** The session and the written path's end a `lines` mark names. */
export function parseLinesMarkKey(key: string): { sessionId: string; pathTail: string } {
  const colon = key.indexOf(':');
  const length = Number(key.slice(0, colon));
  return { sessionId: key.slice(colon + 1, colon + 1 + length), pathTail: key.slice(colon + 1 + length) };
}

/** The advisory lock class of marks (PostgreSQL): shared by writers, taken alone by a claim. */
const MARKS_LOCK_KEY = 0x63636d04;

/** Marks what a transaction's data can change, in that transaction. Repeats and marks already pending are written once. */
export async function markForProcessing(tx: Tx, marks: Iterable<Mark>, markedAt: string): Promise<void> {
  const unique = new Map<string, Mark>();
  for (const m of marks) {
    if (m.key === '' || m.org === '') continue;
    const org = m.org.toLowerCase();
    unique.set(`${org}\u0000${m.kind}\u0000${m.key}\u0000${m.day}`, { ...m, org });
  }
  if (unique.size === 0) return;
  // One order for every writer: two transactions inserting the same new marks wait for each other instead of deadlocking.
  const rows = [...unique].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => ({ ...m, claim: 0, markedAt }));
  if (tx.engine === 'postgres') await tx.run(sql`SELECT pg_advisory_xact_lock_shared(${MARKS_LOCK_KEY})`);
  await tx.run(sql`INSERT INTO processing_marks ${rowsToInsert(tx, processingMarks, ['org', 'kind', 'key', 'day', 'claim', 'markedAt'], rows)} ON CONFLICT DO NOTHING`);
}

/** Claims of runs that can no longer finish: their marks are pending again. */
function claimableSql(now: Date) {
  const liveSince = new Date(now.getTime() - RUN_HEARTBEAT_TIMEOUT_MS).toISOString();
  return sql`(claim = 0 OR claim NOT IN (SELECT id FROM processing_runs WHERE status = 'running' AND heartbeat_at >= ${liveSince}))`;
}

/** When the oldest mark not yet processed was made, or null when processing is caught up. */
export async function oldestPendingMark(db: Db, now: Date): Promise<string | null> {
  const row = await db.get<{ at: string | null }>(sql`SELECT min(marked_at) AS at FROM processing_marks WHERE ${claimableSql(now)}`);
  return row?.at ?? null;
}

/** The pending marks of one kind (their keys, per org). */
export async function pendingMarksOfKind(db: Db, kind: MarkKind, now: Date): Promise<{ org: string; key: string }[]> {
  return db.all<{ org: string; key: string }>(
    sql`SELECT DISTINCT org, key FROM processing_marks WHERE kind = ${kind} AND ${claimableSql(now)} ORDER BY org, key`,
  );
}

/** How many marks wait, per org (the settings page and `status`). */
export async function pendingMarkCount(db: Db, org: string | undefined, now: Date): Promise<number> {
  const row = await db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM processing_marks WHERE ${claimableSql(now)} ${org ? sql`AND org = ${org.toLowerCase()}` : sql``}`,
  );
  return row?.n ?? 0;
}

/**
 * Claims the pending marks `covers` accepts (all by default) for run `runId`, and returns them.
 * A mark made from now on is a new pending row, for a later run.
 */
export async function claimMarks(
  db: Db,
  { runId, now, covers = () => true }: { runId: number; now: Date; covers?: (mark: ClaimedMark) => boolean },
): Promise<ClaimedMark[]> {
  return db.transaction(
    async (tx) => {
      if (tx.engine === 'postgres') await tx.run(sql`SELECT pg_advisory_xact_lock(${MARKS_LOCK_KEY})`);
      const pending = (
        await tx.all<ClaimedMark & { claim: number }>(
          sql`SELECT org, kind, key, day, claim, marked_at AS "markedAt" FROM processing_marks WHERE ${claimableSql(now)} ORDER BY org, kind, key, day, claim`,
        )
      ).filter(covers);
      if (pending.length === 0) return [];
      const taken = new Map<string, ClaimedMark>();
      for (const m of pending) {
        const key = `${m.org}\u0000${m.kind}\u0000${m.key}\u0000${m.day}`;
        const prior = taken.get(key);
        if (!prior || m.markedAt < prior.markedAt) taken.set(key, { org: m.org, kind: m.kind, key: m.key, day: m.day, markedAt: m.markedAt });
      }
      await tx.run(sql`DELETE FROM processing_marks WHERE (org, kind, key, day, claim) IN (
        SELECT org, kind, key, day, claim FROM ${valuesTable(tx, pending)})`);
      const claimed = [...taken.values()];
      await tx.run(
        sql`INSERT INTO processing_marks ${rowsToInsert(tx, processingMarks, ['org', 'kind', 'key', 'day', 'claim', 'markedAt'], claimed.map((m) => ({ ...m, claim: runId })))}`,
      );
      return claimed;
    },
    { behavior: 'immediate' },
  );
}

/** Rows given as a table of (org, kind, key, day, claim), bound as a few parameters. */
function valuesTable(tx: Tx, rows: { org: string; kind: string; key: string; day: string; claim: number }[]) {
  if (tx.engine === 'postgres') {
    return sql`unnest(CAST(${sql.param(rows.map((r) => r.org))} AS text[]), CAST(${sql.param(rows.map((r) => r.kind))} AS text[]),
      CAST(${sql.param(rows.map((r) => r.key))} AS text[]), CAST(${sql.param(rows.map((r) => r.day))} AS text[]),
      CAST(${sql.param(rows.map((r) => r.claim))} AS bigint[])) AS doomed(org, kind, key, day, claim)`;
  }
  return sql`(SELECT json_extract(value, '$[0]') AS org, json_extract(value, '$[1]') AS kind, json_extract(value, '$[2]') AS key,
      json_extract(value, '$[3]') AS day, json_extract(value, '$[4]') AS claim
    FROM json_each(${JSON.stringify(rows.map((r) => [r.org, r.kind, r.key, r.day, r.claim]))}))`;
}

/** A run's marks are done: it succeeded. */
export async function releaseMarks(db: Db, runId: number): Promise<void> {
  await db.run(sql`DELETE FROM processing_marks WHERE claim = ${runId}`);
}
