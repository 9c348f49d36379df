import type { Db, Tx } from './client.js';
import { statement } from './statement-cache.js';
import { identityLinks, sessionPullRequests, type apiRequestsDaily } from './schema.js';

/*
 * Writes of what Claude Code sends. Callers wrap one request in one transaction: a request is
 * stored whole or not at all.
 */

/**
 * Runs `apply` unless an identical OTLP request body was applied before for the same org
 * (exporters retry whole requests), recording it in the same transaction. Returns false for a repeat.
 */
export function applyOtlpExportOnce(
  db: Db,
  exportRecord: { bodyHash: string; signal: string; org: string; receivedAt: string },
  apply: (tx: Tx) => void,
): boolean {
  const { recordExport } = statements(db);
  // A plain better-sqlite3 transaction: `db` itself serves as the handle inside it (same connection).
  return db.$client
    .transaction(() => {
      if (recordExport.run(exportRecord.bodyHash, exportRecord.signal, exportRecord.org, exportRecord.receivedAt).changes === 0) return false;
      apply(db);
      return true;
    })
    .immediate();
}

/** Runs `apply` unless the org's hook call with this `tool_use_id` was applied before. */
export function applyHookCallOnce(
  db: Db,
  call: { org: string; toolUseId: string; sessionId: string; toolName: string; receivedAt: string },
  apply: (tx: Tx) => void,
): boolean {
  const { recordHookCall } = statements(db);
  return db.$client
    .transaction(() => {
      if (recordHookCall.run(call.org, call.toolUseId, call.sessionId, call.toolName, call.receivedAt).changes === 0) return false;
      apply(db);
      return true;
    })
    .immediate();
}

export interface CounterIncrement {
  org: string;
  day: string;
  sessionId: string;
  metric: string;
  dimension: string;
  value: number;
}

/*
 * The statements run for every data point, hook line and request are prepared once per database
 * with better-sqlite3 directly: building them through the query builder on each call cost twenty
 * times the write itself (see `npm run bench`). They run on the same connection, so inside a
 * transaction opened by the caller they are part of it.
 */
function hotStatements(db: Db) {
  const sqlite = db.$client;
  return {
    recordExport: sqlite.prepare(
      'INSERT INTO otlp_exports (body_hash, signal, org, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    recordHookCall: sqlite.prepare(
      'INSERT INTO hook_calls (org, tool_use_id, session_id, tool_name, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    addCounter: sqlite.prepare(
      `INSERT INTO telemetry_daily (org, day, session_id, metric, dimension, value, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org, day, session_id, metric, dimension) DO UPDATE SET value = value + excluded.value, received_at = excluded.received_at`,
    ),
    addFingerprint: sqlite.prepare(
      `INSERT INTO session_line_fingerprints (session_id, path, fingerprint, occurrences, sketch, org, first_written_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org, session_id, path, fingerprint) DO UPDATE SET occurrences = occurrences + excluded.occurrences,
         sketch = coalesce(session_line_fingerprints.sketch, excluded.sketch)`,
    ),
    addApiRequests: sqlite.prepare(
      `INSERT INTO api_requests_daily (org, day, session_id, model, requests, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_micro_usd, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org, day, session_id, model) DO UPDATE SET
         requests = requests + excluded.requests,
         input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
         cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
         cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd,
         received_at = excluded.received_at`,
    ),
    lastSeriesPoint: sqlite.prepare(
      'SELECT start_time_unix_nano AS startTimeUnixNano, time_unix_nano AS timeUnixNano, value FROM cumulative_series WHERE series_key = ?',
    ),
    saveSeriesPoint: sqlite.prepare(
      `INSERT INTO cumulative_series (series_key, start_time_unix_nano, time_unix_nano, value, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (series_key) DO UPDATE SET start_time_unix_nano = excluded.start_time_unix_nano,
         time_unix_nano = excluded.time_unix_nano, value = excluded.value, updated_at = excluded.updated_at`,
    ),
    // A session's commits: one commit is kept once, under the longest sha known (see addSessionCommit).
    longerCommit: sqlite.prepare(
      "SELECT 1 AS one FROM session_commits WHERE org = ? AND session_id = ? AND sha >= ? AND sha < ? || 'g' LIMIT 1",
    ),
    deleteShorterCommits: sqlite.prepare(
      'DELETE FROM session_commits WHERE org = ? AND session_id = ? AND ? > sha AND substr(?, 1, length(sha)) = sha',
    ),
    insertCommit: sqlite.prepare(
      'INSERT INTO session_commits (session_id, sha, org, source, seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    recordSession: sqlite.prepare(
      `INSERT INTO claude_sessions (id, org, first_seen_at, last_seen_at, app_version, terminal_type, user_email, user_account_uuid,
         user_id, organization_id, github_login, cwd, attributes, team)
       VALUES (@id, @org, @seenAt, @seenAt, @appVersion, @terminalType, @userEmail, @userAccountUuid, @userId, @organizationId,
         @githubLogin, @cwd, @attributes, @team)
       ON CONFLICT (org, id) DO UPDATE SET
         first_seen_at = min(first_seen_at, excluded.first_seen_at),
         last_seen_at = max(last_seen_at, excluded.last_seen_at),
         app_version = coalesce(excluded.app_version, app_version),
         terminal_type = coalesce(excluded.terminal_type, terminal_type),
         user_email = coalesce(excluded.user_email, user_email),
         user_account_uuid = coalesce(excluded.user_account_uuid, user_account_uuid),
         user_id = coalesce(excluded.user_id, user_id),
         organization_id = coalesce(excluded.organization_id, organization_id),
         github_login = coalesce(excluded.github_login, github_login),
         cwd = coalesce(excluded.cwd, cwd),
         attributes = coalesce(excluded.attributes, attributes),
         team = coalesce(excluded.team, team)`,
    ),
  };
}

