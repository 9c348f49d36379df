import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/** The latest processing run and its latest heartbeat: they change whenever processing writes figures. */
export async function processingProgress(db: Db): Promise<{ lastRunId: number | null; lastHeartbeatAt: string | null }> {
  return (await db.get<{ lastRunId: number | null; lastHeartbeatAt: string | null }>(
    sql`SELECT max(id) AS "lastRunId", max(heartbeat_at) AS "lastHeartbeatAt" FROM processing_runs`,
  ))!;
}
