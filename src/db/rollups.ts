import { hostname } from 'node:os';
import { and, desc, eq, getTableName, gte, isNull, lte, or } from 'drizzle-orm';
import type { Db } from './client.js';
import { dropConsumption } from './consumed-session-lines.js';
import type { DailyMetrics, DayRollup } from './daily-metrics.js';
import { statement } from './statement-cache.js';
import { insertRow } from './table-sql.js';
import {
  attributions,
  dailyModelUsage,
  dailyOrgMetrics,
  dailyRepositoryMetrics,
  dailyTerminalMetrics,
  dailyTerminalModelUsage,
  dailyUserTeams,
  dailyUserMetrics,
  processingRuns,
} from './schema.js';

/*
 * Writes of processing output, and the run table that also serves as the one-run-at-a-time lock.
 */

export type AttributionRow = typeof attributions.$inferInsert;

/** Upserts attributions; a row whose result hash is unchanged is left as it was. Returns how many changed. */
export function saveAttributions(db: Db, rows: AttributionRow[]): number {
  const upsert = statement(
    db,
    `INSERT INTO attributions (org, subject, pull_request_id, commit_id, repository, number, sha, author_login, is_bot, day,
       with_claude_code, lines_added, lines_with_claude_code, evidence, result_hash, attributed_at)
     VALUES (@org, @subject, @pullRequestId, @commitId, @repository, @number, @sha, @authorLogin, @isBot, @day,
       @withClaudeCode, @linesAdded, @linesWithClaudeCode, @evidence, @resultHash, @attributedAt)
     ON CONFLICT (subject) DO UPDATE SET
       org = excluded.org, repository = excluded.repository, number = excluded.number, sha = excluded.sha,
       author_login = excluded.author_login, is_bot = excluded.is_bot, day = excluded.day,
       with_claude_code = excluded.with_claude_code, lines_added = excluded.lines_added,
       lines_with_claude_code = excluded.lines_with_claude_code, evidence = excluded.evidence,
       result_hash = excluded.result_hash, attributed_at = excluded.attributed_at
     WHERE attributions.result_hash <> excluded.result_hash`,
  );
  let changed = 0;
  db.$client.transaction(() => {
    for (const row of rows) {
      changed += upsert.run({
        ...row,
        pullRequestId: row.pullRequestId ?? null,
        commitId: row.commitId ?? null,
        number: row.number ?? null,
        sha: row.sha ?? null,
        isBot: row.isBot ? 1 : 0,
        withClaudeCode: row.withClaudeCode ? 1 : 0,
        evidence: JSON.stringify(row.evidence),
      }).changes;
    }
  })();
  return changed;
}

/** Drops attributions in a day range whose subject no longer qualifies (e.g. a push later found in a PR). */
export function dropStaleAttributions(db: Db, org: string, fromDay: string, toDay: string, keep: Set<string>): number {
  const rows = db
    .select({ subject: attributions.subject })
    .from(attributions)
    .where(and(eq(attributions.org, org), gte(attributions.day, fromDay), lte(attributions.day, toDay)))
    .all();
  const stale = rows.filter((r) => !keep.has(r.subject)).map((r) => r.subject);
  if (stale.length === 0) return 0;
  db.transaction((tx) => {
    for (const subject of stale) tx.delete(attributions).where(eq(attributions.subject, subject)).run();
    // What they consumed from sessions' lines is free again for the subjects merged after them.
    dropConsumption(db, org, stale);
  });
  return stale.length;
}

export function attributionsOfDay(db: Db, org: string, day: string) {
  return db
    .select()
    .from(attributions)
    .where(and(eq(attributions.org, org), eq(attributions.day, day)))
    .all();
}

const round = (m: DailyMetrics): DailyMetrics => ({
  ...m,
  costMicroUsd: Math.round(m.costMicroUsd),
  activeTimeSeconds: Math.round(m.activeTimeSeconds * 1e3) / 1e3,
});

const ROLLUP_TABLES = [dailyOrgMetrics, dailyUserMetrics, dailyRepositoryMetrics, dailyModelUsage, dailyTerminalMetrics, dailyTerminalModelUsage, dailyUserTeams];
const DELETE_DAY = ROLLUP_TABLES.map((table) => `DELETE FROM ${getTableName(table)} WHERE org = ? AND day = ?`);
const INSERT_ORG_DAY = insertRow(dailyOrgMetrics);
const INSERT_USER_DAY = insertRow(dailyUserMetrics);
const INSERT_REPOSITORY_DAY = insertRow(dailyRepositoryMetrics);
const INSERT_MODEL_DAY = insertRow(dailyModelUsage);
const INSERT_TERMINAL_DAY = insertRow(dailyTerminalMetrics);
const INSERT_TERMINAL_MODEL_DAY = insertRow(dailyTerminalModelUsage);

