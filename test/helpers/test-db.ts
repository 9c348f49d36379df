import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDb, createDb, type Db } from '../../src/db/client.js';
import { createTestPostgresDatabase, NO_POSTGRES_MESSAGE, testPostgresUrl } from './test-postgres.js';

/** A store opened by a test, and how to remove it. */
export interface OpenedStore {
  db: Db;
  cleanup(): Promise<void>;
}

/** A fresh SQLite store in a temporary folder, whatever engine the suite runs on (files that compare the engines). */
export async function openSqliteTestStore(): Promise<OpenedStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-sqlite-'));
  const db = await createDb(join(dir, 'metrics.db'));
  return {
    db,
    async cleanup() {
      await closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, migrated PostgreSQL store on the test cluster at `clusterUrl`. */
export async function openPostgresTestStore(clusterUrl: string): Promise<OpenedStore> {
  const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
  const db = await createDb(database.url);
  return {
    db,
    async cleanup() {
      await closeDb(db);
      await database.drop();
    },
  };
}

/**
 * The engines a file that compares them runs on, once (the suite runs such a file in one project
 * only): SQLite, and PostgreSQL when a test cluster is given (`TEST_POSTGRES_URL`; on CI always).
 */
export function bothEngines(): Array<{ name: 'sqlite' | 'postgres'; open(): Promise<OpenedStore> }> {
  const clusterUrl = testPostgresUrl();
  if (!clusterUrl) console.warn(NO_POSTGRES_MESSAGE);
  return [{ name: 'sqlite', open: openSqliteTestStore }, ...(clusterUrl ? [{ name: 'postgres' as const, open: () => openPostgresTestStore(clusterUrl) }] : [])];
}

/** The engine the suite runs on: `TEST_ENGINE=postgres` (with `TEST_POSTGRES_URL`) or SQLite. */
export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestDb {
  readonly db: Db;
  /** What `DATABASE_URL` would be for this database (a SQLite path or a PostgreSQL URL). */
  readonly url: string;
  /** The SQLite file's path; on PostgreSQL, the URL. */
  readonly path: string;
  /** Closes the handle and opens the same database again (a restart). */
  reopen(): Promise<Db>;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database of the suite's engine: a real SQLite file in a temporary folder, or a
 * new database on the test PostgreSQL cluster.
 */
export async function createTestDb(): Promise<TestDb> {
  if (testEngine() === 'postgres') {
    const clusterUrl = testPostgresUrl();
    if (!clusterUrl) throw new Error('TEST_ENGINE=postgres needs TEST_POSTGRES_URL (scripts/postgres-cluster.sh start)');
    const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
    let db = await createDb(database.url);
    return {
      get db() {
        return db;
      },
      url: database.url,
      path: database.url,
      async reopen() {
        await closeDb(db);
        db = await createDb(database.url);
        return db;
      },
      async cleanup() {
        await closeDb(db);
        await database.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ccm-test-'));
  const path = join(dir, 'metrics.db');
  let db = await createDb(path);
  return {
    get db() {
      return db;
    },
    url: path,
    path,
    async reopen() {
      await closeDb(db);
      db = await createDb(path);
      return db;
    },
    async cleanup() {
      await closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
