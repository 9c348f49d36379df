import type { CommitFacts, FileLines, SessionFacts } from '../attribution/attribute-pull-request.js';
import { PackedSketches, type SketchLookup } from '../attribution/line-sketch.js';
import type { Db } from './client.js';
import { apiRequestsDaily, telemetryDaily } from './schema.js';
import { statement } from './statement-cache.js';
import { selectColumns } from './table-sql.js';
import type { ApiRequestUsage } from './token-usage.js';

/*
 * What processing reads: merged PRs and direct pushes with their line fingerprints, Claude Code
 * sessions with what they did, and the day's telemetry. Plain SQL on the one connection: these
 * queries run over the whole org and are the hot path of a recompute.
 */

const DAY_END = 'T99'; // `day || 'T99'` sorts after every ISO time of that day

export interface SubjectRow {
  subject: string;
  pullRequestId: number | null;
  commitId: number | null;
  repository: string;
  number: number | null;
  sha: string | null;
  authorLogin: string;
  authorIsBot: boolean;
  at: string;
  body: string | null;
  headRef: string | null;
  mergedByLogin: string | null;
}

/** Merged and enriched PRs of the org, merged on a day in [fromDay, toDay]. */
export function mergedPullRequests(db: Db, org: string, fromDay: string, toDay: string): SubjectRow[] {
  return (
    statement(db, 
        `SELECT 'pull_request:' || p.id AS subject, p.id AS pullRequestId, NULL AS commitId, lower(r.full_name) AS repository,
                p.number AS number, NULL AS sha, p.author_login AS authorLogin, p.author_is_bot AS authorIsBot, p.merged_at AS at, p.body AS body,
                p.head_ref AS headRef, p.merged_by_login AS mergedByLogin
         FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
         WHERE lower(r.owner_login) = lower(?) AND p.merged_at >= ? AND p.merged_at < ? AND p.enriched_at IS NOT NULL
         ORDER BY p.merged_at, p.id`,
      )
      .all(org, fromDay, toDay + DAY_END) as (Omit<SubjectRow, 'authorIsBot'> & { authorIsBot: number })[]
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/** Commits pushed straight to a default branch of the org on a day in range, fetched, and in no known PR. */
export function directPushes(db: Db, org: string, fromDay: string, toDay: string): SubjectRow[] {
  return (
    statement(db, 
        `SELECT 'commit:' || c.id AS subject, NULL AS pullRequestId, c.id AS commitId, lower(r.full_name) AS repository, NULL AS number,
                c.sha AS sha, coalesce(c.author_login, c.author_email, 'unknown') AS authorLogin,
                CASE WHEN c.author_login LIKE '%[bot]' THEN 1 ELSE 0 END AS authorIsBot, c.pushed_at AS at, NULL AS body,
                NULL AS headRef, NULL AS mergedByLogin
         FROM commits c JOIN repositories r ON r.id = c.repository_id
         WHERE lower(r.owner_login) = lower(?) AND c.pushed_to_default_branch = 1 AND c.enriched_at IS NOT NULL
           AND c.pushed_at >= ? AND c.pushed_at < ?
           AND NOT EXISTS (SELECT 1 FROM pull_request_commits pc WHERE pc.commit_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM pull_requests p WHERE p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha)
         ORDER BY c.pushed_at, c.id`,
      )
      .all(org, fromDay, toDay + DAY_END) as (Omit<SubjectRow, 'authorIsBot'> & { authorIsBot: number })[]
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/**
 * A file's sketches, read from the store the first time the attribution asks for one: only a file
 * pair with lines left unmatched after the exact pass needs them, and most files a session wrote
 * are not in the PR at hand. Kept packed once read (see `PackedSketches`).
 */
export class StoredSketches implements SketchLookup {
  #packed: PackedSketches | undefined;

  constructor(private readonly read: () => Iterable<readonly [number, Uint8Array]>) {}

  get(fingerprint: number): Uint8Array | undefined {
    this.#packed ??= new PackedSketches(this.read());
    return this.#packed.get(fingerprint);
  }
}

export function addedLineSketches(db: Db, changedFileId: number): [number, Uint8Array][] {
  // Rows as arrays: millions of them in a recompute, and no object per row.
  return statement(db, 'SELECT fingerprint, sketch FROM added_line_fingerprints WHERE changed_file_id = ? AND sketch IS NOT NULL')
    .raw(true)
    .all(changedFileId) as [number, Buffer][];
}

function filesOf(db: Db, column: 'pull_request_id' | 'commit_id', id: number, withSketches: boolean): FileLines[] {
  const rows = statement(db, 
      `SELECT f.id AS id, f.path AS path, f.previous_path AS previousPath, fp.fingerprint AS fingerprint, fp.occurrences AS occurrences
       FROM changed_files f LEFT JOIN added_line_fingerprints fp ON fp.changed_file_id = f.id
       WHERE f.${column} = ? ORDER BY f.id`,
    )
    .all(id) as { id: number; path: string; previousPath: string | null; fingerprint: number | null; occurrences: number | null }[];
  const files = new Map<number, FileLines>();
  for (const row of rows) {
    let file = files.get(row.id);
    if (!file) {
      files.set(row.id, (file = { path: row.path, previousPath: row.previousPath, fingerprints: new Map() }));
      if (withSketches) file.sketches = new StoredSketches(() => addedLineSketches(db, row.id));
    }
    if (row.fingerprint !== null) file.fingerprints.set(row.fingerprint, row.occurrences ?? 0);
  }
  return [...files.values()];
}

export function subjectFiles(db: Db, subject: SubjectRow): FileLines[] {
  return subject.pullRequestId !== null ? filesOf(db, 'pull_request_id', subject.pullRequestId, true) : filesOf(db, 'commit_id', subject.commitId!, true);
}

/** A commit of a subject, with what shows who made it (read by processing, never stored elsewhere). */
export type SubjectCommit = CommitFacts & { message: string; authorLogin: string | null; committerLogin: string | null };

type CommitRow = { id: number; sha: string; trailer: number; enriched: string | null; message: string; authorLogin: string | null; committerLogin: string | null };
const COMMIT_COLUMNS = `c.id AS id, c.sha AS sha, c.claude_code_trailer AS trailer, c.enriched_at AS enriched, c.message AS message,
  c.author_login AS authorLogin, c.committer_login AS committerLogin`;

/** A PR's commits (or the pushed commit itself), each with its own diff when it was fetched. */
export function subjectCommits(db: Db, subject: SubjectRow): SubjectCommit[] {
  const rows =
    subject.pullRequestId !== null
      ? (statement(db, 
            `SELECT ${COMMIT_COLUMNS}
             FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ? ORDER BY c.authored_at, c.sha`,
          )
          .all(subject.pullRequestId) as CommitRow[])
      : (statement(db, `SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.id = ?`).all(subject.commitId) as CommitRow[]);
  return rows.map((c) => ({
    sha: c.sha,
    claudeCodeTrailer: Boolean(c.trailer),
    // A commit's own lines are only ever counted whole (exact fingerprints): no sketches.
    files: c.enriched ? filesOf(db, 'commit_id', c.id, false) : undefined,
    message: c.message,
    authorLogin: c.authorLogin,
    committerLogin: c.committerLogin,
  }));
}

/** The shas of a PR's commits (what links sessions to it), without their diffs. */
export function pullRequestCommitShas(db: Db, pullRequestId: number): string[] {
  return (
    statement(db, 'SELECT c.sha AS sha FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ?')
      .raw(true)
      .all(pullRequestId) as [string][]
  ).map((r) => r[0]);
}

/**
 * Where a session's commits landed: per commit the session reported (short or full sha), the
 * repository of the org that holds it and the paths that commit changed (null when its files were
 * not fetched).
 */
export function sessionCommitPlaces(db: Db, org: string, sessionId: string): { repository: string; path: string | null }[] {
  return statement(
    db,
    `SELECT lower(r.full_name) AS repository, f.path AS path
     FROM session_commits sc
     -- a reported sha is a prefix of the stored one: a range over the sha index
     JOIN commits c ON c.sha >= sc.sha AND c.sha < sc.sha || 'g'
     JOIN repositories r ON r.id = c.repository_id AND lower(r.owner_login) = lower(sc.org)
     LEFT JOIN changed_files f ON f.commit_id = c.id
     WHERE sc.session_id = ? AND sc.org = ?`,
  ).all(sessionId, org) as { repository: string; path: string | null }[];
}

export interface SessionRow {
  id: string;
  githubLogin: string | null;
  userEmail: string | null;
  userAccountUuid: string | null;
  userId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  terminalType: string | null;
  cwd: string | null;
  /** The `team` resource attribute, as a team slug. */
  team: string | null;
}

/** The names (lowercase) of the org's repositories. */
export function orgRepositoryNames(db: Db, org: string): string[] {
  return (statement(db, 'SELECT DISTINCT lower(name) AS name FROM repositories WHERE lower(owner_login) = lower(?)').all(org) as { name: string }[]).map(
    (r) => r.name,
  );
}

/** The org's sessions seen on a day in [fromDay, toDay]. */
export function orgSessions(db: Db, org: string, fromDay: string, toDay: string): SessionRow[] {
  return statement(
    db,
    `SELECT id, github_login AS githubLogin, user_email AS userEmail, user_account_uuid AS userAccountUuid, user_id AS userId,
            first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt, terminal_type AS terminalType, cwd, team
     FROM claude_sessions WHERE org = ? AND last_seen_at >= ? AND first_seen_at < ? ORDER BY id`,
  ).all(org, fromDay, toDay + DAY_END) as SessionRow[];
}

/** Session id → days in [fromDay, toDay] with telemetry. */
export function sessionTelemetryDays(db: Db, org: string, fromDay: string, toDay: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of statement(
    db,
    'SELECT DISTINCT session_id AS s, day FROM telemetry_daily WHERE org = ? AND day >= ? AND day <= ? ORDER BY session_id, day',
  ).iterate(org, fromDay, toDay) as Iterable<{ s: string; day: string }>) {
    const days = out.get(row.s);
    if (days) days.push(row.day);
    else out.set(row.s, [row.day]);
  }
  return out;
}

export function sessionLinks(db: Db, org: string): { commits: Map<string, string[]>; pullRequests: Map<string, string[]> } {
  const commits = new Map<string, string[]>();
  for (const r of statement(db, 'SELECT session_id AS s, sha FROM session_commits WHERE org = ?').iterate(org) as Iterable<{ s: string; sha: string }>) {
    commits.set(r.s, [...(commits.get(r.s) ?? []), r.sha]);
  }
  const pullRequests = new Map<string, string[]>();
  for (const r of statement(db, "SELECT session_id AS s, repository || '#' || number AS pr FROM session_pull_requests WHERE org = ?")
    .iterate(org) as Iterable<{ s: string; pr: string }>) {
    pullRequests.set(r.s, [...(pullRequests.get(r.s) ?? []), r.pr]);
  }
  return { commits, pullRequests };
}

/**
 * The commits GitHub knows that the org's sessions reported making (session_commits holds short or
 * full shas; GitHub has full ones), with what shows who made them: processing reads Claude Code on
 * the web's markers off them to tell a remote session.
 */
export function sessionCommitMessages(db: Db, org: string): { sessionId: string; message: string; authorLogin: string | null; committerLogin: string | null }[] {
  return statement(
    db,
    `SELECT sc.session_id AS sessionId, c.message AS message, c.author_login AS authorLogin, c.committer_login AS committerLogin
     FROM session_commits sc
     JOIN commits c ON c.sha >= sc.sha AND c.sha < sc.sha || 'g'
     JOIN repositories r ON r.id = c.repository_id AND lower(r.owner_login) = lower(@org)
     WHERE sc.org = @org`,
  ).all({ org }) as { sessionId: string; message: string; authorLogin: string | null; committerLogin: string | null }[];
}

/** What one of the org's sessions wrote, per path (sketches read when first needed). */
export function sessionWritten(db: Db, org: string, sessionId: string): FileLines[] {
  const byPath = new Map<string, FileLines>();
  for (const r of statement(db, 'SELECT path, fingerprint, occurrences FROM session_line_fingerprints WHERE org = ? AND session_id = ?')
    .iterate(org, sessionId) as Iterable<{ path: string; fingerprint: number; occurrences: number }>) {
    let file = byPath.get(r.path);
    if (!file) {
      const path = r.path;
      byPath.set(path, (file = { path, fingerprints: new Map(), sketches: new StoredSketches(() => sessionLineSketches(db, org, sessionId, path)) }));
    }
    file.fingerprints.set(r.fingerprint, r.occurrences);
  }
  return [...byPath.values()];
}

function sessionLineSketches(db: Db, org: string, sessionId: string, path: string): [number, Uint8Array][] {
  return statement(db, 'SELECT fingerprint, sketch FROM session_line_fingerprints WHERE org = ? AND session_id = ? AND path = ? AND sketch IS NOT NULL')
    .raw(true)
    .all(org, sessionId, path) as [number, Buffer][];
}

export type { SessionFacts };

/** A session's telemetry counter of the day (`telemetry_daily` without org, day and write time). */
export type TelemetryRow = Omit<typeof telemetryDaily.$inferSelect, 'org' | 'day' | 'receivedAt'>;

const TELEMETRY_COLUMNS = selectColumns(telemetryDaily, ['org', 'day', 'receivedAt']);

export function telemetryOfDay(db: Db, org: string, day: string): TelemetryRow[] {
  return statement(db, `SELECT ${TELEMETRY_COLUMNS} FROM telemetry_daily WHERE org = ? AND day = ?`)
    .all(org, day) as TelemetryRow[];
}

export type ApiRequestRow = ApiRequestUsage;

const API_REQUEST_COLUMNS = selectColumns(apiRequestsDaily, ['org', 'day', 'receivedAt']);

/** The day's `api_request` events, summed per session and model. */
export function apiRequestsOfDay(db: Db, org: string, day: string): ApiRequestRow[] {
  return statement(
    db,
    `SELECT ${API_REQUEST_COLUMNS} FROM api_requests_daily WHERE org = ? AND day = ?`,
  ).all(org, day) as ApiRequestRow[];
}

/**
 * The sessions with telemetry on `day` that sent `api_request` events on any day: their tokens and
 * cost are taken from those events, not from the metrics (see `rollupDay`).
 */
export function sessionsWithApiRequests(db: Db, org: string, day: string): Set<string> {
  const rows = statement(
    db,
    `SELECT DISTINCT t.session_id AS sessionId FROM telemetry_daily t
     WHERE t.org = ? AND t.day = ?
       -- By session: SQLite would otherwise walk the org's every api_requests row for each telemetry row.
       AND EXISTS (SELECT 1 FROM api_requests_daily a INDEXED BY api_requests_daily_session_id_idx WHERE a.session_id = t.session_id AND a.org = t.org)
     UNION SELECT session_id FROM api_requests_daily WHERE org = ? AND day = ?`,
  ).all(org, day, org, day) as { sessionId: string }[];
  return new Set(rows.map((r) => r.sessionId));
}

export interface OpenedRow {
  authorLogin: string;
  authorIsBot: boolean;
  repository: string;
}

export function pullRequestsOpenedOn(db: Db, org: string, day: string): OpenedRow[] {
  return (
    statement(db, 
        `SELECT p.author_login AS authorLogin, p.author_is_bot AS authorIsBot, lower(r.full_name) AS repository
         FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
         WHERE lower(r.owner_login) = lower(?) AND p.created_at >= ? AND p.created_at < ?`,
      )
      .all(org, day, day + DAY_END) as (Omit<OpenedRow, 'authorIsBot'> & { authorIsBot: number })[]
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/** Orgs with anything to process: installed accounts and orgs that sent telemetry. */
export function knownOrgs(db: Db): string[] {
  return (
    statement(db, 
        `SELECT DISTINCT org FROM (
           SELECT account_login AS org FROM installations WHERE status <> 'deleted'
           UNION SELECT org FROM claude_sessions)
         ORDER BY org`,
      )
      .all() as { org: string }[]
  ).map((r) => r.org);
}

/** PRs attributed to Claude Code in a day range, with what it takes to label them. */
export function labelCandidates(db: Db, org: string, fromDay: string, toDay: string) {
  return statement(db, 
      `SELECT a.pull_request_id AS pullRequestId, r.installation_id AS installationId, r.owner_login AS owner, r.name AS repo, a.number AS number
       FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id JOIN repositories r ON r.id = p.repository_id
       WHERE a.org = ? AND a.day >= ? AND a.day <= ? AND a.with_claude_code = 1 AND a.is_bot = 0 AND r.installation_id IS NOT NULL`,
    )
    .all(org, fromDay, toDay) as { pullRequestId: number; installationId: number; owner: string; repo: string; number: number }[];
}
