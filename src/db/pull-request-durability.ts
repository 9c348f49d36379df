import type { DurabilityPr } from '../durability/durability-comparison.js';
import { CHURN_DAYS, type ChangeFile, type MergedChange } from '../durability/line-lives.js';
import { DAY_MS } from '../utc-days.js';
import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { storedAddedSketches } from './processing-inputs.js';
import { pullRequestDurability } from './schema.js';
import { rowsToInsert } from './table-sql.js';

/*
 * What processing reads to replay line lives (spec: Outcomes, "Durability") — one repository's
 * merged PRs and direct pushes since a time, each file with the fingerprints it added and deleted —
 * and the per-PR rows it writes. Fingerprints only, never a line.
 */

/** The org's repositories (ids), each replayed on its own so memory is bounded by the largest. */
export async function orgRepositoryIds(db: Db, org: string): Promise<number[]> {
  return (await db.values<[number]>(sql`SELECT id FROM repositories WHERE lower(owner_login) = lower(${org}) ORDER BY id`)).map((r) => r[0]);
}

type FileRow = [subject: string, at: string, fileId: number, path: string, previousPath: string | null, status: string];

/**
 * The merged changes of one repository since `sinceIso`: enriched merged PRs, and enriched commits
 * pushed straight to the default branch that belong to no known PR (the same subjects processing
 * attributes), each with its files' added and deleted fingerprints and its added lines' sketches.
 */
export async function mergedChangesOf(db: Db, repositoryId: number, sinceIso: string): Promise<MergedChange[]> {
  const prFiles = await db.values<FileRow>(
    sql`SELECT 'pull_request:' || p.id, p.merged_at, f.id, f.path, f.previous_path, f.status
     FROM pull_requests p JOIN changed_files f ON f.pull_request_id = p.id
     WHERE p.repository_id = ${repositoryId} AND p.merged_at >= ${sinceIso} AND p.enriched_at IS NOT NULL`,
  );
  const pushFiles = await db.values<FileRow>(
    sql`SELECT 'commit:' || c.id, c.pushed_at, f.id, f.path, f.previous_path, f.status
     FROM commits c JOIN changed_files f ON f.commit_id = c.id
     WHERE c.repository_id = ${repositoryId} AND c.pushed_to_default_branch = TRUE AND c.enriched_at IS NOT NULL AND c.pushed_at >= ${sinceIso}
       AND NOT EXISTS (SELECT 1 FROM pull_request_commits pc WHERE pc.commit_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM pull_requests p WHERE p.repository_id = c.repository_id AND p.merge_commit_sha = c.sha)`,
  );

  const changes = new Map<string, MergedChange>();
  const files = new Map<number, ChangeFile>();
  for (const [subject, at, fileId, path, previousPath, status] of [...prFiles, ...pushFiles]) {
    let change = changes.get(subject);
    if (!change) changes.set(subject, (change = { subject, at: Date.parse(at), files: [] }));
    const file: ChangeFile = {
      path,
      previousPath,
      status,
      added: new Map(),
      deleted: new Map(),
      sketches: storedAddedSketches(db, fileId),
    };
    change.files.push(file);
    files.set(fileId, file);
  }
  const fingerprints = async (table: 'added_line_fingerprints' | 'deleted_line_fingerprints', side: 'added' | 'deleted') => {
    const rows = [
      ...(await db.values<[number, number, number]>(
        sql`SELECT x.changed_file_id, x.fingerprint, x.occurrences FROM pull_requests p JOIN changed_files f ON f.pull_request_id = p.id
         JOIN ${sql.raw(table)} x ON x.changed_file_id = f.id
         WHERE p.repository_id = ${repositoryId} AND p.merged_at >= ${sinceIso} AND p.enriched_at IS NOT NULL`,
      )),
      ...(await db.values<[number, number, number]>(
        sql`SELECT x.changed_file_id, x.fingerprint, x.occurrences FROM commits c JOIN changed_files f ON f.commit_id = c.id
         JOIN ${sql.raw(table)} x ON x.changed_file_id = f.id
         WHERE c.repository_id = ${repositoryId} AND c.pushed_to_default_branch = TRUE AND c.enriched_at IS NOT NULL AND c.pushed_at >= ${sinceIso}`,
      )),
    ];
    for (const [fileId, fingerprint, occurrences] of rows) files.get(fileId)?.[side].set(fingerprint, occurrences);
  };
  await fingerprints('added_line_fingerprints', 'added');
  await fingerprints('deleted_line_fingerprints', 'deleted');
  return [...changes.values()];
}

