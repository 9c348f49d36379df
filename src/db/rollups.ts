import { and, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { DailyMetrics, DayRollup } from '../processing/daily-rollup.js';
import type { Db } from './client.js';
import {
  attributions,
  dailyModelUsage,
  dailyOrgMetrics,
  dailyRepositoryMetrics,
  dailyUserMetrics,
  processingRuns,
} from './schema.js';

/*
 * Writes of processing output, and the run table that also serves as the one-run-at-a-time lock.
 */

export type AttributionRow = typeof attributions.$inferInsert;

/** Upserts attributions; a row whose result hash is unchanged is left as it was. Returns how many changed. */
export function saveAttributions(db: Db, rows: AttributionRow[]): number {
  let changed = 0;
  db.transaction((tx) => {
    for (const row of rows) {
      const result = tx
        .insert(attributions)
        .values(row)
        .onConflictDoUpdate({
          target: attributions.subject,
          set: {
            org: row.org,
            repository: row.repository,
            number: row.number,
            sha: row.sha,
            authorLogin: row.authorLogin,
            isBot: row.isBot,
            day: row.day,
            withClaudeCode: row.withClaudeCode,
            linesAdded: row.linesAdded,
            linesWithClaudeCode: row.linesWithClaudeCode,
            evidence: row.evidence,
            resultHash: row.resultHash,
            attributedAt: row.attributedAt,
          },
          setWhere: sql`${attributions.resultHash} <> excluded.result_hash`,
        })
        .run();
      changed += result.changes;
    }
  });
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
  costUsd: Math.round(m.costUsd * 1e6) / 1e6,
  activeTimeSeconds: Math.round(m.activeTimeSeconds * 1e3) / 1e3,
});

/**
 * Replaces one org's rollups for one day, in one transaction: readers see the old day or the new
 * one, never a mix. `beforeCommit` runs inside the transaction (tests throw there to simulate a crash).
 */
export function replaceDayRollup(db: Db, org: string, day: string, rollup: DayRollup, beforeCommit?: () => void): void {
  db.transaction((tx) => {
    tx.delete(dailyOrgMetrics).where(and(eq(dailyOrgMetrics.org, org), eq(dailyOrgMetrics.day, day))).run();
    tx.delete(dailyUserMetrics).where(and(eq(dailyUserMetrics.org, org), eq(dailyUserMetrics.day, day))).run();
    tx.delete(dailyRepositoryMetrics).where(and(eq(dailyRepositoryMetrics.org, org), eq(dailyRepositoryMetrics.day, day))).run();
    tx.delete(dailyModelUsage).where(and(eq(dailyModelUsage.org, org), eq(dailyModelUsage.day, day))).run();

    tx.insert(dailyOrgMetrics).values({ org, day, ...round(rollup.org) }).run();
    for (const u of rollup.users.values()) {
      tx.insert(dailyUserMetrics).values({ org, day, userKey: u.userKey, githubLogin: u.githubLogin, email: u.email, ...round(u.metrics) }).run();
    }
    for (const [repository, metrics] of rollup.repositories) {
      tx.insert(dailyRepositoryMetrics).values({ org, day, repository, ...round(metrics) }).run();
    }
    for (const m of rollup.models) {
      tx.insert(dailyModelUsage).values({ org, day, ...m, costUsd: Math.round(m.costUsd * 1e6) / 1e6 }).run();
    }
    beforeCommit?.();
  });
}

export type ProcessingRun = typeof processingRuns.$inferSelect;

/** A run counts as alive while its heartbeat is this recent; older "running" rows died with their process. */
export const RUN_HEARTBEAT_TIMEOUT_MS = 2 * 60_000;

/**
 * Starts a run unless another is alive. Returns the new run, or the live run that blocks it.
 */
export function startRun(
  db: Db,
  input: { org: string | null; fromDay: string; toDay: string; trigger: string },
  now: Date,
): { run: ProcessingRun } | { busy: ProcessingRun } {
  return db.transaction(
    (tx) => {
      const live = tx
        .select()
        .from(processingRuns)
        .where(eq(processingRuns.status, 'running'))
        .orderBy(desc(processingRuns.id))
        .all();
      for (const run of live) {
        if (now.getTime() - Date.parse(run.heartbeatAt) < RUN_HEARTBEAT_TIMEOUT_MS) return { busy: run };
        tx.update(processingRuns)
          .set({ status: 'abandoned', finishedAt: now.toISOString(), error: 'the process running it stopped' })
          .where(eq(processingRuns.id, run.id))
          .run();
      }
      const at = now.toISOString();
      const run = tx
        .insert(processingRuns)
        .values({ ...input, status: 'running', startedAt: at, heartbeatAt: at })
        .returning()
        .get();
      return { run };
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
