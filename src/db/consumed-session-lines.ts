import type { ConsumedLine } from '../attribution/consumed-lines.js';
import type { Db } from './client.js';
import { statement } from './statement-cache.js';

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
export function consumptionOfSessionFile(db: Db, org: string, sessionId: string, path: string, atOrBefore: string): RecordedConsumption[] {
  return statement(
    db,
    `SELECT l.subject AS subject, l.subject_at AS at, l.fingerprint AS fingerprint, l.lines AS lines
     FROM consumed_session_lines l
     WHERE l.org = ? AND l.session_id = ? AND l.path = ? AND l.subject_at <= ?
       AND EXISTS (SELECT 1 FROM attributions a WHERE a.subject = l.subject AND a.org = l.org)`,
  ).all(org, sessionId, path, atOrBefore) as RecordedConsumption[];
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
export function replaceConsumption(db: Db, org: string, subjects: SubjectConsumption[]): number {
  const existing = statement(
    db,
    'SELECT session_id AS sessionId, path, fingerprint, lines, subject_at AS at FROM consumed_session_lines WHERE org = ? AND subject = ?',
  );
  const remove = statement(db, 'DELETE FROM consumed_session_lines WHERE org = ? AND subject = ?');
  const insert = statement(
    db,
    `INSERT INTO consumed_session_lines (org, subject, subject_at, session_id, path, fingerprint, lines)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  let rewritten = 0;
  for (const { subject, at, consumed } of subjects) {
    const rows = existing.all(org, subject) as { sessionId: string; path: string; fingerprint: number; lines: number; at: string }[];
    if (rows.every((r) => r.at === at) && sameConsumption(rows, consumed)) continue;
    remove.run(org, subject);
    for (const c of consumed) insert.run(org, subject, at, c.sessionId, c.path, c.fingerprint, c.lines);
    rewritten++;
  }
  return rewritten;
}

/** Drops the ledger rows of subjects no longer attributed. */
export function dropConsumption(db: Db, org: string, subjects: string[]): void {
  const remove = statement(db, 'DELETE FROM consumed_session_lines WHERE org = ? AND subject = ?');
  for (const subject of subjects) remove.run(org, subject);
}