export interface DurabilityRow {
  pullRequestId: number;
  org: string;
  day: string;
  lines: number;
  surviving14d: number | null;
  surviving30d: number | null;
  surviving90d: number | null;
  deleted21d: number | null;
  rewritten21d: number | null;
  endedLives: [number, number, number][];
  asOf: string;
}

/** Upserts PRs' durability rows in one transaction (a few hundred to a statement): a rerun over the same history writes the same rows. */
export async function saveDurability(db: Db, rows: DurabilityRow[]): Promise<void> {
  // One row per PR (the last one), as upserts one after another would leave it.
  const last = [...new Map(rows.map((row) => [row.pullRequestId, { ...row, endedLives: JSON.stringify(row.endedLives) }])).values()];
  if (last.length === 0) return;
  await db.transaction(async (tx) => {
    for (let i = 0; i < last.length; i += ROWS_PER_UPSERT) {
      await tx.run(
        sql`INSERT INTO pull_request_durability ${rowsToInsert(tx, pullRequestDurability, DURABILITY_FIELDS, last.slice(i, i + ROWS_PER_UPSERT))}
            ON CONFLICT (pull_request_id) DO UPDATE SET
              org = excluded.org, day = excluded.day, lines = excluded.lines, surviving_14d = excluded.surviving_14d,
              surviving_30d = excluded.surviving_30d, surviving_90d = excluded.surviving_90d, deleted_21d = excluded.deleted_21d,
              rewritten_21d = excluded.rewritten_21d, ended_lives = excluded.ended_lives, as_of = excluded.as_of`,
      );
    }
  });
}

/** Rows per upsert statement. */
const ROWS_PER_UPSERT = 500;

const DURABILITY_FIELDS = [
  'pullRequestId',
  'org',
  'day',
  'lines',
  'surviving14d',
  'surviving30d',
  'surviving90d',
  'deleted21d',
  'rewritten21d',
  'endedLives',
  'asOf',
] as const;

/** A merged PR of a range as the durability comparison reads it (people only), with its merge day and the login it counts for. */
export type DurabilityReadRow = DurabilityPr & { day: string; authorLogin: string | null };

/**
 * The org's merged PRs of [fromDay, toDay] (by merge day) with their durability, bots apart,
 * optionally of one repository (`owner/name`) or one person (the login the PR counts for). PRs
 * processing has not replayed yet have no row and are left out.
 */
export async function durabilityPullRequests(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  slice: { repository?: string | undefined; login?: string | undefined } = {},
): Promise<DurabilityReadRow[]> {
  const repository = slice.repository?.toLowerCase() ?? null;
  const login = slice.login?.toLowerCase() ?? null;
  const rows = await db.all<Omit<DurabilityReadRow, 'withClaudeCode' | 'endedLives'> & { withClaudeCode: number; endedLives: string }>(
    sql`SELECT a.day AS day, a.author_login AS "authorLogin", a.with_claude_code AS "withClaudeCode", d.lines AS lines, d.surviving_14d AS "surviving14d",
            d.surviving_30d AS "surviving30d", d.surviving_90d AS "surviving90d", d.deleted_21d AS "deleted21d",
            d.rewritten_21d AS "rewritten21d", d.ended_lives AS "endedLives"
     FROM attributions a JOIN pull_request_durability d ON d.pull_request_id = a.pull_request_id
     WHERE a.org = ${org} AND a.day >= ${fromDay} AND a.day <= ${toDay} AND a.is_bot = FALSE AND a.pull_request_id IS NOT NULL
       AND (CAST(${repository} AS TEXT) IS NULL OR a.repository = ${repository}) AND (CAST(${login} AS TEXT) IS NULL OR lower(a.author_login) = ${login})`,
  );
  return rows.map((r) => ({ ...r, withClaudeCode: Boolean(r.withClaudeCode), endedLives: JSON.parse(r.endedLives) as [number, number, number][] }));
}

