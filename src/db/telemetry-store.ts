import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import {
  apiRequestsDaily,
  claudeSessions,
  cumulativeSeries,
  identityLinks,
  sessionCommits,
  sessionLineFingerprints,
  sessionPullRequests,
  telemetryDaily,
} from './schema.js';
import { markForProcessing, type Mark } from './processing-marks.js';
import { rowsToInsert } from './table-sql.js';

/*
 * Writes of what Claude Code sends. Callers wrap one request in one transaction: a request is
 * stored whole or not at all. This is the hot path of ingest: the writes are raw `sql` templates
 * (building a query through the query builder per row cost twenty times the write itself, see
 * `npm run bench`), and the rows of one request go to each table in one statement, bound as a few
 * parameters (`rowsToInsert`), so an export is a handful of statements (round trips on PostgreSQL)
 * whatever its number of points.
 */

/**
 * Runs `apply` unless an identical OTLP request body was applied before for the same org
 * (exporters retry whole requests), recording it in the same transaction. Returns false for a repeat.
 * The record is inserted first: a concurrent copy of the request (another replica) waits for this
 * transaction's commit at its own insert, then inserts nothing and applies nothing.
 */
export async function applyOtlpExportOnce(
  db: Db,
  exportRecord: { bodyHash: string; signal: string; org: string; receivedAt: string },
  apply: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.transaction(
    async (tx) => {
      const { changes } = await tx.run(
        sql`INSERT INTO otlp_exports (body_hash, signal, org, received_at)
            VALUES (${exportRecord.bodyHash}, ${exportRecord.signal}, ${exportRecord.org}, ${exportRecord.receivedAt}) ON CONFLICT DO NOTHING`,
      );
      if (changes === 0) return false;
      await apply(tx);
      return true;
    },
    { behavior: 'immediate' },
  );
}

