import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { sqliteConnection, type Db, type Tx } from '../src/db/client.js';
import { replaceChangedFiles } from '../src/db/github-activity.js';
import { addSessionLineFingerprints } from '../src/db/telemetry-store.js';

/*
 * Loading the synthetic org fast (issue 21): at 10,000 developers the generator writes 50 million
 * session lines and 30 million PR lines, and through the storage functions one statement of a
 * session's file built by drizzle cost about 20 µs a row: 18 minutes. On SQLite the benchmark's
 * file is loaded with what a bulk load allows and a served database must not have: no rollback
 * journal and no fsync (a crash while generating loses a benchmark file, nothing else), a page cache
 * that holds the indexes being filled, the two big tables' secondary indexes built once at the end
 * (a sort) instead of row by row, and the line tables written with one prepared statement a row,
 * the same rows (columns, values, order) as the storage functions write; foreign keys unchecked
 * (the generator writes none that dangle). Tables another bulk load wrote into a file of its own
 * (a child process of the generator, on the machine's other core) are copied in whole at the end.
 * PostgreSQL keeps the storage functions.
 */

/** Secondary indexes of tables the generator only writes (nothing it runs reads through them): built after the load. */
const INDEXES_BUILT_AFTER = ['telemetry_daily_session_id_idx', 'api_requests_daily_session_id_idx'];

/** The page cache while loading, in KiB (better-sqlite3's default is 16 MB: at 10× most inserts into an index read pages from the OS). */
const LOAD_CACHE_KIB = 1024 * 1024;

export interface BulkLoad {
  /** `addSessionLineFingerprints` (telemetry-store.ts): the same rows. */
  addSessionLineFingerprints(tx: Tx, input: Parameters<typeof addSessionLineFingerprints>[1]): Promise<void>;
  /** `replaceChangedFiles` (github-activity.ts): the same rows. */
  replaceChangedFiles(tx: Tx, owner: Parameters<typeof replaceChangedFiles>[1], files: Parameters<typeof replaceChangedFiles>[2]): Promise<void>;
  /**
   * SQLite only: copies `tables` in from the file at `path` (written with the same schema, these
   * tables empty here), then deletes that file. Rows and index entries are copied as they are stored
   * (SQLite's transfer of a whole table into an empty one), not inserted one by one.
   */
  copyTables?(path: string, tables: string[]): Promise<void>;
  /** Builds the indexes left out and sets the file back as the app opens it (write-ahead log, synchronous commits); on PostgreSQL, vacuums and analyzes. */
  finish(): Promise<void>;
}

