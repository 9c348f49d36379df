import type { Db } from './client.js';
import { statement } from './statement-cache.js';

/** The latest processing run and its latest heartbeat: they change whenever processing writes figures. */
export function processingProgress(db: Db): { lastRunId: number | null; lastHeartbeatAt: string | null } {
  return statement(db, 'SELECT max(id) AS lastRunId, max(heartbeat_at) AS lastHeartbeatAt FROM processing_runs').get() as {
    lastRunId: number | null;
    lastHeartbeatAt: string | null;
  };
}