/**
 * Replaces one org's rollups for one day, in one transaction: readers see the old day or the new
 * one, never a mix. `beforeCommit` runs inside the transaction (tests throw there to simulate a crash).
 */
export function replaceDayRollup(db: Db, org: string, day: string, rollup: DayRollup, beforeCommit?: () => void): void {
  db.$client.transaction(() => {
    for (const sql of DELETE_DAY) statement(db, sql).run(org, day);
    statement(db, INSERT_ORG_DAY).run({ org, day, ...round(rollup.org) });
    const insertUser = statement(db, INSERT_USER_DAY);
    for (const u of rollup.users.values()) {
      insertUser.run({
        org,
        day,
        userKey: u.userKey,
        githubLogin: u.githubLogin,
        email: u.email,
        terminalType: u.terminalType,
        customerType: u.customerType,
        ...round(u.metrics),
      });
    }
    const insertRepository = statement(db, INSERT_REPOSITORY_DAY);
    for (const [repository, metrics] of rollup.repositories) insertRepository.run({ org, day, repository, ...round(metrics) });
    const insertModel = statement(db, INSERT_MODEL_DAY);
    for (const m of rollup.models) insertModel.run({ org, day, ...m, costMicroUsd: Math.round(m.costMicroUsd) });
    const insertTerminal = statement(db, INSERT_TERMINAL_DAY);
    for (const t of rollup.terminals) insertTerminal.run({ org, day, userKey: t.userKey, terminalType: t.terminalType, isRemote: t.isRemote ? 1 : 0, ...round(t.metrics) });
    const insertTerminalModel = statement(db, INSERT_TERMINAL_MODEL_DAY);
    for (const m of rollup.terminalModels) insertTerminalModel.run({ org, day, ...m, isRemote: m.isRemote ? 1 : 0, costMicroUsd: Math.round(m.costMicroUsd) });
    const insertTeam = statement(db, 'INSERT INTO daily_user_teams (org, day, user_key, team) VALUES (?, ?, ?, ?)');
    for (const t of rollup.teams ?? []) insertTeam.run(org, day, t.userKey, t.team);
    beforeCommit?.();
  })();
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

/**
 * Starts a run unless another is alive. Returns the new run and the dead runs it marked
 * abandoned, or the live run that blocks it.
 */
export function startRun(
  db: Db,
  input: { org: string | null; fromDay: string; toDay: string; trigger: string },
  now: Date,
  owner: RunOwner = thisProcess(),
): { run: ProcessingRun; abandoned: ProcessingRun[] } | { busy: ProcessingRun } {
  return db.transaction(
    (tx) => {
      const live = tx
        .select()
        .from(processingRuns)
        .where(eq(processingRuns.status, 'running'))
        .orderBy(desc(processingRuns.id))
        .all();
      const abandoned: ProcessingRun[] = [];
      for (const run of live) {
        const reason = deadRunReason(run, now, owner);
        if (reason === undefined) return { busy: run };
        abandoned.push(
          tx
            .update(processingRuns)
            .set({ status: 'abandoned', finishedAt: now.toISOString(), error: `${reason}.` })
            .where(eq(processingRuns.id, run.id))
            .returning()
            .get(),
        );
      }
      const at = now.toISOString();
      const run = tx
        .insert(processingRuns)
        .values({ ...input, ...owner, status: 'running', startedAt: at, heartbeatAt: at })
        .returning()
        .get();
      return { run, abandoned };
    },
    { behavior: 'immediate' },
  );
}

export function heartbeatRun(db: Db, id: number, progress: { attributed: number; daysRecomputed: number }, now: Date): void {
  db.update(processingRuns).set({ heartbeatAt: now.toISOString(), ...progress }).where(eq(processingRuns.id, id)).run();
}

export function finishRun(
  db: Db,
  id: number,
  outcome: { status: 'succeeded' | 'failed'; attributed: number; daysRecomputed: number; error?: string | undefined },
  now: Date,
): ProcessingRun {
  return db
    .update(processingRuns)
    .set({ ...outcome, error: outcome.error ?? null, finishedAt: now.toISOString(), heartbeatAt: now.toISOString() })
    .where(eq(processingRuns.id, id))
    .returning()
    .get();
}

export function lastRuns(db: Db, limit = 10): ProcessingRun[] {
  return db.select().from(processingRuns).orderBy(desc(processingRuns.id)).limit(limit).all();
}

/** The last runs that covered an org: its own and those over every org. */
export function lastRunsOf(db: Db, org: string, limit = 10): ProcessingRun[] {
  return db
    .select()
    .from(processingRuns)
    .where(or(isNull(processingRuns.org), eq(processingRuns.org, org)))
    .orderBy(desc(processingRuns.id))
    .limit(limit)
    .all();
}
