import type { Db } from './client.js';
import { statement } from './statement-cache.js';

/*
 * Retention (spec: Bad input, faults, security): line fingerprints and raw telemetry are kept for
 * RETENTION_DAYS — enough for the attribution window plus reprocessing — so storage grows with
 * activity, not with time. Daily rollups and per-PR attributions are kept until deleted.
 */

export interface PruneResult {
  sessionLineFingerprints: number;
  pullRequestLineFingerprints: number;
  telemetryCounters: number;
  apiRequestDays: number;
  repeatGuards: number;
  finishedJobs: number;
}

export function pruneExpired(db: Db, { now, retentionDays }: { now: Date; retentionDays: number }): PruneResult {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const cutoffIso = cutoff.toISOString();
  const cutoffDay = cutoffIso.slice(0, 10);
  const run = (sql: string, ...params: unknown[]) => statement(db, sql).run(...params).changes;
  return db.$client.transaction(() => ({
    sessionLineFingerprints: run('DELETE FROM session_line_fingerprints WHERE first_written_at < ?', cutoffIso),
    // The fingerprints of a PR's (or pushed commit's) lines, once it is older than the window; its attribution stays.
    pullRequestLineFingerprints: run(
      `DELETE FROM added_line_fingerprints WHERE changed_file_id IN (
         SELECT f.id FROM changed_files f
         LEFT JOIN pull_requests p ON p.id = f.pull_request_id
         LEFT JOIN commits c ON c.id = f.commit_id
         WHERE coalesce(p.merged_at, p.created_at, c.pushed_at, c.committed_at, c.authored_at) < ?)`,
      cutoffIso,
    ),
    // By day and by when it arrived: a row whose sender claimed a far-future day still goes.
    telemetryCounters: run('DELETE FROM telemetry_daily WHERE day < ? OR received_at < ?', cutoffDay, cutoffIso),
    apiRequestDays: run('DELETE FROM api_requests_daily WHERE day < ? OR received_at < ?', cutoffDay, cutoffIso),

    repeatGuards:
      run('DELETE FROM otlp_exports WHERE received_at < ?', cutoffIso) +
      run('DELETE FROM hook_calls WHERE received_at < ?', cutoffIso) +
      run('DELETE FROM webhook_deliveries WHERE received_at < ?', cutoffIso) +
      run('DELETE FROM cumulative_series WHERE updated_at < ?', cutoffIso),
    finishedJobs: run("DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < ?", cutoff.getTime()),
  }))();
}
