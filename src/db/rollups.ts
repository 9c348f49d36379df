import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { and, desc, eq, getTableColumns, getTableName, gte, isNull, lte, or, sql, type Column, type SQL, type Table } from 'drizzle-orm';
import { postgresPool, type Db } from './client.js';
import { dropConsumption } from './consumed-session-lines.js';
import type { DailyMetrics, DayRollup } from './daily-metrics.js';
import { rowsToInsert } from './table-sql.js';
import { ADVISORY_LOCK_KEYS, tryAdvisoryLock, type AdvisoryLock } from './postgres-client.js';
import {
  attributions,
  dailyModelUsage,
  dailyOrgMetrics,
  dailyRollupHashes,
  dailyRepositoryMetrics,
  dailyTerminalMetrics,
  dailyTerminalModelUsage,
  dailyUserTeams,
  dailyUserMetrics,
  processingRuns,
} from './schema.js';

/*
 * Writes of processing output, and the run table that also serves as the one-run-at-a-time lock
 * (on PostgreSQL with an advisory lock beside it, shared by every replica).
 */

export type AttributionRow = typeof attributions.$inferInsert;

/** Upserts attributions; a row whose result hash is unchanged is left as it was. Returns how many changed. */
export async function saveAttributions(db: Db, rows: AttributionRow[]): Promise<number> {
  // One row per subject (the last one), as upserts one after another would leave it.
  const last = [...new Map(rows.map((row) => [row.subject, row])).values()];
  if (last.length === 0) return 0;
  let changed = 0;
  await db.transaction(async (tx) => {
    for (let i = 0; i < last.length; i += ROWS_PER_UPSERT) {
      const chunk = last.slice(i, i + ROWS_PER_UPSERT).map((row) => ({
        ...row,
        pullRequestId: row.pullRequestId ?? null,
        commitId: row.commitId ?? null,
        number: row.number ?? null,
        sha: row.sha ?? null,
        evidence: JSON.stringify(row.evidence),
      }));
      const { changes } = await tx.run(
        sql`INSERT INTO attributions ${rowsToInsert(tx, attributions, ATTRIBUTION_FIELDS, chunk)}
            ON CONFLICT (subject) DO UPDATE SET
              org = excluded.org, repository = excluded.repository, number = excluded.number, sha = excluded.sha,
              author_login = excluded.author_login, is_bot = excluded.is_bot, day = excluded.day,
              with_claude_code = excluded.with_claude_code, lines_added = excluded.lines_added,
              lines_with_claude_code = excluded.lines_with_claude_code, evidence = excluded.evidence,
              result_hash = excluded.result_hash, attributed_at = excluded.attributed_at
            WHERE attributions.result_hash <> excluded.result_hash`,
      );
      changed += changes;
    }
  });
  return changed;
}

/** Rows per upsert statement: a batch of processing's attributions in one. */
const ROWS_PER_UPSERT = 500;

const ATTRIBUTION_FIELDS = [
  'org',
  'subject',
  'pullRequestId',
  'commitId',
  'repository',
  'number',
  'sha',
  'authorLogin',
  'isBot',
  'day',
  'withClaudeCode',
  'linesAdded',
  'linesWithClaudeCode',
  'evidence',
  'resultHash',
  'attributedAt',
] as const;

/**
 * Drops attributions in a day range whose subject no longer qualifies (e.g. a push later found in
 * a PR). Returns the days they counted on.
 */
export async function dropStaleAttributions(db: Db, org: string, fromDay: string, toDay: string, keep: Set<string>): Promise<string[]> {
  const rows = await db
    .select({ subject: attributions.subject, day: attributions.day })
    .from(attributions)
    .where(and(eq(attributions.org, org), gte(attributions.day, fromDay), lte(attributions.day, toDay)));
  const staleRows = rows.filter((r) => !keep.has(r.subject));
  const stale = staleRows.map((r) => r.subject);
  if (stale.length === 0) return [];
  await db.transaction(async (tx) => {
    for (const subject of stale) await tx.delete(attributions).where(eq(attributions.subject, subject));
    // What they consumed from sessions' lines is free again for the subjects merged after them.
    await dropConsumption(tx, org, stale);
  });
  return [...new Set(staleRows.map((r) => r.day))];
}

