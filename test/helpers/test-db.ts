import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDb, createDb, type Db } from '../../src/db/client.js';

/** A real SQLite database file in a fresh temporary folder, migrated like the app's own. */
export function createTestDb(): { db: Db; path: string; reopen(): Db; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-test-'));
  const path = join(dir, 'metrics.db');
  let db = createDb(path);
  return {
    get db() {
      return db;
    },
    path,
    reopen() {
      closeDb(db);
      db = createDb(path);
      return db;
    },
    cleanup() {
      closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
