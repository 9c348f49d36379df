import { sql } from 'drizzle-orm';
import type { ConsumedLine } from '../attribution/consumed-lines.js';
import type { Db } from './client.js';
import { consumedSessionLines } from './schema.js';
import { rowsToInsert } from './table-sql.js';

/*
 * The consumption ledger in the store (`consumed_session_lines`): which line a session wrote was
 * matched by which subject (a merged PR or a direct push), written in the same transaction as the
 * subject's attribution. Read per session and written file, only for the candidate sessions whose
 * files meet a subject's files: an indexed range, never a scan of the org.
 */

export interface SubjectConsumption {
  subject: string;
  /** When the subject merged (or was pushed). */
  at: string;
  consumed: ConsumedLine[];
}

/** A consumption recorded for one session's file: by which subject, merged when, and how many lines. */
export interface RecordedConsumption {
  subject: string;
  at: string;
  fingerprint: number;
  lines: number;
}

/**
 * What subjects of the org merged at or before `atOrBefore` took from the lines `sessionId` wrote
 * into `path`, for subjects that still have an attribution (a PR deleted since takes nothing).
 */
export async function consumptionOfSessionFile(db: Db, org: string, sessionId: string, path: string, atOrBefore: string): Promise<RecordedConsumption[]> {
  return db.all<RecordedConsumption>(
    sql`SELECT l.subject AS subject, l.subject_at AS at, l.fingerprint AS fingerprint, l.lines AS lines
     FROM consumed_session_lines l
     WHERE l.org = ${org} AND l.session_id = ${sessionId} AND l.path = ${path} AND l.subject_at <= ${atOrBefore}
       AND EXISTS (SELECT 1 FROM attributions a WHERE a.subject = l.subject AND a.org = l.org)`,
  );
}

/**
 * `consumptionOfSessionFile` of many session files in one statement: `${sessionId}\u0000${path}` →
 * its rows (empty for a file with none), each key as asked.
 */
export async function consumptionOfSessionFiles(
  db: Db,
  org: string,
  files: readonly (readonly [sessionId: string, path: string])[],
  atOrBefore: string,
): Promise<Map<string, RecordedConsumption[]>> {
  const out = new Map<string, RecordedConsumption[]>(files.map(([sessionId, path]) => [`${sessionId}\u0000${path}`, []]));
  for (let i = 0; i < files.length; i += FILES_PER_READ) {
    const rows = await db.values<[string, string, string, string, number, number]>(
      sql`SELECT l.session_id, l.path, l.subject, l.subject_at, l.fingerprint, l.lines
       FROM consumed_session_lines l
       WHERE l.org = ${org} AND ${db.dialect.anyPairOf(sql`l.session_id`, sql`l.path`, files.slice(i, i + FILES_PER_READ))} AND l.subject_at <= ${atOrBefore}
         AND EXISTS (SELECT 1 FROM attributions a WHERE a.subject = l.subject AND a.org = l.org)`,
    );
    for (const [sessionId, path, subject, at, fingerprint, lines] of rows) out.get(`${sessionId}\u0000${path}`)?.push({ subject, at, fingerprint, lines });
  }
  return out;
}

/** Session files whose ledger rows are read in one statement. */
const FILES_PER_READ = 200;

const sameConsumption = (a: { sessionId: string; path: string; fingerprint: number; lines: number }[], b: ConsumedLine[]): boolean => {
  if (a.length !== b.length) return false;
  const key = (c: { sessionId: string; path: string; fingerprint: number; lines: number }) => `${c.sessionId}\u0000${c.path}\u0000${c.fingerprint}\u0000${c.lines}`;
  const have = new Set(a.map(key));
  return b.every((c) => have.has(key(c)));
};

/**
 * Replaces the ledger rows of each subject with what its attribution consumed; a subject whose
 * consumption did not change is left as it was. Call inside the transaction that saves the
 * subjects' attributions.
 */
export async function replaceConsumption(db: Db, org: string, subjects: SubjectConsumption[]): Promise<number> {
  if (subjects.length === 0) return 0;
  // The subjects' rows as stored, in one read; then one delete and one insert for those that changed.
  const stored = new Map<string, { sessionId: string; path: string; fingerprint: number; lines: number; at: string }[]>(subjects.map((s) => [s.subject, []]));
  for (const [subject, sessionId, path, fingerprint, lines, at] of await db.values<[string, string, string, number, number, string]>(
    sql`SELECT subject, session_id, path, fingerprint, lines, subject_at FROM consumed_session_lines
        WHERE org = ${org} AND ${db.dialect.anyOf(sql`subject`, subjects.map((s) => s.subject))}`,
  )) {
    stored.get(subject)?.push({ sessionId, path, fingerprint, lines, at });
  }
  const changed = subjects.filter(({ subject, at, consumed }) => {
    const rows = stored.get(subject)!;
    return !(rows.every((r) => r.at === at) && sameConsumption(rows, consumed));
  });
  if (changed.length === 0) return 0;
  await db.run(sql`DELETE FROM consumed_session_lines WHERE org = ${org} AND ${db.dialect.anyOf(sql`subject`, changed.map((s) => s.subject))}`);
  const rows = changed.flatMap(({ subject, at, consumed }) =>
    consumed.map((c) => ({ org, subject, subjectAt: at, sessionId: c.sessionId, path: c.path, fingerprint: c.fingerprint, lines: c.lines })),
  );
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db.run(
      sql`INSERT INTO consumed_session_lines ${rowsToInsert(db, consumedSessionLines, ['org', 'subject', 'subjectAt', 'sessionId', 'path', 'fingerprint', 'lines'], rows.slice(i, i + ROWS_PER_INSERT))}`,
    );
  }
  return changed.length;
}

/** Ledger rows per insert: one statement for a batch of subjects, bounded in size. */
const ROWS_PER_INSERT = 5_000;

/** Drops the ledger rows of subjects no longer attributed. */
export async function dropConsumption(db: Db, org: string, subjects: string[]): Promise<void> {
  if (subjects.length === 0) return;
  await db.run(sql`DELETE FROM consumed_session_lines WHERE org = ${org} AND ${db.dialect.anyOf(sql`subject`, subjects)}`);
}
