import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../db/client.js';
import { processingEnded, processingProgress } from '../db/processing-progress.js';
import { teamsChangedAt } from '../db/teams.js';
import type { DayRange } from '../utc-days.js';

/*
 * Reports the API answers again from memory until what they read changes: stored figures change
 * only when processing writes, and a team's slice also when its members change. One key rule and
 * one bounded store for every such report (summary, outcomes, durability).
 *
 * The key follows the runs that ended, not each heartbeat of a run going on: incremental runs come
 * every minute or so and write in several steps, and a report computed again at every step costs
 * the requests waiting behind it. A report computed while a run writes may show part of that run
 * until the run ends, a few seconds later on an incremental run, and is then computed again.
 */

type ProcessingEnded = Awaited<ReturnType<typeof processingEnded>>;

/** Which runs had ended, as read with a request's own first statement (`whileServing`). */
const readWithRequest = new AsyncLocalStorage<{ db: Db; ended: ProcessingEnded; serving: boolean }>();

/**
 * Runs `serve` (a request's route) knowing which processing runs had ended when the request came:
 * read with its API key check in the same statement on PostgreSQL (src/db/api-key-requests.ts),
 * it spares the route a round trip to the server. The route then answers the reports of the runs
 * that had ended when it was asked, as it would have a moment earlier. Only while the request is
 * served: work it started that outlives it (a report still computing) reads the stamp afresh.
 */
export async function whileServing<T>(db: Db, ended: ProcessingEnded, serve: () => Promise<T>): Promise<T> {
  const request = { db, ended, serving: true };
  try {
    return await readWithRequest.run(request, serve);
  } finally {
    request.serving = false;
  }
}

/** The last processing run that ended: the figures reports show change when it does. */
export async function processingStamp(db: Db): Promise<string> {
  const known = readWithRequest.getStore();
  const ended = known?.serving && known.db === db ? known.ended : await processingEnded(db);
  return `${ended.runsEnded}:${ended.lastEndedAt}`;
}

/** The last run and its heartbeat: these change whenever processing writes (a report read in steps checks nothing was written between them). */
export async function processingWriteStamp(db: Db): Promise<string> {
  const progress = await processingProgress(db);
  return `${progress.lastRunId}:${progress.lastHeartbeatAt}`;
}

/** What a sliced report is asked for. */
export interface ReportSlice {
  repository?: string | undefined;
  login?: string | undefined;
  team?: string | undefined;
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

/** Reports kept here: deeply frozen, so whatever is derived from one (its JSON text) holds as long as it does. */
const keptReports = new WeakSet<object>();

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

function keep<T>(report: T): T {
  if (report !== null && typeof report === 'object') {
    deepFreeze(report);
    keptReports.add(report);
  }
  return report;
}

/** Whether `value` is a report kept by `rememberedReports` (deeply frozen: it never changes). */
export function isKeptReport(value: unknown): value is object {
  return value !== null && typeof value === 'object' && keptReports.has(value);
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
        const computing = compute().then(keep);
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
