import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import type { Tx } from './github-activity.js';
import {
  apiRequestsDaily,
  claudeSessions,
  cumulativeSeries,
  hookCalls,
  identityLinks,
  otlpExports,
  sessionCommits,
  sessionLineFingerprints,
  sessionPullRequests,
  telemetryDaily,
} from './schema.js';

/*
 * Writes of what Claude Code sends. Callers wrap one request in one transaction: a request is
 * stored whole or not at all.
 */

/**
 * Runs `apply` unless an identical OTLP request body was applied before (exporters retry whole
 * requests), recording it in the same transaction. Returns false for a repeat.
 */
export function applyOtlpExportOnce(
  db: Db,
  exportRecord: { bodyHash: string; signal: string; org: string; receivedAt: string },
  apply: (tx: Tx) => void,
): boolean {
  return db.transaction(
    (tx) => {
      const inserted = tx.insert(otlpExports).values(exportRecord).onConflictDoNothing().returning({ h: otlpExports.bodyHash }).all();
      if (inserted.length === 0) return false;
      apply(tx);
      return true;
    },
    { behavior: 'immediate' },
  );
}

/** Runs `apply` unless the hook call with this `tool_use_id` was applied before. */
export function applyHookCallOnce(
  db: Db,
  call: { toolUseId: string; sessionId: string; toolName: string; receivedAt: string },
  apply: (tx: Tx) => void,
): boolean {
  return db.transaction(
    (tx) => {
      const inserted = tx.insert(hookCalls).values(call).onConflictDoNothing().returning({ id: hookCalls.toolUseId }).all();
      if (inserted.length === 0) return false;
      apply(tx);
      return true;
    },
    { behavior: 'immediate' },
  );
}

export interface CounterIncrement {
  org: string;
  day: string;
  sessionId: string;
  metric: string;
  dimension: string;
  value: number;
}

export function addTelemetryCounters(tx: Tx, increments: Iterable<CounterIncrement>): void {
  for (const inc of increments) {
    tx.insert(telemetryDaily)
      .values(inc)
      .onConflictDoUpdate({
        target: [telemetryDaily.org, telemetryDaily.day, telemetryDaily.sessionId, telemetryDaily.metric, telemetryDaily.dimension],
        set: { value: sql`${telemetryDaily.value} + excluded.value` },
      })
      .run();
  }
}

export interface SeriesPoint {
  seriesKey: string;
  startTimeUnixNano: string;
  timeUnixNano: string;
  value: number;
}

const nanos = (s: string) => BigInt(/^\d+$/.test(s) ? s : '0');

/**
 * Turns a point of a cumulative series into the increase since the previous point. A new start
 * time (the process restarted) or a lower value (the counter was reset) starts over from the
 * point's own value; a point no newer than the last one seen adds nothing.
 */
export function cumulativeToDelta(tx: Tx, point: SeriesPoint, now: string): number {
  const previous = tx.select().from(cumulativeSeries).where(eq(cumulativeSeries.seriesKey, point.seriesKey)).get();
  let delta: number;
  if (!previous) {
    delta = point.value;
  } else if (point.startTimeUnixNano !== previous.startTimeUnixNano) {
    if (nanos(point.startTimeUnixNano) < nanos(previous.startTimeUnixNano)) return 0; // a late point of an older run
    delta = point.value;
  } else if (nanos(point.timeUnixNano) <= nanos(previous.timeUnixNano)) {
    return 0;
  } else if (point.value < previous.value) {
    delta = point.value;
  } else {
    delta = point.value - previous.value;
  }
  tx.insert(cumulativeSeries)
    .values({ ...point, updatedAt: now })
    .onConflictDoUpdate({
      target: cumulativeSeries.seriesKey,
      set: { startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano, value: point.value, updatedAt: now },
    })
    .run();
  return delta;
}

export interface SessionSighting {
  id: string;
  org: string;
  seenAt: string;
  appVersion?: string | undefined;
  terminalType?: string | undefined;
  userEmail?: string | undefined;
  userAccountUuid?: string | undefined;
  userId?: string | undefined;
  organizationId?: string | undefined;
  githubLogin?: string | undefined;
  cwd?: string | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
}