/** Starts loading a generated org into `db`: on SQLite the fast path above, elsewhere the storage functions. */
export function startBulkLoad(db: Db): BulkLoad {
  const connection = sqliteConnection(db);
  if (!connection) {
    // PostgreSQL: as after any bulk load, the loaded tables are vacuumed and analyzed once it ends, so
    // the planner knows them and autovacuum does not do it later in the middle of a measured run.
    const finish = async () => void (await db.run(sql`VACUUM ANALYZE`));
    return { addSessionLineFingerprints, replaceChangedFiles, finish };
  }
  // better-sqlite3 opens connections in SQLite's defensive mode, which refuses journal_mode = OFF.
  connection.unsafeMode(true);
  connection.pragma('journal_mode = OFF');
  connection.pragma('synchronous = OFF');
  connection.pragma(`cache_size = -${LOAD_CACHE_KIB}`);
  connection.pragma('temp_store = MEMORY');
  // Foreign keys unchecked while loading (the generator writes none that dangle; copying a table in whole requires it).
  connection.pragma('foreign_keys = OFF');
  const dropped = connection
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (${INDEXES_BUILT_AFTER.map(() => '?').join(', ')})`)
    .all(...INDEXES_BUILT_AFTER) as { name: string; sql: string }[];
  for (const { name } of dropped) connection.exec(`DROP INDEX "${name}"`);

  // A file's lines in statements of up to ROWS_PER_STATEMENT rows (a fifth less CPU than a statement a row, measured on 2.8M rows).
  const sessionLines = statementsOfRows(
    connection,
    (values) => `INSERT INTO session_line_fingerprints (session_id, path, fingerprint, occurrences, sketch, org, first_written_at) VALUES ${values}
     ON CONFLICT (org, session_id, path, fingerprint) DO UPDATE SET occurrences = session_line_fingerprints.occurrences + excluded.occurrences,
       sketch = coalesce(session_line_fingerprints.sketch, excluded.sketch)`,
    7,
  );
  // Foreign keys are off while loading: a file's lines go with it here, as the cascade would take them.
  const deletes = (owner: 'pull_request_id' | 'commit_id') =>
    ['added_line_fingerprints', 'deleted_line_fingerprints']
      .map((lines) => connection.prepare(`DELETE FROM ${lines} WHERE changed_file_id IN (SELECT id FROM changed_files WHERE ${owner} = ?)`))
      .concat(connection.prepare(`DELETE FROM changed_files WHERE ${owner} = ?`));
  const deletesOfPullRequest = deletes('pull_request_id');
  const deletesOfCommit = deletes('commit_id');
  const changedFile = connection.prepare(
    `INSERT INTO changed_files (pull_request_id, commit_id, path, previous_path, status, additions, deletions, effective_lines, excluded_reason, patch_missing)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addedLines = statementsOfRows(connection, (values) => `INSERT INTO added_line_fingerprints (changed_file_id, fingerprint, occurrences, sketch) VALUES ${values}`, 4);
  const deletedLines = statementsOfRows(connection, (values) => `INSERT INTO deleted_line_fingerprints (changed_file_id, fingerprint, occurrences) VALUES ${values}`, 3);
  const blob = (sketch: Uint8Array | undefined) => (sketch ? Buffer.from(sketch.buffer, sketch.byteOffset, sketch.byteLength) : null);
  const run = (statement: Statement, ...values: unknown[]) => statement.run(...values);

  return {
    async addSessionLineFingerprints(_tx, input) {
      // In fingerprint order, as the storage function inserts them.
      sessionLines(
        [...input.fingerprints]
          .sort(([a], [b]) => a - b)
          .map(([fingerprint, occurrences]) => [input.sessionId, input.path, fingerprint, occurrences, blob(input.sketches?.get(fingerprint)), input.org, input.writtenAt]),
      );
    },
    async replaceChangedFiles(_tx, owner, files) {
      const pullRequestId = 'pullRequestId' in owner ? owner.pullRequestId : null;
      const commitId = 'commitId' in owner ? owner.commitId : null;
      for (const statement of pullRequestId !== null ? deletesOfPullRequest : deletesOfCommit) run(statement, pullRequestId ?? commitId);
      for (const file of files) {
        const id = Number(
          changedFile.run(
            pullRequestId,
            commitId,
            file.path,
            file.previousPath,
            file.status,
            file.additions,
            file.deletions,
            file.effectiveLines,
            file.excludedReason,
            file.patchMissing ? 1 : 0,
          ).lastInsertRowid,
        );
        addedLines([...file.fingerprints].map(([fingerprint, occurrences]) => [id, fingerprint, occurrences, blob(file.sketches.get(fingerprint))]));
        deletedLines([...file.deletedFingerprints].map(([fingerprint, occurrences]) => [id, fingerprint, occurrences]));
      }
    },
    async copyTables(path, tables) {
      connection.prepare('ATTACH DATABASE ? AS written_apart').run(path);
      connection.transaction(() => {
        for (const table of tables) connection.exec(`INSERT INTO main."${table}" SELECT * FROM written_apart."${table}"`);
      })();
      connection.exec('DETACH DATABASE written_apart');
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    },
    async finish() {
      for (const { sql } of dropped) connection.exec(sql);
      connection.pragma('foreign_keys = ON');
      connection.pragma('cache_size = -16000');
      connection.pragma('synchronous = NORMAL');
      connection.pragma('journal_mode = WAL');
      connection.unsafeMode(false);
    },
  };
}

const ROWS_PER_STATEMENT = 64;

/** Writes rows (in order) with multi-row statements of `text`, one compiled statement kept per row count. */
function statementsOfRows(connection: Database.Database, text: (values: string) => string, columns: number): (rows: unknown[][]) => void {
  const byCount = new Map<number, Statement>();
  const row = `(${Array(columns).fill('?').join(', ')})`;
  return (rows) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      let statement = byCount.get(chunk.length);
      if (!statement) byCount.set(chunk.length, (statement = connection.prepare(text(Array(chunk.length).fill(row).join(', ')))));
      statement.run(...chunk.flat());
    }
  };
}
