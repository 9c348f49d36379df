import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBulkLoad } from '../../bench/bulk-load.js';
import { createDb, sqliteConnection, type Db } from '../../src/db/client.js';
import { replaceChangedFiles } from '../../src/db/github-activity.js';
import { addSessionLineFingerprints } from '../../src/db/telemetry-store.js';
import { storeTimelinePr } from '../helpers/outcome-timelines.js';

/*
 * The benchmark generator loads the line tables of its SQLite file with prepared statements instead
 * of the storage functions (issue 21: 18 minutes at 10,000 developers): what processing then reads
 * must be what the storage functions would have written, row for row.
 */

let dir: string;
let stored: Db;
let loaded: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-bulk-load-'));
  stored = await createDb(join(dir, 'stored.db'));
  loaded = await createDb(join(dir, 'loaded.db'));
});
afterEach(async () => {
  await stored.close();
  await loaded.close();
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (...b: number[]) => Uint8Array.from(b);

function file(path: string, lines: [number, number, Uint8Array?][], deleted: [number, number][] = []) {
  return {
    path,
    previousPath: path === 'src/new.ts' ? 'src/old.ts' : null,
    status: path === 'src/new.ts' ? 'renamed' : 'modified',
    additions: lines.length,
    deletions: deleted.length,
    effectiveLines: lines.length,
    excludedReason: path.endsWith('.lock') ? ('lock_file' as const) : null,
    patchMissing: path.endsWith('.lock'),
    fingerprints: new Map(lines.map(([fp, n]) => [fp, n])),
    sketches: new Map(lines.filter((l) => l[2]).map(([fp, , s]) => [fp, s!])),
    deletedFingerprints: new Map(deleted),
  };
}

async function writeOrg(db: Db, writers: Pick<ReturnType<typeof startBulkLoad>, 'addSessionLineFingerprints' | 'replaceChangedFiles'>) {
  await storeTimelinePr(db, { id: 1, number: 1, author: 'dana', createdAt: '2026-11-02T10:00:00.000Z', mergedAt: '2026-11-02T15:00:00.000Z', commits: [] });
  await db.transaction(async (tx) => {
    // Fingerprints given out of order; the same line written twice by a session (its occurrences add, its first sketch stays).
    await writers.addSessionLineFingerprints(tx, {
      sessionId: 's-1',
      path: 'src/a.ts',
      org: 'acme',
      writtenAt: '2026-11-01T10:00:00.000Z',
      fingerprints: new Map([[2 ** 40 + 7, 1], [5, 2], [99, 1]]),
      sketches: new Map([[5, bytes(1, 2, 3)], [2 ** 40 + 7, bytes(4)]]),
    });
    await writers.addSessionLineFingerprints(tx, {
      sessionId: 's-1',
      path: 'src/a.ts',
      org: 'acme',
      writtenAt: '2026-11-01T11:00:00.000Z',
      fingerprints: new Map([[5, 1], [99, 3]]),
      sketches: new Map([[5, bytes(9)], [99, bytes(8, 8)]]),
    });
    // A PR's files replaced: the first set goes, the second stays (with new ids).
    await writers.replaceChangedFiles(tx, { pullRequestId: 1 }, [file('src/a.ts', [[5, 1, bytes(1, 2, 3)]])]);
    await writers.replaceChangedFiles(tx, { pullRequestId: 1 }, [
      file('src/a.ts', [[99, 2, bytes(7)], [5, 1]], [[31, 1]]),
      file('src/new.ts', [[2 ** 40 + 7, 1, bytes(4)]]),
      file('yarn.lock', []),
    ]);
  });
}

const TABLES = ['session_line_fingerprints', 'changed_files', 'added_line_fingerprints', 'deleted_line_fingerprints'];

async function rows(db: Db, table: string) {
  return sqliteConnection(db)!.prepare(`SELECT rowid, * FROM ${table} ORDER BY rowid`).all();
}

describe('bulk load of the benchmark org (SQLite)', () => {
  it('writes the rows the storage functions write, then builds the indexes it left out and sets the file back to WAL', async () => {
    await writeOrg(stored, { addSessionLineFingerprints, replaceChangedFiles });
    const load = startBulkLoad(loaded);
    expect(sqliteConnection(loaded)!.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'telemetry_daily_session_id_idx'`).get()).toEqual({ n: 0 });
    await writeOrg(loaded, load);
    await load.finish();

    for (const table of TABLES) expect(await rows(loaded, table), table).toEqual(await rows(stored, table));
    // By hand: fingerprint 5 written twice (2 + 1 occurrences), its first sketch kept; 99 (1 + 3) takes the sketch it lacked; rows in fingerprint order.
    expect(
      sqliteConnection(loaded)!.prepare('SELECT fingerprint, occurrences, hex(sketch) AS sketch FROM session_line_fingerprints ORDER BY rowid').all(),
    ).toEqual([
      { fingerprint: 5, occurrences: 3, sketch: '010203' },
      { fingerprint: 99, occurrences: 4, sketch: '0808' },
      { fingerprint: 2 ** 40 + 7, occurrences: 1, sketch: '04' },
    ]);
    expect(sqliteConnection(loaded)!.prepare('SELECT id, path, previous_path, patch_missing FROM changed_files ORDER BY id').all()).toEqual([
      { id: 2, path: 'src/a.ts', previous_path: null, patch_missing: 0 },
      { id: 3, path: 'src/new.ts', previous_path: 'src/old.ts', patch_missing: 0 },
      { id: 4, path: 'yarn.lock', previous_path: null, patch_missing: 1 },
    ]);
    expect(sqliteConnection(loaded)!.prepare('SELECT changed_file_id, fingerprint, occurrences FROM deleted_line_fingerprints').all()).toEqual([
      { changed_file_id: 2, fingerprint: 31, occurrences: 1 },
    ]);

    const connection = sqliteConnection(loaded)!;
    expect(connection.prepare(`SELECT name FROM sqlite_master WHERE name IN ('telemetry_daily_session_id_idx', 'api_requests_daily_session_id_idx') ORDER BY name`).all()).toEqual([
      { name: 'api_requests_daily_session_id_idx' },
      { name: 'telemetry_daily_session_id_idx' },
    ]);
    expect(connection.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(connection.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('copies line tables written by another bulk load into a file of their own: the same rows and ids, the file deleted after', async () => {
    await writeOrg(stored, { addSessionLineFingerprints, replaceChangedFiles });
    const apartPath = join(dir, 'apart.db');
    const apart = await createDb(apartPath);
    await writeOrg(apart, startBulkLoad(apart));
    await apart.close();

    await storeTimelinePr(loaded, { id: 1, number: 1, author: 'dana', createdAt: '2026-11-02T10:00:00.000Z', mergedAt: '2026-11-02T15:00:00.000Z', commits: [] });
    const load = startBulkLoad(loaded);
    await load.copyTables!(apartPath, TABLES);
    await load.finish();

    for (const table of TABLES) expect(await rows(loaded, table), table).toEqual(await rows(stored, table));
    expect(existsSync(apartPath)).toBe(false);
    const connection = sqliteConnection(loaded)!;
    // The key's entries came with the rows: a lookup through it finds them; the file is whole and its references hold.
    expect(connection.prepare(`SELECT fingerprint FROM session_line_fingerprints INDEXED BY sqlite_autoindex_session_line_fingerprints_1 WHERE org = 'acme' AND session_id = 's-1' AND path = 'src/a.ts' ORDER BY fingerprint`).all()).toEqual([
      { fingerprint: 5 },
      { fingerprint: 99 },
      { fingerprint: 2 ** 40 + 7 },
    ]);
    expect(connection.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(connection.pragma('foreign_key_check')).toEqual([]);
    expect(connection.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'changed_files'`).get()).toEqual({ seq: 4 });
    expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