/** What a repository's replay saw: its newest changed file (re-enrichment makes new ones) and how many. */
export interface ReplayMark {
  lastChangedFileId: number;
  changedFiles: number;
}

/** A repository's last replay: its mark, counted from `windowStart`, and until when its lives stand (ISO; null when any time). */
export interface StoredReplay extends ReplayMark {
  windowStart: string | null;
  standsUntil: string | null;
}

/** The mark of a repository's merged changes since `sinceIso`, read from the files alone (no fingerprints). */
export async function currentReplayMark(db: Db, repositoryId: number, sinceIso: string): Promise<ReplayMark> {
  const [pr] = await db.values<[number, number]>(
    sql`SELECT coalesce(max(f.id), 0), count(f.id) FROM pull_requests p JOIN changed_files f ON f.pull_request_id = p.id
     WHERE p.repository_id = ${repositoryId} AND p.merged_at >= ${sinceIso} AND p.enriched_at IS NOT NULL`,
  );
  const [push] = await db.values<[number, number]>(
    sql`SELECT coalesce(max(f.id), 0), count(f.id) FROM commits c JOIN changed_files f ON f.commit_id = c.id
     WHERE c.repository_id = ${repositoryId} AND c.pushed_to_default_branch = TRUE AND c.enriched_at IS NOT NULL AND c.pushed_at >= ${sinceIso}`,
  );
  return { lastChangedFileId: Math.max(pr![0], push![0]), changedFiles: pr![1] + push![1] };
}

/** What `replayMarksOf` answers of one repository. */
export interface ReplayMarks {
  /** The mark of its changes since `sinceIso`, which a replay now reads. */
  current: ReplayMark;
  /** Its last replay, undefined when it was never replayed. */
  stored: StoredReplay | undefined;
  /** The mark of its changes since the earlier of `sinceIso` and the stored window's start: the stored mark when nothing changed since. */
  seen: ReplayMark;
}

/**
 * `currentReplayMark` and `storedReplayMark` of many repositories in three statements: repository
 * id → its current mark, its stored replay, and the mark over the stored window too (counted in the
 * same statements: changes only leaving the window since the replay leave that mark as it was).
 */