export async function attributionsOfDay(db: Db, org: string, day: string) {
  return db
    .select()
    .from(attributions)
    .where(and(eq(attributions.org, org), eq(attributions.day, day)));
}

const round = (m: DailyMetrics): DailyMetrics => ({
  ...m,
  costMicroUsd: Math.round(m.costMicroUsd),
  activeTimeSeconds: Math.round(m.activeTimeSeconds * 1e3) / 1e3,
});

const ROLLUP_TABLES = [dailyOrgMetrics, dailyUserMetrics, dailyRepositoryMetrics, dailyModelUsage, dailyTerminalMetrics, dailyTerminalModelUsage, dailyUserTeams];

/** Rows per INSERT: one statement for a table's rows of a day, bounded in size. */
const ROWS_PER_INSERT = 2_000;

/**
 * The statements inserting `rows` into `table`, one per `ROWS_PER_INSERT` rows, each bound as a
 * few parameters (`rowsToInsert`): drizzle's builder binds a parameter per value and spent more
 * time building a day's statements than the database spent running them. A field a row leaves out
 * takes its column's default, as the builder's insert gives it.
 */
function insertStatements<T extends Table>(db: Db, table: T, rows: T['$inferInsert'][]): SQL[] {
  if (rows.length === 0) return [];
  const columns = getTableColumns(table) as Record<string, Column>;
  const fields = Object.keys(columns).filter((field) => rows.some((row) => (row as Record<string, unknown>)[field] !== undefined));
  const filled = rows.map((row) =>
    Object.fromEntries(
      fields.map((field) => {
        const value = (row as Record<string, unknown>)[field];
        return [field, value !== undefined ? value : columns[field]!.hasDefault ? columns[field]!.default : null];
      }),
    ),
  );
  const statements: SQL[] = [];
  for (let i = 0; i < filled.length; i += ROWS_PER_INSERT) {
    statements.push(
      sql`INSERT INTO ${sql.raw(getTableName(table))} ${rowsToInsert(db, table, fields as (keyof T['$inferSelect'] & string)[], filled.slice(i, i + ROWS_PER_INSERT) as never)}`,
    );
  }
  return statements;
}

/**
 * Runs `statements` (writes returning no rows) in order: on PostgreSQL as one statement, the others
 * in a `WITH` ahead of the last (one round trip); on SQLite, which has no writes in `WITH`, one by one.
 */
async function runAll(tx: Db, statements: SQL[]): Promise<void> {
  if (tx.engine === 'postgres' && statements.length > 1) {
    const ahead = statements.slice(0, -1).map((statement, i) => sql`${sql.raw(`w${i}`)} AS (${statement})`);
    await tx.run(sql`WITH ${sql.join(ahead, sql`, `)} ${statements.at(-1)!}`);
    return;
  }
  for (const statement of statements) await tx.run(statement);
}

/**
 * Replaces one org's rollups for one day, in one transaction: readers see the old day or the new
 * one, never a mix. Returns whether the day's rows changed (a hash of them is kept beside them). `beforeCommit` runs inside the transaction
 * (tests throw there to simulate a crash).
 */
