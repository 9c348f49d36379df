import type { Db } from '../db/client.js';
import { sqliteConnection } from '../db/sqlite-engine.js';

/*
 * The memory a processing run may hold, chosen rather than left to defaults (issue 21), and
 * reported with the run (its log line and summary; the benchmark's output):
 * - the session lines it keeps cached between PRs (`PROCESSING_SESSION_LINES_CACHE`): a person's
 *   sessions are candidates of each of their PRs, and reading them again costs a statement each.
 *   Each line carries its sketch once the similarity pass read it, so the bound was halved from
 *   300,000 to 150,000: on the benchmark org (1,000 developers) peak RSS went from 527 to 497 MB
 *   with the same recompute time;
 * - SQLite's page cache for the run's connection (`PROCESSING_SQLITE_CACHE_MB`): a page read that
 *   misses it is a system call into the database file (13 GB at 10,000 developers), served from
 *   the operating system's file cache. 16 MB (better-sqlite3's default) was chosen by measuring:
 *   at 1,000 developers a full recompute took 53 and 58 s with 16 MB against 71 and 50 s with
 *   64 MB (peak RSS 250–267 against 307–321 MB), and the one-day run at 10,000 developers took
 *   about 20 s with 16, 64 or 256 MB: a bigger cache costs its size in RSS and saves no time;
 * - memory-mapped reads of the database file (`PROCESSING_SQLITE_MMAP_MB`, off by default): pages
 *   read through the map count in the process's RSS as they are touched, up to the map's size.
 * The page cache and map are set for the run's duration and set back when the last run on that
 * connection ends (a server's connection also answers requests). PostgreSQL keeps its own cache.
 */

export interface ProcessingMemory {
  /** Session lines (fingerprints) kept cached between PRs. */
  sessionLinesCache: number;
  /** SQLite's page cache of the processing connection during a run, in MB. */
  sqliteCacheMb: number;
  /** Memory-mapped reads of the SQLite file during a run, in MB (0: off). */
  sqliteMmapMb: number;
}

export const DEFAULT_PROCESSING_MEMORY: ProcessingMemory = { sessionLinesCache: 150_000, sqliteCacheMb: 16, sqliteMmapMb: 0 };

const runsOn = new WeakMap<object, { runs: number; cacheSize: number; mmapSize: number }>();

/** Runs `work` with the SQLite connection's page cache and map sized as `memory` says; runs that overlap on one connection share the first's sizes. */
export async function withProcessingMemory<T>(db: Db, memory: ProcessingMemory, work: () => Promise<T>): Promise<T> {
  const connection = sqliteConnection(db);
  if (!connection) return work();
  let state = runsOn.get(connection);
  if (!state) {
    // The connection's own settings, to set back: a negative cache size is in KiB, a positive one in pages.
    state = { runs: 0, cacheSize: connection.pragma('cache_size', { simple: true }) as number, mmapSize: connection.pragma('mmap_size', { simple: true }) as number };
    runsOn.set(connection, state);
    connection.pragma(`cache_size = -${Math.floor(memory.sqliteCacheMb * 1024)}`);
    connection.pragma(`mmap_size = ${Math.floor(memory.sqliteMmapMb * 1048576)}`);
  }
  state.runs++;
  try {
    return await work();
  } finally {
    if (--state.runs === 0) {
      runsOn.delete(connection);
      connection.pragma(`cache_size = ${state.cacheSize}`);
      connection.pragma(`mmap_size = ${state.mmapSize}`);
    }
  }
}

/** The process's peak resident set so far, in MB (what the run's log line reports). */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