export async function replayMarksOf(db: Db, repositoryIds: readonly number[], sinceIso: string): Promise<Map<number, ReplayMarks>> {
  const out = new Map<number, ReplayMarks>(
    repositoryIds.map((id) => [id, { current: { lastChangedFileId: 0, changedFiles: 0 }, stored: undefined, seen: { lastChangedFileId: 0, changedFiles: 0 } }]),
  );
  if (repositoryIds.length === 0) return out;
  const ids = [...repositoryIds];
  let from = sinceIso;
  for (const [id, lastChangedFileId, changedFiles, windowStart, standsUntil] of await db.values<[number, number, number, string | null, string | null]>(
    sql`SELECT repository_id, last_changed_file_id, changed_files, window_start, stands_until FROM repository_durability_replays
     WHERE ${db.dialect.anyOf(sql`repository_id`, ids)}`,
  )) {
    const marks = out.get(id);
    if (!marks) continue;
    marks.stored = { lastChangedFileId, changedFiles, windowStart, standsUntil };
    if (windowStart !== null && windowStart < from) from = windowStart;
  }
  const add = (rows: [number, number, number, number, number][]) => {
    for (const [id, seenLast, seenCount, last, count] of rows) {
      const marks = out.get(id);
      if (!marks) continue;
      marks.seen.lastChangedFileId = Math.max(marks.seen.lastChangedFileId, seenLast);
      marks.seen.changedFiles += seenCount;
      marks.current.lastChangedFileId = Math.max(marks.current.lastChangedFileId, last);
      marks.current.changedFiles += count;
    }
  };
  // Each repository's files since the earlier of the two starts; those since `sinceIso` counted apart.
  // Only commits pushed to a default branch have a push time: by that index, not every commit of the org's repositories.
  const marksOf = (at: string) =>
    sql`coalesce(max(f.id), 0), count(f.id), coalesce(max(CASE WHEN ${sql.raw(at)} >= ${sinceIso} THEN f.id END), 0),
        count(CASE WHEN ${sql.raw(at)} >= ${sinceIso} THEN f.id END)`;
  const inWindows = (at: string) => sql`${sql.raw(at)} >= ${from} AND (${sql.raw(at)} >= ${sinceIso} OR ${sql.raw(at)} >= r.window_start)`;
  add(
    await db.values<[number, number, number, number, number]>(
      sql`SELECT p.repository_id, ${marksOf('p.merged_at')} FROM pull_requests p JOIN changed_files f ON f.pull_request_id = p.id
       LEFT JOIN repository_durability_replays r ON r.repository_id = p.repository_id
       WHERE ${db.dialect.anyOf(sql`p.repository_id`, ids)} AND ${inWindows('p.merged_at')} AND p.enriched_at IS NOT NULL GROUP BY p.repository_id`,
    ),
  );
  add(
    await db.values<[number, number, number, number, number]>(
      sql`SELECT c.repository_id, ${marksOf('c.pushed_at')} FROM commits c ${db.dialect.indexHint('commits_pushed_at_idx')} JOIN changed_files f ON f.commit_id = c.id
       LEFT JOIN repository_durability_replays r ON r.repository_id = c.repository_id
       WHERE ${db.dialect.anyOf(sql`c.repository_id`, ids)} AND c.pushed_to_default_branch = TRUE AND c.enriched_at IS NOT NULL AND ${inWindows('c.pushed_at')}
       GROUP BY c.repository_id`,
    ),
  );
  return out;
}

/**
 * Whether a repository's stored lives are what a replay of its changes since `sinceIso` would give:
 * the files of its replayed window are the same (nothing merged, enriched again or deleted since),
 * and the window now starts no earlier than the replay's (no older changes to add) and no later
 * than its lives stand (a second of margin: merge times are compared as text in SQL).
 */
export function replayStands({ stored, seen }: ReplayMarks, sinceIso: string): boolean {
  if (!stored || stored.windowStart === null) return false;
  if (stored.lastChangedFileId !== seen.lastChangedFileId || stored.changedFiles !== seen.changedFiles) return false;
  return sinceIso <= stored.windowStart || stored.standsUntil === null || Date.parse(sinceIso) + 1000 <= Date.parse(stored.standsUntil);
}

/**
 * `storedLivesOf` of many repositories in one statement: repository id → its rows (none when it has
 * none). With `reachingBy`, only the rows whose figures that time can change: a horizon (14, 21, 30
 * or 90 days after the merge) reached by then whose figure was stored before it was (null), or the
 * other way round (a clock set back). A figure depends on the time only through whether its horizon
 * is reached, and the endings stand until the repository's next replay.
 */