export async function replaceDayRollup(db: Db, org: string, day: string, rollup: DayRollup, beforeCommit?: () => void): Promise<boolean> {
  const tables: [Table, Record<string, unknown>[]][] = [
    [dailyOrgMetrics, [{ org, day, ...round(rollup.org) }]],
    [
      dailyUserMetrics,
      [...rollup.users.values()].map((u) => ({
        org,
        day,
        userKey: u.userKey,
        githubLogin: u.githubLogin,
        email: u.email,
        terminalType: u.terminalType,
        customerType: u.customerType,
        ...round(u.metrics),
      })),
    ],
    [dailyRepositoryMetrics, [...rollup.repositories].map(([repository, metrics]) => ({ org, day, repository, ...round(metrics) }))],
    [dailyModelUsage, rollup.models.map((m) => ({ org, day, ...m, costMicroUsd: Math.round(m.costMicroUsd) }))],
    [dailyTerminalMetrics, rollup.terminals.map((t) => ({ org, day, userKey: t.userKey, terminalType: t.terminalType, isRemote: t.isRemote, ...round(t.metrics) }))],
    [dailyTerminalModelUsage, rollup.terminalModels.map((m) => ({ org, day, ...m, costMicroUsd: Math.round(m.costMicroUsd) }))],
    [dailyUserTeams, (rollup.teams ?? []).map((t) => ({ org, day, userKey: t.userKey, team: t.team }))],
  ];
  const hash = rollupHash(tables);
  return db.transaction(async (tx) => {
    const [stored] = await tx.select({ hash: dailyRollupHashes.hash }).from(dailyRollupHashes).where(and(eq(dailyRollupHashes.org, org), eq(dailyRollupHashes.day, day)));
    // Rewritten even when unchanged: rows deleted by hand (or a restore) come back with the next run.
    // Every table's old rows go in one statement, before any new row is written (a statement's
    // parts all see the rows as they were when it began).
    await runAll(
      tx,
      ROLLUP_TABLES.map((table) => sql`DELETE FROM ${sql.raw(getTableName(table))} WHERE org = ${org} AND day = ${day}`),
    );
    await runAll(tx, tables.flatMap(([table, rows]) => insertStatements(tx, table, rows as never)));
    await tx
      .insert(dailyRollupHashes)
      .values({ org, day, hash })
      .onConflictDoUpdate({ target: [dailyRollupHashes.org, dailyRollupHashes.day], set: { hash } });
    beforeCommit?.();
    // A day first rolled up with nothing on it changes no figure.
    return stored ? stored.hash !== hash : !isEmptyRollup(tables);
  });
}

function isEmptyRollup(tables: [Table, Record<string, unknown>[]][]): boolean {
  return tables.every(([table, rows]) =>
    table === dailyOrgMetrics ? rows.every(({ org: _org, day: _day, ...metrics }) => Object.values(metrics).every((v) => v === 0)) : rows.length === 0,
  );
}

/** A day's rollup rows, hashed whatever order they were computed in. */
function rollupHash(tables: [Table, Record<string, unknown>[]][]): string {
  const hash = createHash('sha256');
  for (const [table, rows] of tables) {
    hash.update(getTableName(table));
    for (const row of rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort()) hash.update(row).update('\n');
  }
  return hash.digest('base64url');
}

export type ProcessingRun = typeof processingRuns.$inferSelect;

/** A run counts as alive while its heartbeat is this recent; older "running" rows died with their process. */
export const RUN_HEARTBEAT_TIMEOUT_MS = 2 * 60_000;

/** The process that runs processing: a run records it so that another process can tell whether it is still alive. */
export interface RunOwner {
  pid: number;
  host: string;
  /** When the process started: tells this process from an earlier one that had the same pid (a restarted container). */
  processStartedAt: string;
}

export function thisProcess(): RunOwner {
  return { pid: process.pid, host: hostname(), processStartedAt: new Date(Math.round(performance.timeOrigin)).toISOString() };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 sends nothing: it only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by another user
  }
}

/**
 * Why a "running" row is no longer running, or undefined while it may be. On the same host its
 * process is asked directly, so a run killed by a crash or SIGKILL is seen at once; otherwise (a
 * run of another host sharing the file, or one recorded without its process) it is presumed dead
 * when its heartbeat is RUN_HEARTBEAT_TIMEOUT_MS old.
 */
export function deadRunReason(run: ProcessingRun, now: Date, self: RunOwner = thisProcess()): string | undefined {
  if (run.pid !== null && run.host === self.host) {
    const alive = run.pid === self.pid ? run.processStartedAt === self.processStartedAt : isProcessAlive(run.pid);
    if (!alive) return `Its process (pid ${run.pid} on ${run.host}) is no longer running`;
  }
  // Still the rule for a process that looks alive: its pid may have been reused by another program.
  const silentMs = now.getTime() - Date.parse(run.heartbeatAt);
  if (silentMs >= RUN_HEARTBEAT_TIMEOUT_MS) {
    return `Presumed dead: no heartbeat for ${Math.round(silentMs / 1000)} s (since ${run.heartbeatAt})${run.host ? ` from pid ${run.pid} on ${run.host}` : ''}`;
  }
  return undefined;
}

/** The processing lock each run of this process holds on PostgreSQL, by run id, until `finishRun` releases it. */
const runLocks = new Map<number, AdvisoryLock>();

/**
 * How often a run that could not take PostgreSQL's processing lock tries again (20 ms more each
 * time, about 1 s in all) while the holder has no live run: it is between taking the lock and
 * recording its run, or it died and PostgreSQL has not yet ended its session.
 */
