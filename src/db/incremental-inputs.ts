import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import type { SubjectRow } from './processing-inputs.js';

/*
 * What an incremental run reads besides processing's usual inputs: where the sessions its marks
 * name begin, so it knows how far back their data can change attributions, and which subjects
 * have a file a session just wrote into, or lost one.
 */

export interface SessionSpan {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** The org's sessions among `ids`, with the time they were first and last seen. */
export async function sessionSpans(db: Db, org: string, ids: readonly string[]): Promise<SessionSpan[]> {
  if (ids.length === 0) return [];
  return db.all<SessionSpan>(
    sql`SELECT id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt" FROM claude_sessions
        WHERE org = ${org} AND ${db.dialect.anyOf(sql.raw('id'), ids)} ORDER BY id`,
  );
}

/**
 * The org's sessions of Claude Code users with one of these identifiers (`email:…`,
 * `account_uuid:…`, `user_id:…`, as identity marks name them): whose links changed.
 */
export async function sessionsOfIdentities(db: Db, org: string, identities: readonly string[]): Promise<SessionSpan[]> {
  const byKind = { email: [] as string[], account_uuid: [] as string[], user_id: [] as string[] };
  for (const identity of identities) {
    const colon = identity.indexOf(':');
    const kind = identity.slice(0, colon);
    if (kind === 'email' || kind === 'account_uuid' || kind === 'user_id') byKind[kind].push(identity.slice(colon + 1));
  }
  const where = [
    byKind.email.length > 0 ? sql`${db.dialect.anyOf(sql.raw('lower(user_email)'), byKind.email)}` : undefined,
    byKind.account_uuid.length > 0 ? sql`${db.dialect.anyOf(sql.raw('user_account_uuid'), byKind.account_uuid)}` : undefined,
    byKind.user_id.length > 0 ? sql`${db.dialect.anyOf(sql.raw('user_id'), byKind.user_id)}` : undefined,
  ].filter((w) => w !== undefined);
  if (where.length === 0) return [];
  return db.all<SessionSpan>(
    sql`SELECT id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt" FROM claude_sessions
        WHERE org = ${org} AND (${sql.join(where, sql` OR `)}) ORDER BY id`,
  );
}

/**
 * The paths of the files each subject changed, and those files' former paths: its own files, and
 * for a PR the files of its commits whose diffs were fetched (renames).
 */
export async function subjectFilePaths(db: Db, subjects: readonly SubjectRow[]): Promise<Map<SubjectRow, Set<string>>> {
  const byPullRequest = new Map<number, SubjectRow>();
  const byCommit = new Map<number, SubjectRow>();
  for (const s of subjects) {
    if (s.pullRequestId !== null) byPullRequest.set(s.pullRequestId, s);
    else if (s.commitId !== null) byCommit.set(s.commitId, s);
  }
  const rows: { owner: number; kind: string; path: string; previousPath: string | null }[] = [];
  if (byPullRequest.size > 0) {
    const ids = [...byPullRequest.keys()];
    rows.push(
      ...(await db.all<{ owner: number; kind: string; path: string; previousPath: string | null }>(
        sql`SELECT pull_request_id AS owner, 'p' AS kind, path, previous_path AS "previousPath" FROM changed_files WHERE ${db.dialect.anyOf(sql.raw('pull_request_id'), ids)}
            UNION ALL
            SELECT pc.pull_request_id AS owner, 'p' AS kind, f.path, f.previous_path AS "previousPath"
              FROM pull_request_commits pc JOIN changed_files f ON f.commit_id = pc.commit_id
             WHERE ${db.dialect.anyOf(sql.raw('pc.pull_request_id'), ids)}`,
      )),
    );
  }
  if (byCommit.size > 0) {
    rows.push(
      ...(await db.all<{ owner: number; kind: string; path: string; previousPath: string | null }>(
        sql`SELECT commit_id AS owner, 'c' AS kind, path, previous_path AS "previousPath" FROM changed_files WHERE ${db.dialect.anyOf(sql.raw('commit_id'), [...byCommit.keys()])}`,
      )),
    );
  }
  const out = new Map<SubjectRow, Set<string>>();
  for (const row of rows) {
    const subject = (row.kind === 'p' ? byPullRequest : byCommit).get(Number(row.owner))!;
    let paths = out.get(subject);
    if (!paths) out.set(subject, (paths = new Set()));
    paths.add(row.path);
    if (row.previousPath) paths.add(row.previousPath);
  }
  return out;
}

/**
 * The subjects attributed in [fromDay, toDay] that are no longer merged subjects (`keep` lacks them:
 * a direct push found in a PR since), with each session whose lines they took: dropping them frees
 * those lines for the subjects merged after them.
 */
export async function staleSubjectSessions(
  db: Db,
  org: string,
  fromDay: string,
  toDay: string,
  keep: ReadonlySet<string>,
): Promise<{ subject: string; at: string; sessionId: string }[]> {
  const attributed = await db.values<[string]>(sql`SELECT subject FROM attributions WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay}`);
  const stale = attributed.map(([subject]) => subject).filter((subject) => !keep.has(subject));
  if (stale.length === 0) return [];
  return db.all<{ subject: string; at: string; sessionId: string }>(
    sql`SELECT DISTINCT subject, subject_at AS at, session_id AS "sessionId" FROM consumed_session_lines
        WHERE org = ${org} AND ${db.dialect.anyOf(sql.raw('subject'), stale)} ORDER BY subject, "sessionId"`,
  );
}
