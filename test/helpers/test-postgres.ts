import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresPool, POSTGRES_MIGRATIONS_FOLDER } from '../../src/db/postgres-client.js';

/*
 * PostgreSQL for tests: `TEST_POSTGRES_URL` names a throwaway cluster (scripts/postgres-cluster.sh,
 * started by .ci/run), and each test file gets a fresh database of its own on it.
 */

/**
 * The cluster's URL, or undefined when there is none: then PostgreSQL tests skip locally, and fail
 * on CI (CI=true), where a missing cluster is a broken setup, not a reason to test less.
 */
export function testPostgresUrl(): string | undefined {
  const url = process.env.TEST_POSTGRES_URL;
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error('TEST_POSTGRES_URL is not set on CI: .ci/run starts the cluster and sets it');
  }
  return undefined;
}

/** Why a PostgreSQL test skipped, in the runner's output. */
export const NO_POSTGRES_MESSAGE =
  'PostgreSQL tests skipped: TEST_POSTGRES_URL is not set (start a cluster: scripts/postgres-cluster.sh start)';

/** `url` with its database replaced by `database`, whatever form the URL takes (socket folder in `?host=`). */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Advisory lock key under which one test worker migrates the template database the others copy. */
const TEMPLATE_LOCK_KEY = 0x63636d10;

/** The migrated template's name: it changes when the committed migrations do, so a stale one is never copied. */
function templateName(): string {
  const journal = readFileSync(join(POSTGRES_MIGRATIONS_FOLDER, 'meta', '_journal.json'));
  return `ccm_template_${createHash('sha256').update(journal).digest('hex').slice(0, 12)}`;
}

/** Creates (once per cluster and set of migrations) a database with every migration applied, for fresh test databases to copy. */
async function migratedTemplate(admin: pg.Client, clusterUrl: string): Promise<string> {
  const template = templateName();
  await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!rowCount) {
      const building = `${template}_building_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${building} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
      const pool = await openPostgresPool({ url: withDatabase(clusterUrl, building), maxConnections: 1 });
      await pool.end();
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
  }
  return template;
}

/**
 * A fresh database on the test cluster, empty or (`migrated`) copied from a template with the
 * app's migrations applied (much faster than migrating each one); `drop()` removes it (and ends its
 * connections).
 */
export async function createTestPostgresDatabase(
  clusterUrl: string,
  options: { migrated?: boolean } = {},
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    // C collation: the same byte-order sorting the app requires (src/db/postgres-client.ts).
    const template = options.migrated ? await migratedTemplate(admin, clusterUrl) : 'template0';
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(clusterUrl, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: clusterUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