/** Records that a session was seen, keeping the first and last time and every identity field ever learned. */
export function recordSession(tx: Tx, s: SessionSighting): void {
  const keep = (value: string | undefined, column: unknown) => sql`coalesce(${value ?? null}, ${column})`;
  const attributes = s.attributes && Object.keys(s.attributes).length > 0 ? s.attributes : null;
  tx.insert(claudeSessions)
    .values({
      id: s.id,
      org: s.org,
      firstSeenAt: s.seenAt,
      lastSeenAt: s.seenAt,
      appVersion: s.appVersion ?? null,
      terminalType: s.terminalType ?? null,
      userEmail: s.userEmail ?? null,
      userAccountUuid: s.userAccountUuid ?? null,
      userId: s.userId ?? null,
      organizationId: s.organizationId ?? null,
      githubLogin: s.githubLogin ?? null,
      cwd: s.cwd ?? null,
      attributes,
    })
    .onConflictDoUpdate({
      target: claudeSessions.id,
      set: {
        firstSeenAt: sql`min(${claudeSessions.firstSeenAt}, ${s.seenAt})`,
        lastSeenAt: sql`max(${claudeSessions.lastSeenAt}, ${s.seenAt})`,
        appVersion: keep(s.appVersion, claudeSessions.appVersion),
        terminalType: keep(s.terminalType, claudeSessions.terminalType),
        userEmail: keep(s.userEmail, claudeSessions.userEmail),
        userAccountUuid: keep(s.userAccountUuid, claudeSessions.userAccountUuid),
        userId: keep(s.userId, claudeSessions.userId),
        organizationId: keep(s.organizationId, claudeSessions.organizationId),
        githubLogin: keep(s.githubLogin, claudeSessions.githubLogin),
        cwd: keep(s.cwd, claudeSessions.cwd),
        attributes: attributes ? sql`${JSON.stringify(attributes)}` : sql`${claudeSessions.attributes}`,
      },
    })
    .run();
}

export interface ApiRequestIncrement {
  org: string;
  day: string;
  sessionId: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
}

export function addApiRequests(tx: Tx, increments: Iterable<ApiRequestIncrement>): void {
  for (const inc of increments) {
    const add = (column: { name: string }) => sql`${column} + excluded.${sql.identifier(column.name)}`;
    tx.insert(apiRequestsDaily)
      .values(inc)
      .onConflictDoUpdate({
        target: [apiRequestsDaily.org, apiRequestsDaily.day, apiRequestsDaily.sessionId, apiRequestsDaily.model],
        set: {
          requests: add(apiRequestsDaily.requests),
          inputTokens: add(apiRequestsDaily.inputTokens),
          outputTokens: add(apiRequestsDaily.outputTokens),
          cacheReadTokens: add(apiRequestsDaily.cacheReadTokens),
          cacheCreationTokens: add(apiRequestsDaily.cacheCreationTokens),
          costUsd: add(apiRequestsDaily.costUsd),
        },
      })
      .run();
  }
}

export function addSessionCommit(tx: Tx, row: { sessionId: string; sha: string; org: string; source: 'hook' | 'event'; seenAt: string }): void {
  tx.insert(sessionCommits).values(row).onConflictDoNothing().run();
}

export function addSessionPullRequest(
  tx: Tx,
  row: { sessionId: string; repository: string; number: number; org: string; url: string; seenAt: string },
): void {
  tx.insert(sessionPullRequests).values(row).onConflictDoNothing().run();
}

export function addSessionLineFingerprints(
  tx: Tx,
  input: { sessionId: string; path: string; org: string; writtenAt: string; fingerprints: Map<number, number> },
): void {
  for (const [fingerprint, occurrences] of input.fingerprints) {
    tx.insert(sessionLineFingerprints)
      .values({
        sessionId: input.sessionId,
        path: input.path,
        fingerprint,
        occurrences,
        org: input.org,
        firstWrittenAt: input.writtenAt,
      })
      .onConflictDoUpdate({
        target: [sessionLineFingerprints.sessionId, sessionLineFingerprints.path, sessionLineFingerprints.fingerprint],
        set: { occurrences: sql`${sessionLineFingerprints.occurrences} + excluded.occurrences` },
      })
      .run();
  }
}

export type IdentityKind = (typeof identityLinks.$inferInsert)['kind'];
export type IdentitySource = (typeof identityLinks.$inferInsert)['source'];

export function linkIdentity(
  tx: Tx,
  link: { org: string; kind: IdentityKind; value: string; githubLogin: string; source: IdentitySource; createdAt: string },
): void {
  tx.insert(identityLinks)
    .values(link)
    .onConflictDoUpdate({
      target: [identityLinks.org, identityLinks.kind, identityLinks.value, identityLinks.source],
      set: { githubLogin: link.githubLogin },
    })
    .run();
}