export async function storedLivesOfMany(
  db: Db,
  repositoryIds: readonly number[],
  sinceIso: string,
  { reachingBy }: { reachingBy?: Date } = {},
): Promise<Map<number, (Omit<DurabilityRow, 'asOf'> & { mergedAt: string })[]>> {
  const out = new Map<number, (Omit<DurabilityRow, 'asOf'> & { mergedAt: string })[]>(repositoryIds.map((id) => [id, []]));
  if (repositoryIds.length === 0) return out;
  // Bounds a second wide of each horizon: merge times with or without milliseconds compare as text,
  // and a row read a second early is computed again and found unchanged.
  const horizon = (column: string, days: number) => {
    const at = reachingBy!.getTime() - days * DAY_MS;
    const [reached, notReached] = [new Date(at + 1000).toISOString(), new Date(at - 1000).toISOString()];
    return sql`(d.${sql.raw(column)} IS NULL AND p.merged_at < ${reached}) OR (d.${sql.raw(column)} IS NOT NULL AND p.merged_at > ${notReached})`;
  };
  const reaching = reachingBy
    ? sql` AND (${horizon('surviving_14d', 14)} OR ${horizon('deleted_21d', CHURN_DAYS)} OR ${horizon('surviving_30d', 30)} OR ${horizon('surviving_90d', 90)})`
    : sql``;
  const rows = await db.all<Omit<DurabilityRow, 'asOf' | 'endedLives'> & { repositoryId: number; mergedAt: string; endedLives: string }>(
    sql`SELECT p.repository_id AS "repositoryId", d.pull_request_id AS "pullRequestId", d.org AS org, d.day AS day, p.merged_at AS "mergedAt", d.lines AS lines,
            d.surviving_14d AS "surviving14d", d.surviving_30d AS "surviving30d", d.surviving_90d AS "surviving90d",
            d.deleted_21d AS "deleted21d", d.rewritten_21d AS "rewritten21d", d.ended_lives AS "endedLives"
     FROM pull_requests p JOIN pull_request_durability d ON d.pull_request_id = p.id
     WHERE ${db.dialect.anyOf(sql`p.repository_id`, [...repositoryIds])} AND p.merged_at >= ${sinceIso}${reaching}`,
  );
  for (const { repositoryId, ...row } of rows) out.get(repositoryId)?.push({ ...row, endedLives: JSON.parse(row.endedLives) as [number, number, number][] });
  return out;
}

export async function storedReplayMark(db: Db, repositoryId: number): Promise<StoredReplay | undefined> {
  return db.get<StoredReplay>(
    sql`SELECT last_changed_file_id AS "lastChangedFileId", changed_files AS "changedFiles", window_start AS "windowStart", stands_until AS "standsUntil"
     FROM repository_durability_replays WHERE repository_id = ${repositoryId}`,
  );
}

export async function saveReplayMark(db: Db, repositoryId: number, mark: StoredReplay, replayedAt: string): Promise<void> {
  await db.run(
    sql`INSERT INTO repository_durability_replays (repository_id, last_changed_file_id, changed_files, replayed_at, window_start, stands_until)
     VALUES (${repositoryId}, ${mark.lastChangedFileId}, ${mark.changedFiles}, ${replayedAt}, ${mark.windowStart}, ${mark.standsUntil})
     ON CONFLICT (repository_id) DO UPDATE SET last_changed_file_id = excluded.last_changed_file_id, changed_files = excluded.changed_files,
       replayed_at = excluded.replayed_at, window_start = excluded.window_start, stands_until = excluded.stands_until`,
  );
}

/** The stored lives of a repository's PRs merged since `sinceIso`: how many lines, how they ended, when they merged. */
export async function storedLivesOf(db: Db, repositoryId: number, sinceIso: string): Promise<(Omit<DurabilityRow, 'asOf'> & { mergedAt: string })[]> {
  return (
    await db.all<Omit<DurabilityRow, 'asOf' | 'endedLives'> & { mergedAt: string; endedLives: string }>(
      sql`SELECT d.pull_request_id AS "pullRequestId", d.org AS org, d.day AS day, p.merged_at AS "mergedAt", d.lines AS lines,
              d.surviving_14d AS "surviving14d", d.surviving_30d AS "surviving30d", d.surviving_90d AS "surviving90d",
              d.deleted_21d AS "deleted21d", d.rewritten_21d AS "rewritten21d", d.ended_lives AS "endedLives"
       FROM pull_requests p JOIN pull_request_durability d ON d.pull_request_id = p.id
       WHERE p.repository_id = ${repositoryId} AND p.merged_at >= ${sinceIso}`,
    )
  ).map((r) => ({ ...r, endedLives: JSON.parse(r.endedLives) as [number, number, number][] }));
}