/** Runs `apply` unless the org's hook call with this `tool_use_id` was applied before (recorded first, as above). */
export async function applyHookCallOnce(
  db: Db,
  call: { org: string; toolUseId: string; sessionId: string; toolName: string; receivedAt: string },
  apply: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.transaction(
    async (tx) => {
      const { changes } = await tx.run(
        sql`INSERT INTO hook_calls (org, tool_use_id, session_id, tool_name, received_at)
            VALUES (${call.org}, ${call.toolUseId}, ${call.sessionId}, ${call.toolName}, ${call.receivedAt}) ON CONFLICT DO NOTHING`,
      );
      if (changes === 0) return false;
      await apply(tx);
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

/**
 * Rows of a multi-row upsert in key order: a statement may not update one row twice (callers sum
 * per key first), and two transactions updating the same rows take their row locks in the same
 * order on PostgreSQL, so they wait for each other instead of deadlocking.
 */
function inKeyOrder<T>(rows: Iterable<T>, key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Adds increments to the day's counters. Give each (org, day, session, metric, dimension) once (sum them first). */
export async function addTelemetryCounters(db: Db, increments: Iterable<CounterIncrement>, receivedAt: string): Promise<void> {
  const rows = inKeyOrder(increments, (i) => `${i.org}\u0000${i.day}\u0000${i.sessionId}\u0000${i.metric}\u0000${i.dimension}`).map((i) => ({ ...i, receivedAt }));
  if (rows.length === 0) return;
  await db.run(sql`INSERT INTO telemetry_daily ${rowsToInsert(db, telemetryDaily, ['org', 'day', 'sessionId', 'metric', 'dimension', 'value', 'receivedAt'], rows)}
    ON CONFLICT (org, day, session_id, metric, dimension) DO UPDATE SET value = telemetry_daily.value + excluded.value, received_at = excluded.received_at`);
}

export interface SeriesPoint {
  seriesKey: string;
  startTimeUnixNano: string;
  timeUnixNano: string;
  value: number;
}

type SeriesState = Omit<SeriesPoint, 'seriesKey'>;

const nanos = (s: string) => BigInt(/^\d+$/.test(s) ? s : '0');

/**
 * The increase a point of a cumulative series adds after `previous`, the series' last point seen.
 * A new start time (the process restarted) or a lower value (the counter was reset) starts over
 * from the point's own value; a point no newer than the last one seen adds nothing (and is not kept).
 */
function deltaAfter(previous: SeriesState | undefined, point: SeriesPoint): { delta: number; keep: boolean } {
  if (!previous) return { delta: point.value, keep: true };
  if (point.startTimeUnixNano !== previous.startTimeUnixNano) {
    if (nanos(point.startTimeUnixNano) < nanos(previous.startTimeUnixNano)) return { delta: 0, keep: false }; // a late point of an older run
    return { delta: point.value, keep: true };
  }
  if (nanos(point.timeUnixNano) <= nanos(previous.timeUnixNano)) return { delta: 0, keep: false };
  if (point.value < previous.value) return { delta: point.value, keep: true };
  return { delta: point.value - previous.value, keep: true };
}

/**
 * Advisory lock class (the first of PostgreSQL's two 32-bit lock keys, a key space apart from the
 * 64-bit keys of `ADVISORY_LOCK_KEYS`) of a cumulative series; the second key hashes its series key.
 */
const CUMULATIVE_SERIES_LOCK_CLASS = 0x63636d03;

/**
 * Turns the points of cumulative series, in the order they were sent, into their increases since
 * each series' previous point (see `deltaAfter`), and keeps each series' last point for the next
 * request. Two statements whatever the number of points (three on PostgreSQL): one read of the series' last points, one
 * multi-row write. Call inside the request's transaction. On SQLite that transaction holds the write
 * lock; on PostgreSQL a transaction-level advisory lock per series (taken in key order, released at
 * commit) makes a concurrent request of the same series on another replica wait, then count from
 * this one's points, also for a series seen for the first time (no row to lock yet).
 */
export async function cumulativeToDeltas(db: Db, points: readonly SeriesPoint[], now: string): Promise<number[]> {
  if (points.length === 0) return [];
  const keys = inKeyOrder(new Set(points.map((p) => p.seriesKey)), (k) => k);
  if (db.engine === 'postgres') {
    await db.run(
      sql`SELECT pg_advisory_xact_lock(${sql.raw(String(CUMULATIVE_SERIES_LOCK_CLASS))}, hashtext(k))
          FROM (SELECT unnest(CAST(${sql.param(keys)} AS text[])) AS k ORDER BY k) AS series`,
    );
  }
  const stored = await db.all<SeriesState & { seriesKey: string }>(
    sql`SELECT series_key AS "seriesKey", start_time_unix_nano AS "startTimeUnixNano", time_unix_nano AS "timeUnixNano", value
        FROM cumulative_series WHERE ${db.dialect.anyOf(sql`series_key`, keys)}`,
  );
  const last = new Map<string, SeriesState>(stored.map(({ seriesKey, ...state }) => [seriesKey, state]));
  const changed = new Set<string>();
  const deltas = points.map((point) => {
    const { delta, keep } = deltaAfter(last.get(point.seriesKey), point);
    if (keep) {
      last.set(point.seriesKey, { startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano, value: point.value });
      changed.add(point.seriesKey);
    }
    return delta;
  });
  const saved = keys.filter((k) => changed.has(k)).map((seriesKey) => ({ seriesKey, ...last.get(seriesKey)!, updatedAt: now }));
  if (saved.length > 0) {
    await db.run(sql`INSERT INTO cumulative_series ${rowsToInsert(db, cumulativeSeries, ['seriesKey', 'startTimeUnixNano', 'timeUnixNano', 'value', 'updatedAt'], saved)}
      ON CONFLICT (series_key) DO UPDATE SET start_time_unix_nano = excluded.start_time_unix_nano,
        time_unix_nano = excluded.time_unix_nano, value = excluded.value, updated_at = excluded.updated_at`);
  }
  return deltas;
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

/** The identity fields of a session a later sighting replaces when it knows them. */
const SESSION_FIELDS = [
  ['appVersion', 'app_version'],
  ['terminalType', 'terminal_type'],
  ['userEmail', 'user_email'],
  ['userAccountUuid', 'user_account_uuid'],
  ['userId', 'user_id'],
  ['organizationId', 'organization_id'],
  ['githubLogin', 'github_login'],
  ['cwd', 'cwd'],
  ['attributes', 'attributes'],
  ['team', 'team'],
] as const;

type SessionRow = { id: string; org: string; firstSeenAt: string; lastSeenAt: string } & Record<(typeof SESSION_FIELDS)[number][0], string | null>;

function sessionRow(s: SessionSighting): SessionRow {
  const attributes = s.attributes && Object.keys(s.attributes).length > 0 ? JSON.stringify(s.attributes) : null;
  return {
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
    team: s.team ?? null,
  };
}

/** Records that a session was seen, keeping the first and last time and every identity field ever learned. */
export async function recordSession(db: Db, s: SessionSighting): Promise<void> {
  await recordSessions(db, [s]);
}

/**
 * Records sightings of sessions (`recordSession` for each, in order) in one statement. A
 * session sighted twice is merged first, as the upsert would merge it: a statement may not
 * update one row twice.
 */
export async function recordSessions(db: Db, sightings: Iterable<SessionSighting>): Promise<void> {
  const merged = new Map<string, SessionRow>();
  for (const sighting of sightings) {
    const row = sessionRow(sighting);
    const key = `${row.org}\u0000${row.id}`;
    const prior = merged.get(key);
    if (!prior) {
      merged.set(key, row);
      continue;
    }
    prior.firstSeenAt = row.firstSeenAt < prior.firstSeenAt ? row.firstSeenAt : prior.firstSeenAt;
    prior.lastSeenAt = row.lastSeenAt > prior.lastSeenAt ? row.lastSeenAt : prior.lastSeenAt;
    for (const [field] of SESSION_FIELDS) prior[field] = row[field] ?? prior[field];
  }
  const rows = inKeyOrder(merged.values(), (r) => `${r.org}\u0000${r.id}`);
  // Every target column is qualified: PostgreSQL finds a bare `app_version` ambiguous beside `excluded`.
  const kept = SESSION_FIELDS.map(([, column]) => sql.raw(`${column} = coalesce(excluded.${column}, claude_sessions.${column})`));
  if (rows.length === 0) return;
  const fields = ['id', 'org', 'firstSeenAt', 'lastSeenAt', ...SESSION_FIELDS.map(([field]) => field)] as const;
  await db.run(sql`INSERT INTO claude_sessions ${rowsToInsert(db, claudeSessions, fields, rows)}
    ON CONFLICT (org, id) DO UPDATE SET
      first_seen_at = ${db.dialect.least(sql`claude_sessions.first_seen_at`, sql`excluded.first_seen_at`)},
      last_seen_at = ${db.dialect.greatest(sql`claude_sessions.last_seen_at`, sql`excluded.last_seen_at`)},
      ${sql.join(kept, sql`, `)}`);
}

/** What a request tells of a session that attribution reads: its days, who it is, where it ran. */
export interface SessionNews {
  id: string;
  days: Iterable<string>;
  userEmail?: string | undefined;
  userAccountUuid?: string | undefined;
  userId?: string | undefined;
  githubLogin?: string | undefined;
  cwd?: string | undefined;
}

/**
 * The sessions among `news` whose attribution facts a request changes, read before it is stored:
 * a session not seen before, active on a day it had no telemetry on (nor its first or last
 * sighting), or with an identity field or working directory it did not have. A session's counters
 * (tokens, cost, accepted lines) change only its days' rollups, not which PRs it may count for, so
 * most exports of a session mark only their days (`processing_marks`).
 */
export async function sessionsWithNewFacts(db: Db, org: string, news: readonly SessionNews[]): Promise<Set<string>> {
  const out = new Set<string>();
  const wanted = news.filter((n) => n.id !== '');
  if (wanted.length === 0) return out;
  const stored = new Map(
    (
      await db.all<{ id: string; firstSeenAt: string; lastSeenAt: string; userEmail: string | null; userAccountUuid: string | null; userId: string | null; githubLogin: string | null; cwd: string | null }>(
        sql`SELECT id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", user_email AS "userEmail", user_account_uuid AS "userAccountUuid",
              user_id AS "userId", github_login AS "githubLogin", cwd
            FROM claude_sessions WHERE org = ${org} AND ${db.dialect.anyOf(claudeSessions.id, wanted.map((n) => n.id))}`,
      )
    ).map((r) => [r.id, r]),
  );
  // The days each known session was active on, as processing reads them: telemetry, first and last sighting.
  const known = new Set<string>();
  const days = [...new Set(wanted.flatMap((n) => [...n.days]))];
  if (stored.size > 0 && days.length > 0) {
    const rows = await db.all<{ s: string; day: string }>(
      sql`SELECT DISTINCT session_id AS s, day FROM telemetry_daily
          WHERE org = ${org} AND ${db.dialect.anyOf(sql.raw('day'), days)} AND ${db.dialect.anyOf(sql.raw('session_id'), [...stored.keys()])}`,
    );
    for (const r of rows) known.add(`${r.s}\u0000${r.day}`);
  }
  for (const n of wanted) {
    const prior = stored.get(n.id);
    if (!prior) {
      out.add(n.id);
      continue;
    }
    const [first, last] = [prior.firstSeenAt.slice(0, 10), prior.lastSeenAt.slice(0, 10)];
    const newDay = [...n.days].some((d) => d !== first && d !== last && !known.has(`${n.id}\u0000${d}`));
    const changed = (field: 'userEmail' | 'userAccountUuid' | 'userId' | 'githubLogin' | 'cwd') => n[field] !== undefined && n[field] !== prior[field];
    if (newDay || changed('userEmail') || changed('userAccountUuid') || changed('userId') || changed('githubLogin') || changed('cwd')) out.add(n.id);
  }
  return out;
}

/** What one OTLP logs request adds to a session's `api_request` sums of one day and model. */
export type ApiRequestIncrement = Omit<typeof apiRequestsDaily.$inferSelect, 'receivedAt'>;

/** Adds a request's `api_request` sums. Give each (org, day, session, model) once (sum them first). */
export async function addApiRequests(db: Db, increments: Iterable<ApiRequestIncrement>, receivedAt: string): Promise<void> {
  const rows = inKeyOrder(increments, (i) => `${i.org}\u0000${i.day}\u0000${i.sessionId}\u0000${i.model}`);
  if (rows.length === 0) return;
  const summed = ['requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'cost_micro_usd'].map((column) =>
    sql.raw(`${column} = api_requests_daily.${column} + excluded.${column}`),
  );
  const fields = ['org', 'day', 'sessionId', 'model', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'costMicroUsd', 'receivedAt'] as const;
  await db.run(sql`INSERT INTO api_requests_daily ${rowsToInsert(db, apiRequestsDaily, fields, rows.map((i) => ({ ...i, receivedAt })))}
    ON CONFLICT (org, day, session_id, model) DO UPDATE SET ${sql.join(summed, sql`, `)}, received_at = excluded.received_at`);
}

export interface SessionCommit {
  sessionId: string;
  sha: string;
  org: string;
  source: 'hook' | 'event';
  seenAt: string;
}

/**
 * Records a commit a session made. The hook reports a short sha and events may report the full
 * one: one commit is kept once, under the longest sha known.
 */
export async function addSessionCommit(db: Db, row: SessionCommit): Promise<void> {
  await addSessionCommits(db, [row]);
}

/**
 * Records commits sessions made (`addSessionCommit` for each, in order) in a few statements
 * whatever their number: one read of the sessions' stored commits, a multi-row insert, and a
 * delete only for a stored short sha a longer one replaces. Shas are lowercase hex, so "is a
 * prefix of" is what the stored commit's sha range (`sha >= short AND sha < short || 'g'`) says.
 */
export async function addSessionCommits(db: Db, rows: Iterable<SessionCommit>): Promise<void> {
  // Within these rows: per session, the longest of shas that are prefixes of one another, as first reported.
  const bySession = new Map<string, SessionCommit[]>();
  for (const row of rows) {
    const key = `${row.org}\u0000${row.sessionId}`;
    const kept = bySession.get(key) ?? [];
    if (kept.some((k) => k.sha.startsWith(row.sha))) continue;
    bySession.set(key, [...kept.filter((k) => !row.sha.startsWith(k.sha)), row]);
  }
  const byOrg = new Map<string, SessionCommit[][]>();
  for (const commits of bySession.values()) {
    const org = commits[0]!.org;
    const sessions = byOrg.get(org);
    if (sessions) sessions.push(commits);
    else byOrg.set(org, [commits]);
  }

  for (const [org, sessions] of byOrg) {
    const stored = await db.all<{ sessionId: string; sha: string }>(
      sql`SELECT session_id AS "sessionId", sha FROM session_commits WHERE org = ${org} AND ${db.dialect.anyOf(sql`session_id`, sessions.map((c) => c[0]!.sessionId))}`,
    );
    const storedShas = new Map<string, string[]>();
    for (const { sessionId, sha } of stored) {
      const shas = storedShas.get(sessionId);
      if (shas) shas.push(sha);
      else storedShas.set(sessionId, [sha]);
    }
    const inserts: SessionCommit[] = [];
    for (const commit of sessions.flat()) {
      const known = storedShas.get(commit.sessionId) ?? [];
      if (known.some((sha) => sha.startsWith(commit.sha))) continue;
      for (const shorter of known.filter((sha) => commit.sha.startsWith(sha))) {
        await db.run(sql`DELETE FROM session_commits WHERE org = ${org} AND session_id = ${commit.sessionId} AND sha = ${shorter}`);
      }
      inserts.push(commit);
    }
    if (inserts.length === 0) continue;
    const rows = inKeyOrder(inserts, (c) => `${c.sessionId}\u0000${c.sha}`);
    await db.run(sql`INSERT INTO session_commits ${rowsToInsert(db, sessionCommits, ['sessionId', 'sha', 'org', 'source', 'seenAt'], rows)} ON CONFLICT DO NOTHING`);
  }
}

export async function addSessionPullRequest(
  tx: Tx,
  row: { sessionId: string; repository: string; number: number; org: string; url: string; seenAt: string },
): Promise<void> {
  await tx.insert(sessionPullRequests).values(row).onConflictDoNothing();
}

export async function addSessionLineFingerprints(
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
): Promise<void> {
  if (input.fingerprints.size === 0) return;
  const rows = [...input.fingerprints]
    .sort(([a], [b]) => a - b)
    .map(([fingerprint, occurrences]) => {
      const sketch = input.sketches?.get(fingerprint);
      return {
        sessionId: input.sessionId,
        path: input.path,
        fingerprint,
        occurrences,
        sketch: sketch ? Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength) : null,
        org: input.org,
        firstWrittenAt: input.writtenAt,
      };
    });
  const fields = ['sessionId', 'path', 'fingerprint', 'occurrences', 'sketch', 'org', 'firstWrittenAt'] as const;
  await db.run(sql`INSERT INTO session_line_fingerprints ${rowsToInsert(db, sessionLineFingerprints, fields, rows)}
    ON CONFLICT (org, session_id, path, fingerprint) DO UPDATE SET occurrences = session_line_fingerprints.occurrences + excluded.occurrences,
      sketch = coalesce(session_line_fingerprints.sketch, excluded.sketch)`);
}

export type IdentityKind = (typeof identityLinks.$inferInsert)['kind'];
export type IdentitySource = (typeof identityLinks.$inferInsert)['source'];

export type IdentityLink = { org: string; kind: IdentityKind; value: string; githubLogin: string; source: IdentitySource; createdAt: string };

export async function linkIdentity(tx: Tx, link: IdentityLink): Promise<void> {
  await linkIdentities(tx, [link]);
}

/**
 * Links Claude Code identifiers to GitHub logins (`linkIdentity` for each, in order: the last
 * login given for an identifier and source wins, the first time it was linked stays) in
 * one statement.
 */
export async function linkIdentities(tx: Tx, links: Iterable<IdentityLink>): Promise<void> {
  const merged = new Map<string, IdentityLink>();
  for (const link of links) {
    const key = `${link.org}\u0000${link.kind}\u0000${link.value}\u0000${link.source}`;
    const prior = merged.get(key);
    merged.set(key, prior ? { ...prior, githubLogin: link.githubLogin } : link);
  }
  if (merged.size === 0) return;
  const rows = inKeyOrder(merged.entries(), ([key]) => key).map(([, link]) => link);
  const before = await identifierLogins(tx, rows);
  // Only a new link or a changed login is written (and returned).
  const changed = await tx.all<{ org: string; kind: string; value: string }>(
    sql`INSERT INTO identity_links ${rowsToInsert(tx, identityLinks, ['org', 'kind', 'value', 'githubLogin', 'source', 'createdAt'], rows)}
    ON CONFLICT (org, kind, value, source) DO UPDATE SET github_login = excluded.github_login WHERE identity_links.github_login <> excluded.github_login
    RETURNING org, kind, value`,
  );
  if (changed.length === 0) return;
  // An identifier whose login changed: the sessions of that identity may now count for someone
  // else, so processing recomputes what they touched. A link from another source to the login the
  // identifier already had (a PR's commit confirming who an email is) changes nothing.
  const after = await identifierLogins(tx, changed);
  const moved = changed.filter((l) => before.get(identifierKey(l)) !== after.get(identifierKey(l)));
  await markForProcessing(tx, moved.map((l) => identityMark(l)), rows[0]!.createdAt);
}

/** Strongest first, as the spec orders them (spec: Identity). */
export const IDENTITY_SOURCE_STRENGTH: IdentitySource[] = ['personal_token', 'commit', 'resource_attribute', 'email_match', 'admin'];

const identifierKey = (l: { org: string; kind: string; value: string }) => `${l.org}\u0000${l.kind}\u0000${l.value}`;

/**
 * The login each identifier's links give (its strongest source's; the first linked among equals),
 * as resolving a user ranks the links of one identifier; identifiers without links are absent.
 */
async function identifierLogins(tx: Tx, identifiers: readonly { org: string; kind: string; value: string }[]): Promise<Map<string, string>> {
  const byOrg = new Map<string, [string, string][]>();
  for (const i of identifiers) byOrg.set(i.org, [...(byOrg.get(i.org) ?? []), [i.kind, i.value]]);
  const out = new Map<string, { login: string; rank: number; id: number }>();
  for (const [org, pairs] of byOrg) {
    const links = await tx.all<{ kind: string; value: string; source: IdentitySource; login: string; id: number }>(
      sql`SELECT kind, value, source, github_login AS login, id FROM identity_links WHERE org = ${org} AND ${tx.dialect.anyPairOf(sql.raw('kind'), sql.raw('value'), pairs)}`,
    );
    for (const link of links) {
      const key = identifierKey({ org, kind: link.kind, value: link.value });
      const rank = IDENTITY_SOURCE_STRENGTH.indexOf(link.source);
      const prior = out.get(key);
      if (!prior || rank < prior.rank || (rank === prior.rank && Number(link.id) < prior.id)) out.set(key, { login: link.login, rank, id: Number(link.id) });
    }
  }
  return new Map([...out].map(([key, best]) => [key, best.login]));
}

/** The mark of an identity whose links changed. */
export function identityMark(link: { org: string; kind: string; value: string }): Mark {
  return { org: link.org, kind: 'identity', key: `${link.kind}:${link.value}`, day: '' };
}

/** The working directory a session first reported, which the paths it wrote are stored relative to. */
export async function sessionWorkingDirectory(db: Db, org: string, sessionId: string): Promise<string | null> {
  const row = await db.get<{ cwd: string | null }>(sql`SELECT cwd FROM claude_sessions WHERE id = ${sessionId} AND org = ${org}`);
  return row?.cwd ?? null;
}
