import type { Db } from '../db/client.js';
import { processingProgress } from '../db/processing-progress.js';
import { teamsChangedAt } from '../db/teams.js';
import type { DayRange } from '../utc-days.js';

/*
 * Reports the API answers again from memory until what they read changes: stored figures change
 * only when processing writes (its last run and heartbeat), and a team's slice also when its
 * members change. One key rule and one bounded store for every such report (summary, outcomes, durability).
 */

/** What a sliced report is asked for. */
export interface ReportSlice {
  repository?: string | undefined;
  login?: string | undefined;
  team?: string | undefined;
}

/** The last processing run and its heartbeat: the stored figures change only when these do. */
export async function processingStamp(db: Db): Promise<string> {
  const progress = await processingProgress(db);
  return `${progress.lastRunId}:${progress.lastHeartbeatAt}`;
}

/** A report's key: what it was asked for, and the state of what it reads. */
export async function reportKey(db: Db, org: string, range: DayRange, slice: ReportSlice): Promise<string> {
  // Both reads at once (one round trip's wait on PostgreSQL, where each takes a connection).
  const [teamsChanged, stamp] = await Promise.all([slice.team ? teamsChangedAt(db, org) : null, processingStamp(db)]);
  return JSON.stringify([
    org,
    range.startDate,
    range.endDate,
    slice.repository?.toLowerCase() ?? null,
    slice.login ?? null,
    slice.team ?? null,
    teamsChanged,
    stamp,
  ]);
}

/** How many reports of one kind are kept per database, the oldest dropped first. */
const KEPT = 64;

/**
 * A store of one kind of report per database (per store handle), by `reportKey`. It keeps the
 * report's promise as soon as its computation starts, so requests for the same report while it is
 * computed wait for that one computation; a computation that fails is dropped, so the next request
 * computes it again.
 */
export function rememberedReports<T>() {
  const byDatabase = new WeakMap<Db, Map<string, Promise<T>>>();
  const reportsOf = (db: Db) => {
    let reports = byDatabase.get(db);
    if (!reports) byDatabase.set(db, (reports = new Map()));
    return reports;
  };
  return {
    /** The report under `key`, computed (and kept) when it is not there yet. */
    get(db: Db, key: string, compute: () => Promise<T>): Promise<T> {
      const reports = reportsOf(db);
      let report = reports.get(key);
      if (report === undefined) {
        const computing = compute();
        report = computing;
        reports.set(key, computing);
        if (reports.size > KEPT) reports.delete(reports.keys().next().value!);
        computing.catch(() => {
          if (reports.get(key) === computing) reports.delete(key);
        });
      }
      return report;
    },
  };
}
