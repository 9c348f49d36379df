import type { CommitFacts, FileLines, SessionFacts } from '../attribution/attribute-pull-request.js';
import { sql, type SQL } from 'drizzle-orm';
import { PackedSketches, type SketchLookup } from '../attribution/line-sketch.js';
import type { Db } from './client.js';
import { apiRequestsDaily, telemetryDaily } from './schema.js';
import { selectColumns } from './table-sql.js';
import type { ApiRequestUsage } from './token-usage.js';

/*
 * What processing reads: merged PRs and direct pushes with their line fingerprints, Claude Code
 * sessions with what they did, and the day's telemetry. Plain SQL: these queries run over the
 * whole org and are the hot path of a recompute.
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
  headRef: string | null;
  mergedByLogin: string | null;
}

/** Merged and enriched PRs of the org, merged on a day in [fromDay, toDay]. */
export async function mergedPullRequests(db: Db, org: string, fromDay: string, toDay: string): Promise<SubjectRow[]> {
  return (
    await db.all<Omit<SubjectRow, 'authorIsBot'> & { authorIsBot: number }>(
      sql`SELECT 'pull_request:' || p.id AS subject, p.id AS "pullRequestId", NULL AS "commitId", lower(r.full_name) AS repository,
                p.number AS number, NULL AS sha, p.author_login AS "authorLogin", p.author_is_bot AS "authorIsBot", p.merged_at AS at,
                p.head_ref AS "headRef", p.merged_by_login AS "mergedByLogin"
         FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
         WHERE lower(r.owner_login) = lower(${org}) AND p.merged_at >= ${fromDay} AND p.merged_at < ${toDay + DAY_END} AND p.enriched_at IS NOT NULL
         ORDER BY p.merged_at, p.id`,
    )
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/** Commits pushed straight to a default branch of the org on a day in range, fetched, and in no known PR. */
export async function directPushes(db: Db, org: string, fromDay: string, toDay: string): Promise<SubjectRow[]> {
  return (
    await db.all<Omit<SubjectRow, 'authorIsBot'> & { authorIsBot: number }>(
      // lower(): SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
      sql`SELECT 'commit:' || c.id AS subject, NULL AS "pullRequestId", c.id AS "commitId", lower(r.full_name) AS repository, NULL AS number,
                c.sha AS sha, coalesce(c.author_login, c.author_email, 'unknown') AS "authorLogin",
                CASE WHEN lower(c.author_login) LIKE '%[bot]' THEN 1 ELSE 0 END AS "authorIsBot", c.pushed_at AS at,
                NULL AS "headRef", NULL AS "mergedByLogin"
         FROM commits c JOIN repositories r ON r.id = c.repository_id
         WHERE lower(r.owner_login) = lower(${org}) AND c.pushed_to_default_branch = TRUE AND c.enriched_at IS NOT NULL
           AND c.pushed_at >= ${fromDay} AND c.pushed_at < ${toDay + DAY_END}
           AND NOT EXISTS (SELECT 1 FROM pull_request_commits pc WHERE pc.commit_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM pull_requests p WHERE p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha)
         ORDER BY c.pushed_at, c.id`,
    )
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/**
 * Reads the sketches of many files of one kind in one statement: `keys` name the files (a changed
 * file's id, or a session's file), the answer holds each key's sketches (a key with none has none).
 */
export interface SketchReader {
  readMany(keys: string[]): Promise<Map<string, [number, Uint8Array][]>>;
}

/**
 * A file's sketches, read from the store only when the attribution asks for one: only a file pair
 * with lines left unmatched after the exact pass needs them, and most files a session wrote are
 * not in the PR at hand. The attribution asks synchronously and the store answers asynchronously,
 * so a lookup not read yet answers nothing and remembers it was asked; the caller reads what was
 * asked (`readAskedSketches`) and runs the computation again until it asks for nothing unread.
 * Kept packed once read (see `PackedSketches`). Files given a `reader` and key are read together
 * with the other files of that reader asked at the same time (one round trip instead of one each).
 */
export class StoredSketches implements SketchLookup {
  #packed: PackedSketches | undefined;
  #asked = false;

  constructor(
    private readonly read: () => Promise<Iterable<readonly [number, Uint8Array]>>,
    readonly batch?: { reader: SketchReader; key: string },
  ) {}

  get(fingerprint: number): Uint8Array | undefined {
    if (!this.#packed) {
      this.#asked = true;
      return undefined;
    }
    return this.#packed.get(fingerprint);
  }

  /** True when a computation asked for a sketch before they were read. */
  get askedUnread(): boolean {
    return this.#asked && !this.#packed;
  }

  get loaded(): boolean {
    return this.#packed !== undefined;
  }

  async load(): Promise<void> {
    this.#packed ??= new PackedSketches(await this.read());
  }

  /** Takes sketches read for it by a batched read. */
  fill(sketches: Iterable<readonly [number, Uint8Array]>): void {
    this.#packed ??= new PackedSketches(sketches);
  }
}

/** Loads `all` not loaded yet: those with a reader in one statement per reader, the others one by one. */
export async function loadSketches(all: Iterable<StoredSketches>): Promise<void> {
  const byReader = new Map<SketchReader, Map<string, StoredSketches[]>>();
  for (const sketches of all) {
    if (sketches.loaded) continue;
    if (!sketches.batch) {
      await sketches.load();
      continue;
    }
    let keys = byReader.get(sketches.batch.reader);
    if (!keys) byReader.set(sketches.batch.reader, (keys = new Map()));
    const same = keys.get(sketches.batch.key);
    if (same) same.push(sketches);
    else keys.set(sketches.batch.key, [sketches]);
  }
  for (const [reader, keys] of byReader) {
    const keyList = [...keys.keys()];
    for (let i = 0; i < keyList.length; i += SKETCH_KEYS_PER_READ) {
      const chunk = keyList.slice(i, i + SKETCH_KEYS_PER_READ);
      const read = await reader.readMany(chunk);
      for (const key of chunk) for (const sketches of keys.get(key)!) sketches.fill(read.get(key) ?? []);
    }
  }
}

/** Files whose sketches are read in one statement: a few thousand sketch rows at most. */
const SKETCH_KEYS_PER_READ = 100;

/**
 * Reads the stored sketches of `files` that a computation asked for before they were read; true
 * when it read any: the computation's answer is final only once a run of it read nothing new.
 */
export async function readAskedSketches(files: Iterable<{ sketches?: SketchLookup | undefined }>): Promise<boolean> {
  const asked: StoredSketches[] = [];
  for (const { sketches } of files) if (sketches instanceof StoredSketches && sketches.askedUnread) asked.push(sketches);
  await loadSketches(asked);
  return asked.length > 0;
}

/** Reads the stored sketches of every file of `files` not read yet (asked for or not). */
export async function readSketchesOf(files: Iterable<{ sketches?: SketchLookup | undefined }>): Promise<void> {
  const all: StoredSketches[] = [];
  for (const { sketches } of files) if (sketches instanceof StoredSketches) all.push(sketches);
  await loadSketches(all);
}

export async function addedLineSketches(db: Db, changedFileId: number): Promise<[number, Uint8Array][]> {
  // Rows as arrays: millions of them in a recompute, and no object per row.
  return db.values<[number, Buffer]>(sql`SELECT fingerprint, sketch FROM added_line_fingerprints WHERE changed_file_id = ${changedFileId} AND sketch IS NOT NULL`);
}

const addedSketchReaders = new WeakMap<Db, SketchReader>();

/** The reader of changed files' sketches (keys: the changed file's id), one per store handle. */
export function addedSketchReader(db: Db): SketchReader {
  let reader = addedSketchReaders.get(db);
  if (!reader) {
    reader = {
      async readMany(keys) {
        const out = new Map<string, [number, Uint8Array][]>();
        const rows = await db.values<[number, number, Buffer]>(
          sql`SELECT changed_file_id, fingerprint, sketch FROM added_line_fingerprints
              WHERE ${db.dialect.anyOf(sql`changed_file_id`, keys.map(Number))} AND sketch IS NOT NULL`,
        );
        for (const [id, fingerprint, sketch] of rows) pushTo(out, String(id), [fingerprint, sketch]);
        return out;
      },
    };
    addedSketchReaders.set(db, reader);
  }
  return reader;
}

/** A changed file's stored sketches, read with the other changed files' asked at the same time. */
export function storedAddedSketches(db: Db, changedFileId: number): StoredSketches {
  return new StoredSketches(() => addedLineSketches(db, changedFileId), { reader: addedSketchReader(db), key: String(changedFileId) });
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function filesOf(db: Db, column: 'pull_request_id' | 'commit_id', id: number, withSketches: boolean): Promise<FileLines[]> {
  const rows = await db.all<{ id: number; path: string; previousPath: string | null; fingerprint: number | null; occurrences: number | null }>(
    sql`SELECT f.id AS id, f.path AS path, f.previous_path AS "previousPath", fp.fingerprint AS fingerprint, fp.occurrences AS occurrences
       FROM changed_files f LEFT JOIN added_line_fingerprints fp ON fp.changed_file_id = f.id
       WHERE f.${sql.raw(column)} = ${id} ORDER BY f.id, fp.fingerprint`,
  );
  const files = new Map<number, FileLines>();
  for (const row of rows) addFileRow(db, files, row, withSketches);
  return [...files.values()];
}

type FileRow = { id: number; path: string; previousPath: string | null; fingerprint: number | null; occurrences: number | null };

function addFileRow(db: Db, files: Map<number, FileLines>, row: FileRow, withSketches: boolean): void {
  let file = files.get(row.id);
  if (!file) {
    files.set(row.id, (file = { path: row.path, previousPath: row.previousPath, fingerprints: new Map() }));
    if (withSketches) file.sketches = storedAddedSketches(db, row.id);
  }
  if (row.fingerprint !== null) file.fingerprints.set(row.fingerprint, row.occurrences ?? 0);
}

/**
 * `filesOf` for many PRs (or commits) in two statements: owner id → its files. The files first,
 * then their fingerprints by file id: joined in one statement, PostgreSQL's planner read every
 * added line of the org to hash them (62 ms a batch on the quick benchmark org, against 13 ms).
 */
async function filesOfMany(db: Db, column: 'pull_request_id' | 'commit_id', ids: number[], withSketches: boolean): Promise<Map<number, FileLines[]>> {
  const byOwner = new Map<number, FileLines[]>();
  if (ids.length === 0) return byOwner;
  const fileRows = await db.values<[number, number, string, string | null]>(
    sql`SELECT ${sql.raw(column)}, id, path, previous_path FROM changed_files WHERE ${db.dialect.anyOf(sql.raw(column), ids)} ORDER BY id`,
  );
  const files = new Map<number, FileLines>();
  for (const [owner, id, path, previousPath] of fileRows) {
    const file: FileLines = { path, previousPath, fingerprints: new Map() };
    if (withSketches) file.sketches = storedAddedSketches(db, id);
    files.set(id, file);
    pushTo(byOwner, owner, file);
  }
  if (files.size === 0) return byOwner;
  for (const [id, fingerprint, occurrences] of await db.values<[number, number, number | null]>(
    sql`SELECT changed_file_id, fingerprint, occurrences FROM added_line_fingerprints
        WHERE ${db.dialect.anyOf(sql`changed_file_id`, [...files.keys()])} ORDER BY changed_file_id, fingerprint`,
  )) {
    files.get(id)!.fingerprints.set(fingerprint, occurrences ?? 0);
  }
  return byOwner;
}

export async function subjectFiles(db: Db, subject: SubjectRow): Promise<FileLines[]> {
  return subject.pullRequestId !== null ? filesOf(db, 'pull_request_id', subject.pullRequestId, true) : filesOf(db, 'commit_id', subject.commitId!, true);
}

/** A commit of a subject, with what shows who made it (read by processing, never stored elsewhere). */
export type SubjectCommit = CommitFacts & { message: string; authorLogin: string | null; committerLogin: string | null };

type CommitRow = { id: number; sha: string; trailer: number; enriched: string | null; message: string; authorLogin: string | null; committerLogin: string | null };
const COMMIT_COLUMNS = sql.raw(`c.id AS id, c.sha AS sha, c.claude_code_trailer AS trailer, c.enriched_at AS enriched, c.message AS message,
  c.author_login AS "authorLogin", c.committer_login AS "committerLogin"`);

/** A PR's commits (or the pushed commit itself), each with its own diff when it was fetched. */
export async function subjectCommits(db: Db, subject: SubjectRow): Promise<SubjectCommit[]> {
  const rows =
    subject.pullRequestId !== null
      ? await db.all<CommitRow>(
          // NULLS FIRST: SQLite's order of a missing date, which PostgreSQL puts last.
          sql`SELECT ${COMMIT_COLUMNS}
             FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ${subject.pullRequestId}
             ORDER BY c.authored_at NULLS FIRST, c.sha`,
        )
      : await db.all<CommitRow>(sql`SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.id = ${subject.commitId}`);
  const commits: SubjectCommit[] = [];
  for (const c of rows) {
    commits.push({
      sha: c.sha,
      claudeCodeTrailer: Boolean(c.trailer),
      // A commit's own lines are only ever counted whole (exact fingerprints): no sketches.
      files: c.enriched ? await filesOf(db, 'commit_id', c.id, false) : undefined,
      message: c.message,
      authorLogin: c.authorLogin,
      committerLogin: c.committerLogin,
    });
  }
  return commits;
}

/** What processing reads of one subject: `subjectCommits` and `subjectFiles`, and a PR's description. */
export interface SubjectInputs {
  commits: SubjectCommit[];
  files: FileLines[];
  /**
   * The PR's description (null for a direct push): read with the batch rather than with the
   * subjects, so a run over 200,000 PRs does not hold every description at once.
   */
  body: string | null;
}

/**
 * `subjectCommits` and `subjectFiles` of many subjects in a few statements (their PRs' commits,
 * the pushed commits, every file with its fingerprints), the same values as the per-subject reads:
 * on PostgreSQL each statement is a round trip to the server, which cost processing more than the
 * reads themselves.
 */
export async function subjectInputsOf(db: Db, subjects: readonly SubjectRow[]): Promise<Map<SubjectRow, SubjectInputs>> {
  const pullRequestIds = subjects.filter((s) => s.pullRequestId !== null).map((s) => s.pullRequestId!);
  const commitIds = subjects.filter((s) => s.pullRequestId === null).map((s) => s.commitId!);
  const commitRows = new Map<number, CommitRow[]>();
  if (pullRequestIds.length > 0) {
    const rows = await db.all<CommitRow & { owner: number }>(
      sql`SELECT pc.pull_request_id AS owner, ${COMMIT_COLUMNS}
         FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE ${db.dialect.anyOf(sql`pc.pull_request_id`, pullRequestIds)}
         ORDER BY pc.pull_request_id, c.authored_at NULLS FIRST, c.sha`,
    );
    for (const { owner, ...row } of rows) pushTo(commitRows, owner, row);
  }
  const pushed = new Map<number, CommitRow[]>();
  if (commitIds.length > 0) {
    for (const row of await db.all<CommitRow>(sql`SELECT ${COMMIT_COLUMNS} FROM commits c WHERE ${db.dialect.anyOf(sql`c.id`, commitIds)}`)) pushed.set(row.id, [row]);
  }
  const enriched = [...new Set([...commitRows.values(), ...pushed.values()].flat().filter((c) => c.enriched).map((c) => c.id))];
  const commitFiles = await filesOfMany(db, 'commit_id', enriched, false);
  const prFiles = await filesOfMany(db, 'pull_request_id', pullRequestIds, true);
  // A pushed commit's files with sketches (its subject's files), apart from the same commit's files without (its own diff).
  const pushFiles = await filesOfMany(db, 'commit_id', commitIds, true);
  const bodies = new Map<number, string>();
  if (pullRequestIds.length > 0) {
    const rows = await db.values<[number, string]>(sql`SELECT id, body FROM pull_requests WHERE ${db.dialect.anyOf(sql`id`, pullRequestIds)} AND body IS NOT NULL`);
    for (const [id, body] of rows) bodies.set(id, body);
  }
  const out = new Map<SubjectRow, SubjectInputs>();
  for (const subject of subjects) {
    const rows = subject.pullRequestId !== null ? (commitRows.get(subject.pullRequestId) ?? []) : (pushed.get(subject.commitId!) ?? []);
    out.set(subject, {
      commits: rows.map((c) => ({
        sha: c.sha,
        claudeCodeTrailer: Boolean(c.trailer),
        files: c.enriched ? (commitFiles.get(c.id) ?? []) : undefined,
        message: c.message,
        authorLogin: c.authorLogin,
        committerLogin: c.committerLogin,
      })),
      files: (subject.pullRequestId !== null ? prFiles.get(subject.pullRequestId) : pushFiles.get(subject.commitId!)) ?? [],
      body: subject.pullRequestId !== null ? (bodies.get(subject.pullRequestId) ?? null) : null,
    });
  }
  return out;
}

/** The shas of many PRs' commits: PR id → shas (`pullRequestCommitShas` of each, in one statement). */
export async function pullRequestCommitShasOf(db: Db, pullRequestIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (pullRequestIds.length === 0) return out;
  const rows = await db.values<[number, string]>(
    sql`SELECT pc.pull_request_id, c.sha FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id
        WHERE ${db.dialect.anyOf(sql`pc.pull_request_id`, pullRequestIds)}`,
  );
  for (const [id, sha] of rows) pushTo(out, id, sha);
  return out;
}

/** The shas of a PR's commits (what links sessions to it), without their diffs. */
export async function pullRequestCommitShas(db: Db, pullRequestId: number): Promise<string[]> {
  return (
    await db.values<[string]>(sql`SELECT c.sha AS sha FROM pull_request_commits pc JOIN commits c ON c.id = pc.commit_id WHERE pc.pull_request_id = ${pullRequestId}`)
  ).map((r) => r[0]);
}

/**
 * Where a session's commits landed: per commit the session reported (short or full sha), the
 * repository of the org that holds it and the paths that commit changed (null when its files were
 * not fetched).
 */
export async function sessionCommitPlaces(db: Db, org: string, sessionId: string): Promise<{ repository: string; path: string | null }[]> {
  return db.all<{ repository: string; path: string | null }>(
    sql`SELECT lower(r.full_name) AS repository, f.path AS path
     FROM session_commits sc
     -- a reported sha is a prefix of the stored one: a range over the sha index
     JOIN commits c ON c.sha >= sc.sha AND c.sha < sc.sha || 'g'
     JOIN repositories r ON r.id = c.repository_id AND lower(r.owner_login) = lower(sc.org)
     LEFT JOIN changed_files f ON f.commit_id = c.id
     WHERE sc.session_id = ${sessionId} AND sc.org = ${org}`,
  );
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
export async function orgRepositoryNames(db: Db, org: string): Promise<string[]> {
  return (await db.all<{ name: string }>(sql`SELECT DISTINCT lower(name) AS name FROM repositories WHERE lower(owner_login) = lower(${org})`)).map(
    (r) => r.name,
  );
}

/** The org's sessions seen on a day in [fromDay, toDay] (`s`: the alias of claude_sessions): the sessions a run reads, and reads links for. */
function sessionSeenIn(window: { org: string; fromDay: string; toDay: string }): SQL {
  return sql`s.org = ${window.org} AND s.last_seen_at >= ${window.fromDay} AND s.first_seen_at < ${window.toDay + DAY_END}`;
}

/** The org's sessions seen on a day in [fromDay, toDay], in id order. */
export async function orgSessions(db: Db, org: string, fromDay: string, toDay: string): Promise<SessionRow[]> {
  const out: SessionRow[] = [];
  await eachOrgSession(db, { org, fromDay, toDay }, (s) => out.push(s));
  return out;
}

/**
 * `orgSessions` handed to `onSession` one at a time as read: a window of a 10,000-developer org
 * holds 540,000 sessions, which processing keeps compactly rather than as rows.
 */
export async function eachOrgSession(db: Db, window: { org: string; fromDay: string; toDay: string }, onSession: (session: SessionRow) => void): Promise<void> {
  await db.eachRow(
    sql`SELECT s.id, s.github_login, s.user_email, s.user_account_uuid, s.user_id, s.first_seen_at, s.last_seen_at, s.terminal_type, s.cwd, s.team
     FROM claude_sessions s WHERE ${sessionSeenIn(window)} ORDER BY s.id`,
    (row) => {
      const [id, githubLogin, userEmail, userAccountUuid, userId, firstSeenAt, lastSeenAt, terminalType, cwd, team] = row as [
        string, string | null, string | null, string | null, string | null, string, string, string | null, string | null, string | null,
      ];
      onSession({ id, githubLogin, userEmail, userAccountUuid, userId, firstSeenAt, lastSeenAt, terminalType, cwd, team });
    },
  );
}

/**
 * The sessions of each of many identities (`email:…`, `account_uuid:…`, `user_id:…`, as identity
 * marks name them), with when each was first and last seen: `${org}\u0000${identity}` → spans (an
 * identity with none, or of another kind, is missing). What `sessionsOfIdentities` answers for each
 * identity alone, in one statement per org: one at a time, each read every session of the org
 * (nothing indexes lower(user_email)), and the 10,000 identities of a 10,000-developer org's links
 * took an hour to check before a full run.
 */
export async function sessionSpansOfIdentities(
  db: Db,
  identities: readonly { org: string; key: string }[],
): Promise<Map<string, { id: string; firstSeenAt: string; lastSeenAt: string }[]>> {
  const out = new Map<string, { id: string; firstSeenAt: string; lastSeenAt: string }[]>();
  const byOrg = new Map<string, { email: Set<string>; account_uuid: Set<string>; user_id: Set<string> }>();
  for (const { org, key } of identities) {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    if (kind !== 'email' && kind !== 'account_uuid' && kind !== 'user_id') continue;
    let wanted = byOrg.get(org);
    if (!wanted) byOrg.set(org, (wanted = { email: new Set(), account_uuid: new Set(), user_id: new Set() }));
    wanted[kind].add(key.slice(colon + 1));
  }
  for (const [org, wanted] of byOrg) {
    const where = [
      wanted.email.size > 0 ? db.dialect.anyOf(sql.raw('lower(user_email)'), [...wanted.email]) : undefined,
      wanted.account_uuid.size > 0 ? db.dialect.anyOf(sql.raw('user_account_uuid'), [...wanted.account_uuid]) : undefined,
      wanted.user_id.size > 0 ? db.dialect.anyOf(sql.raw('user_id'), [...wanted.user_id]) : undefined,
    ].filter((w) => w !== undefined);
    const rows = await db.values<[string, string, string, string | null, string | null, string | null]>(
      sql`SELECT id, first_seen_at, last_seen_at, lower(user_email), user_account_uuid, user_id FROM claude_sessions
          WHERE org = ${org} AND (${sql.join(where, sql` OR `)}) ORDER BY id`,
    );
    for (const [id, firstSeenAt, lastSeenAt, email, accountUuid, userId] of rows) {
      const span = { id, firstSeenAt, lastSeenAt };
      if (email !== null && wanted.email.has(email)) pushTo(out, `${org}\u0000email:${email}`, span);
      if (accountUuid !== null && wanted.account_uuid.has(accountUuid)) pushTo(out, `${org}\u0000account_uuid:${accountUuid}`, span);
      if (userId !== null && wanted.user_id.has(userId)) pushTo(out, `${org}\u0000user_id:${userId}`, span);
    }
  }
  return out;
}

/** Session id → days in [fromDay, toDay] with telemetry (each session's days in order). */
export async function sessionTelemetryDays(db: Db, org: string, fromDay: string, toDay: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await eachSessionTelemetryDay(db, { org, fromDay, toDay }, (s, day) => pushTo(out, s, day));
  return out;
}

/**
 * Each (session, day) in [fromDay, toDay] with telemetry, by day then session, handed to `onDay`
 * as read: processing keeps them compactly rather than as a map of the window's every session.
 */
export async function eachSessionTelemetryDay(
  db: Db,
  { org, fromDay, toDay }: { org: string; fromDay: string; toDay: string },
  onDay: (sessionId: string, day: string) => void,
): Promise<void> {
  await db.eachRow(
    // By day, then session: the primary key's order, so SQLite reads its index once without sorting
    // (by session first it sorted the window's session days in a temporary tree: 540,000 at 10,000 developers).
    sql`SELECT DISTINCT session_id AS s, day FROM telemetry_daily WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} ORDER BY day, session_id`,
    (row) => onDay(row[0] as string, row[1] as string),
  );
}

/**
 * The commits and PRs that the org's sessions seen in [fromDay, toDay] reported (session id → short
 * or full shas, and → `owner/repo#number`): only the sessions a run reads (`orgSessions`), not the
 * whole org's history.
 */
export async function sessionLinks(
  db: Db,
  window: { org: string; fromDay: string; toDay: string },
): Promise<{ commits: Map<string, string[]>; pullRequests: Map<string, string[]> }> {
  const commits = new Map<string, string[]>();
  await db.eachRow(
    sql`SELECT sc.session_id, sc.sha FROM claude_sessions s JOIN session_commits sc ON sc.org = s.org AND sc.session_id = s.id WHERE ${sessionSeenIn(window)}
        ORDER BY sc.session_id, sc.sha`,
    (row) => {
      const [s, sha] = row as [string, string];
      pushTo(commits, s, sha);
    },
  );
  const pullRequests = new Map<string, string[]>();
  await db.eachRow(
    sql`SELECT sp.session_id, sp.repository || '#' || sp.number FROM claude_sessions s
        JOIN session_pull_requests sp ON sp.org = s.org AND sp.session_id = s.id WHERE ${sessionSeenIn(window)}
        ORDER BY sp.session_id, sp.repository, sp.number`,
    (row) => {
      const [s, pr] = row as [string, string];
      pushTo(pullRequests, s, pr);
    },
  );
  return { commits, pullRequests };
}

/**
 * The commits GitHub knows that the org's sessions seen in [fromDay, toDay] reported making
 * (session_commits holds short or full shas; GitHub has full ones), with what shows who made them:
 * processing reads Claude Code on the web's markers off them to tell a remote session.
 */
export async function sessionCommitMessages(
  db: Db,
  window: { org: string; fromDay: string; toDay: string },
): Promise<{ sessionId: string; message: string; authorLogin: string | null; committerLogin: string | null }[]> {
  return db.all<{ sessionId: string; message: string; authorLogin: string | null; committerLogin: string | null }>(
    sql`SELECT sc.session_id AS "sessionId", c.message AS message, c.author_login AS "authorLogin", c.committer_login AS "committerLogin"
     FROM claude_sessions s
     JOIN session_commits sc ON sc.org = s.org AND sc.session_id = s.id
     JOIN commits c ON c.sha >= sc.sha AND c.sha < sc.sha || 'g'
     JOIN repositories r ON r.id = c.repository_id AND lower(r.owner_login) = lower(${window.org})
     WHERE ${sessionSeenIn(window)}`,
  );
}

/** What one of the org's sessions wrote, per path (sketches read when first needed). */
export async function sessionWritten(db: Db, org: string, sessionId: string): Promise<FileLines[]> {
  return (await sessionsWritten(db, org, [sessionId])).get(sessionId) ?? [];
}

/**
 * What each of `sessionIds` wrote (`sessionWritten` of each, in one statement): session id → its
 * files in path order (a session that wrote nothing is missing). One statement, not a cursor: a
 * session's lines are a few thousand at most, and a cursor costs PostgreSQL four more round trips.
 */
export async function sessionsWritten(db: Db, org: string, sessionIds: readonly string[]): Promise<Map<string, FileLines[]>> {
  const out = new Map<string, FileLines[]>();
  if (sessionIds.length === 0) return out;
  const rows = await db.values<[string, string, number, number]>(
    sql`SELECT session_id, path, fingerprint, occurrences FROM session_line_fingerprints
        WHERE org = ${org} AND ${db.dialect.anyOf(sql`session_id`, sessionIds as string[])} ORDER BY session_id, path, fingerprint`,
  );
  const reader = sessionSketchReader(db, org);
  let session: string | undefined;
  let file: FileLines | undefined;
  for (const [sessionId, path, fingerprint, occurrences] of rows) {
    if (sessionId !== session || path !== file!.path) {
      session = sessionId;
      const key = `${sessionId}\u0000${path}`;
      file = { path, fingerprints: new Map(), sketches: new StoredSketches(() => sessionLineSketches(db, org, sessionId, path), { reader, key }) };
      pushTo(out, sessionId, file);
    }
    file!.fingerprints.set(fingerprint, occurrences);
  }
  return out;
}

const sessionSketchReaders = new WeakMap<Db, Map<string, SketchReader>>();

/** The reader of the org's sessions' sketches (keys: session id and path, joined by U+0000), one per store handle and org. */
function sessionSketchReader(db: Db, org: string): SketchReader {
  let readers = sessionSketchReaders.get(db);
  if (!readers) sessionSketchReaders.set(db, (readers = new Map()));
  let reader = readers.get(org);
  if (!reader) {
    reader = {
      async readMany(keys) {
        const out = new Map<string, [number, Uint8Array][]>();
        const pairs = keys.map((key) => key.split('\u0000') as [string, string]);
        const rows = await db.values<[string, string, number, Buffer]>(
          sql`SELECT session_id, path, fingerprint, sketch FROM session_line_fingerprints
              WHERE org = ${org} AND ${db.dialect.anyPairOf(sql`session_id`, sql`path`, pairs)} AND sketch IS NOT NULL`,
        );
        for (const [sessionId, path, fingerprint, sketch] of rows) pushTo(out, `${sessionId}\u0000${path}`, [fingerprint, sketch]);
        return out;
      },
    };
    readers.set(org, reader);
  }
  return reader;
}

async function sessionLineSketches(db: Db, org: string, sessionId: string, path: string): Promise<[number, Uint8Array][]> {
  return db.values<[number, Buffer]>(
    sql`SELECT fingerprint, sketch FROM session_line_fingerprints WHERE org = ${org} AND session_id = ${sessionId} AND path = ${path} AND sketch IS NOT NULL`,
  );
}

export type { SessionFacts };

/** A session's telemetry counter of the day (`telemetry_daily` without org, day and write time). */
export type TelemetryRow = Omit<typeof telemetryDaily.$inferSelect, 'org' | 'day' | 'receivedAt'>;

const TELEMETRY_COLUMNS = sql.raw(selectColumns(telemetryDaily, ['org', 'day', 'receivedAt']));

export async function telemetryOfDay(db: Db, org: string, day: string): Promise<TelemetryRow[]> {
  return db.all<TelemetryRow>(sql`SELECT ${TELEMETRY_COLUMNS} FROM telemetry_daily WHERE org = ${org} AND day = ${day}`);
}

export type ApiRequestRow = ApiRequestUsage;

const API_REQUEST_COLUMNS = sql.raw(selectColumns(apiRequestsDaily, ['org', 'day', 'receivedAt']));

/** The day's `api_request` events, summed per session and model. */
export async function apiRequestsOfDay(db: Db, org: string, day: string): Promise<ApiRequestRow[]> {
  return db.all<ApiRequestRow>(sql`SELECT ${API_REQUEST_COLUMNS} FROM api_requests_daily WHERE org = ${org} AND day = ${day}`);
}

/**
 * The sessions with telemetry on `day` that sent `api_request` events on any day: their tokens and
 * cost are taken from those events, not from the metrics (see `rollupDay`).
 */
export async function sessionsWithApiRequests(db: Db, org: string, day: string): Promise<Set<string>> {
  const rows = await db.all<{ sessionId: string }>(
    sql`SELECT DISTINCT t.session_id AS "sessionId" FROM telemetry_daily t
     WHERE t.org = ${org} AND t.day = ${day}
       -- By session: SQLite would otherwise walk the org's every api_requests row for each telemetry row.
       AND EXISTS (SELECT 1 FROM api_requests_daily a ${db.dialect.indexHint('api_requests_daily_session_id_idx')} WHERE a.session_id = t.session_id AND a.org = t.org)
     UNION SELECT session_id FROM api_requests_daily WHERE org = ${org} AND day = ${day}`,
  );
  return new Set(rows.map((r) => r.sessionId));
}

export interface OpenedRow {
  authorLogin: string;
  authorIsBot: boolean;
  repository: string;
}

export async function pullRequestsOpenedOn(db: Db, org: string, day: string): Promise<OpenedRow[]> {
  return (
    await db.all<Omit<OpenedRow, 'authorIsBot'> & { authorIsBot: number }>(
      sql`SELECT p.author_login AS "authorLogin", p.author_is_bot AS "authorIsBot", lower(r.full_name) AS repository
         FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
         WHERE lower(r.owner_login) = lower(${org}) AND p.created_at >= ${day} AND p.created_at < ${day + DAY_END}`,
    )
  ).map((r) => ({ ...r, authorIsBot: Boolean(r.authorIsBot) }));
}

/**
 * Whether anything of the org merged or was pushed to a default branch on a day in [fromDay, beforeDay):
 * any PR with a merge time or commit pushed to a default branch, enriched or not (a subject a run may
 * yet attribute counts).
 */
export async function anySubjectMergedBetween(db: Db, org: string, fromDay: string, beforeDay: string): Promise<boolean> {
  const row = await db.get<{ found: number }>(
    sql`SELECT CASE WHEN EXISTS (
             SELECT 1 FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
             WHERE lower(r.owner_login) = lower(${org}) AND p.merged_at >= ${fromDay} AND p.merged_at < ${beforeDay})
           OR EXISTS (
             SELECT 1 FROM commits c JOIN repositories r ON r.id = c.repository_id
             WHERE lower(r.owner_login) = lower(${org}) AND c.pushed_to_default_branch = TRUE AND c.pushed_at >= ${fromDay} AND c.pushed_at < ${beforeDay})
         THEN 1 ELSE 0 END AS found`,
  );
  return Number(row?.found ?? 0) === 1;
}

/** Orgs with anything to process: installed accounts and orgs that sent telemetry. */
export async function knownOrgs(db: Db): Promise<string[]> {
  return (
    await db.all<{ org: string }>(
      sql`SELECT DISTINCT org FROM (
           SELECT account_login AS org FROM installations WHERE status <> 'deleted'
           UNION SELECT org FROM claude_sessions) AS known
         ORDER BY org`,
    )
  ).map((r) => r.org);
}

/** PRs attributed to Claude Code in a day range, with what it takes to label them. */
export async function labelCandidates(db: Db, org: string, fromDay: string, toDay: string) {
  return db.all<{ pullRequestId: number; installationId: number; owner: string; repo: string; number: number }>(
    sql`SELECT a.pull_request_id AS "pullRequestId", r.installation_id AS "installationId", r.owner_login AS owner, r.name AS repo, a.number AS number
       FROM attributions a JOIN pull_requests p ON p.id = a.pull_request_id JOIN repositories r ON r.id = p.repository_id
       WHERE a.org = ${org} AND a.day >= ${fromDay} AND a.day <= ${toDay} AND a.with_claude_code = TRUE AND a.is_bot = FALSE AND r.installation_id IS NOT NULL`,
  );
}
