import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/** The latest processing run and its latest heartbeat: they change whenever processing writes figures. */
export async function processingProgress(db: Db): Promise<{ lastRunId: number | null; lastHeartbeatAt: string | null }> {
  return (await db.get<{ lastRunId: number | null; lastHeartbeatAt: string | null }>(
    sql`SELECT max(id) AS "lastRunId", max(heartbeat_at) AS "lastHeartbeatAt" FROM processing_runs`,
  ))!;
}

/**
 * Which processing runs have ended (how many, and the last end): the figures a report shows are
 * those of the last run that ended, so a report kept under this stamp is computed again once per
 * run, not on every heartbeat of a run still writing.
 */
export async function processingEnded(db: Db): Promise<{ runsEnded: number; lastEndedAt: string | null }> {
  const row = (await db.get<{ runsEnded: number; lastEndedAt: string | null }>(
    sql`SELECT count(finished_at) AS "runsEnded", max(finished_at) AS "lastEndedAt" FROM processing_runs`,
  ))!;
  return { runsEnded: Number(row.runsEnded), lastEndedAt: row.lastEndedAt };
}