const statementCache = new WeakMap<object, ReturnType<typeof hotStatements>>();

function statements(db: Db) {
  let cached = statementCache.get(db.$client);
  if (!cached) {
    cached = hotStatements(db);
    statementCache.set(db.$client, cached);
  }
  return cached;
}

export function addTelemetryCounters(db: Db, increments: Iterable<CounterIncrement>, receivedAt: string): void {
  const stmt = statements(db).addCounter;
  for (const i of increments) stmt.run(i.org, i.day, i.sessionId, i.metric, i.dimension, i.value, receivedAt);
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
export function cumulativeToDelta(db: Db, point: SeriesPoint, now: string): number {
  const { lastSeriesPoint, saveSeriesPoint } = statements(db);
  const previous = lastSeriesPoint.get(point.seriesKey) as { startTimeUnixNano: string; timeUnixNano: string; value: number } | undefined;
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
  saveSeriesPoint.run(point.seriesKey, point.startTimeUnixNano, point.timeUnixNano, point.value, now);
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
  /** The `team` resource attribute as a team slug. */
  team?: string | undefined;
}

/** Records that a session was seen, keeping the first and last time and every identity field ever learned. */
export function recordSession(db: Db, s: SessionSighting): void {
  const attributes = s.attributes && Object.keys(s.attributes).length > 0 ? JSON.stringify(s.attributes) : null;
  statements(db).recordSession.run({
    id: s.id,
    org: s.org,
    seenAt: s.seenAt,
    appVersion: s.appVersion ?? null,
    terminalType: s.terminalType ?? null,
    userEmail: s.userEmail ?? null,
    userAccountUuid: s.userAccountUuid ?? null,
    userId: s.userId ?? null,
    organizationId: s.organizationId ?? null,
    githubLogin: s.githubLogin ?? null,
    cwd: s.cwd ?? null,
    attributes,
    team: s.team ?? null,
  });
}

/** What one OTLP logs request adds to a session's `api_request` sums of one day and model. */
export type ApiRequestIncrement = Omit<typeof apiRequestsDaily.$inferSelect, 'receivedAt'>;

export function addApiRequests(db: Db, increments: Iterable<ApiRequestIncrement>, receivedAt: string): void {
  const stmt = statements(db).addApiRequests;
  for (const i of increments) {
    stmt.run(i.org, i.day, i.sessionId, i.model, i.requests, i.inputTokens, i.outputTokens, i.cacheReadTokens, i.cacheCreationTokens, i.costMicroUsd, receivedAt);
  }
}

/**
 * Records a commit a session made. The hook reports a short sha and events may report the full
 * one: one commit is kept once, under the longest sha known.
 */
export function addSessionCommit(db: Db, row: { sessionId: string; sha: string; org: string; source: 'hook' | 'event'; seenAt: string }): void {
  const { longerCommit, deleteShorterCommits, insertCommit } = statements(db);
  if (longerCommit.get(row.org, row.sessionId, row.sha, row.sha)) return;
  deleteShorterCommits.run(row.org, row.sessionId, row.sha, row.sha);
  insertCommit.run(row.sessionId, row.sha, row.org, row.source, row.seenAt);
}

export function addSessionPullRequest(
  tx: Tx,
  row: { sessionId: string; repository: string; number: number; org: string; url: string; seenAt: string },
): void {
  tx.insert(sessionPullRequests).values(row).onConflictDoNothing().run();
}

export function addSessionLineFingerprints(
  db: Db,
  input: {
    sessionId: string;
    path: string;
    org: string;
    writtenAt: string;
    fingerprints: Map<number, number>;
    /** Each fingerprint's keyed token sketch (`src/attribution/line-sketch.ts`). */
    sketches?: Map<number, Uint8Array> | undefined;
  },
): void {
  const stmt = statements(db).addFingerprint;
  for (const [fingerprint, occurrences] of input.fingerprints) {
    const sketch = input.sketches?.get(fingerprint);
    stmt.run(input.sessionId, input.path, fingerprint, occurrences, sketch ? Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength) : null, input.org, input.writtenAt);
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

/** The working directory a session first reported, which the paths it wrote are stored relative to. */
export function sessionWorkingDirectory(db: Db, org: string, sessionId: string): string | null {
  const row = statement(db, 'SELECT cwd FROM claude_sessions WHERE id = ? AND org = ?').get(sessionId, org) as { cwd: string | null } | undefined;
  return row?.cwd ?? null;
}
