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
  let rewritten = 0;
  for (const { subject, at, consumed } of subjects) {
    const rows = await db.all<{ sessionId: string; path: string; fingerprint: number; lines: number; at: string }>(
      sql`SELECT session_id AS "sessionId", path, fingerprint, lines, subject_at AS at FROM consumed_session_lines WHERE org = ${org} AND subject = ${subject}`,
    );
    if (rows.every((r) => r.at === at) && sameConsumption(rows, consumed)) continue;
    await db.run(sql`DELETE FROM consumed_session_lines WHERE org = ${org} AND subject = ${subject}`);
    if (consumed.length > 0) {
      const rows = consumed.map((c) => ({ org, subject, subjectAt: at, sessionId: c.sessionId, path: c.path, fingerprint: c.fingerprint, lines: c.lines }));
      await db.run(
        sql`INSERT INTO consumed_session_lines ${rowsToInsert(db, consumedSessionLines, ['org', 'subject', 'subjectAt', 'sessionId', 'path', 'fingerprint', 'lines'], rows)}`,
      );
    }
    rewritten++;
  }
  return rewritten;
}

/** Drops the ledger rows of subjects no longer attributed. */
export async function dropConsumption(db: Db, org: string, subjects: string[]): Promise<void> {
  if (subjects.length === 0) return;
  await db.run(sql`DELETE FROM consumed_session_lines WHERE org = ${org} AND ${db.dialect.anyOf(sql`subject`, subjects)}`);
}
