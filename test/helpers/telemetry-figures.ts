import { asc } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import {
  apiRequestsDaily,
  claudeSessions,
  identityLinks,
  sessionCommits,
  sessionLineFingerprints,
  sessionPullRequests,
  telemetryDaily,
} from '../../src/db/schema.js';

/** Everything the telemetry and hook receivers stored, in a stable shape to compare and assert on. */
export async function storedTelemetry(db: Db) {
  const counters: Record<string, number> = {};
  for (const row of await db.select().from(telemetryDaily)) {
    // Spend is stored in micro-dollars and shown here in dollars, as the API answers it.
    const [metric, value] = row.metric === 'cost_micro_usd' ? ['cost_usd', row.value / 1e6] : [row.metric, row.value];
    const key = row.dimension ? `${metric}{${row.dimension}}` : metric;
    counters[key] = Math.round(((counters[key] ?? 0) + value) * 1e9) / 1e9;
  }
  const fingerprints: Record<string, { distinct: number; lines: number }> = {};
  for (const row of await db.select().from(sessionLineFingerprints)) {
    const f = (fingerprints[row.path] ??= { distinct: 0, lines: 0 });
    f.distinct += 1;
    f.lines += row.occurrences;
  }
  return {
    sessions: await db
      .select({
        id: claudeSessions.id,
        org: claudeSessions.org,
        userEmail: claudeSessions.userEmail,
        userId: claudeSessions.userId,
        appVersion: claudeSessions.appVersion,
        terminalType: claudeSessions.terminalType,
        githubLogin: claudeSessions.githubLogin,
        attributes: claudeSessions.attributes,
      })
      .from(claudeSessions)
      .orderBy(asc(claudeSessions.id)),
    counters,
    apiRequests: (
      await db
        .select()
        .from(apiRequestsDaily)
        .orderBy(asc(apiRequestsDaily.day), asc(apiRequestsDaily.sessionId), asc(apiRequestsDaily.model))
    ).map(({ costMicroUsd, receivedAt: _received, ...r }) => ({ ...r, costUsd: costMicroUsd / 1e6 })),
    commits: await db.select({ sessionId: sessionCommits.sessionId, sha: sessionCommits.sha }).from(sessionCommits).orderBy(asc(sessionCommits.sha)),
    pullRequests: await db
      .select({ sessionId: sessionPullRequests.sessionId, repository: sessionPullRequests.repository, number: sessionPullRequests.number })
      .from(sessionPullRequests),
    fingerprints,
    identities: await db
      .select({ kind: identityLinks.kind, value: identityLinks.value, githubLogin: identityLinks.githubLogin, source: identityLinks.source })
      .from(identityLinks)
      .orderBy(asc(identityLinks.kind)),
  };
}
