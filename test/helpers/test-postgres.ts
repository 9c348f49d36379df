import { randomBytes } from 'node:crypto';
import pg from 'pg';

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

/** A fresh, empty database on the test cluster; `drop()` removes it (and ends its connections). */
export async function createTestPostgresDatabase(clusterUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    // template0 with C collation: the same byte-order sorting the app requires (src/db/postgres-client.ts).
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
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