const LOCK_HOLDER_LOOKS = 10;

/**
 * Starts a run unless another is alive. Returns the new run and the dead runs it marked
 * abandoned, or the live run that blocks it. On PostgreSQL the run also takes the processing
 * advisory lock (docs/postgres.md, plan 4), held until `finishRun`: replicas sharing the database
 * see each other's runs through it, and a replica that dies releases it with its connection. Not
 * getting it is busy, as a live "running" row is (which stays the record on both engines).
 */
export async function startRun(
  db: Db,
  input: { org: string | null; fromDay: string; toDay: string; trigger: string },
  now: Date,
  owner: RunOwner = thisProcess(),
): Promise<{ run: ProcessingRun; abandoned: ProcessingRun[] } | { busy: ProcessingRun }> {
  const pool = postgresPool(db);
  let lock: AdvisoryLock | undefined;
  if (pool) {
    for (let look = 1; ; look++) {
      lock = await tryAdvisoryLock({ $client: pool }, ADVISORY_LOCK_KEYS.processing);
      if (lock) break;
      const [holder] = await db.select().from(processingRuns).where(eq(processingRuns.status, 'running')).orderBy(desc(processingRuns.id)).limit(1);
      if (holder && deadRunReason(holder, now, owner) === undefined) return { busy: holder };
      if (look === LOCK_HOLDER_LOOKS) {
        const busy = holder ?? (await lastRuns(db, 1))[0];
        if (busy) return { busy };
        throw new Error('Another session holds the processing lock without a run recorded; try again later.');
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * look));
    }
  }
  try {
    const started = await db.transaction<{ run: ProcessingRun; abandoned: ProcessingRun[] } | { busy: ProcessingRun }>(
      async (tx) => {
        const live = await tx.select().from(processingRuns).where(eq(processingRuns.status, 'running')).orderBy(desc(processingRuns.id));
        const abandoned: ProcessingRun[] = [];
        for (const run of live) {
          const reason = deadRunReason(run, now, owner);
          if (reason === undefined) return { busy: run };
          const [marked] = await tx
            .update(processingRuns)
            .set({ status: 'abandoned', finishedAt: now.toISOString(), error: `${reason}.` })
            .where(eq(processingRuns.id, run.id))
            .returning();
          abandoned.push(marked!);
        }
        const at = now.toISOString();
        const [run] = await tx
          .insert(processingRuns)
          .values({ ...input, ...owner, status: 'running', startedAt: at, heartbeatAt: at })
          .returning();
        return { run: run!, abandoned };
      },
      { behavior: 'immediate' },
    );
    if (lock) {
      if ('run' in started) runLocks.set(started.run.id, lock);
      else await lock.release();
    }
    return started;
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

export async function heartbeatRun(db: Db, id: number, progress: { attributed: number; daysRecomputed: number }, now: Date): Promise<void> {
  await db.update(processingRuns).set({ heartbeatAt: now.toISOString(), ...progress }).where(eq(processingRuns.id, id));
}

/** Records the run's end and releases its processing lock (PostgreSQL), also when the record fails. */
export async function finishRun(
  db: Db,
  id: number,
  outcome: { status: 'succeeded' | 'failed'; attributed: number; daysRecomputed: number; corrections?: number | undefined; error?: string | undefined },
  now: Date,
): Promise<ProcessingRun> {
  try {
    const [run] = await db
      .update(processingRuns)
      .set({ ...outcome, corrections: outcome.corrections ?? null, error: outcome.error ?? null, finishedAt: now.toISOString(), heartbeatAt: now.toISOString() })
      .where(eq(processingRuns.id, id))
      .returning();
    return run!;
  } finally {
    const lock = runLocks.get(id);
    runLocks.delete(id);
    await lock?.release();
  }
}

export async function lastRuns(db: Db, limit = 10): Promise<ProcessingRun[]> {
  return db.select().from(processingRuns).orderBy(desc(processingRuns.id)).limit(limit);
}

/** The last runs that covered an org: its own and those over every org. */
export async function lastRunsOf(db: Db, org: string, limit = 10): Promise<ProcessingRun[]> {
  return db
    .select()
    .from(processingRuns)
    .where(or(isNull(processingRuns.org), eq(processingRuns.org, org)))
    .orderBy(desc(processingRuns.id))
    .limit(limit);
}
