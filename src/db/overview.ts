import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { commits, installations, pullRequests, repositories } from './schema.js';

export interface StoredCounts {
  installations: number;
  repositories: number;
  pullRequests: number;
  mergedPullRequests: number;
  commits: number;
}

/** What the database holds, for the home page. */
export function storedCounts(db: Db): StoredCounts {
  const count = (query: { get(): { n: number } | undefined }) => query.get()?.n ?? 0;
  const n = sql<number>`count(*)`.as('n');
  return {
    installations: count(db.select({ n }).from(installations).where(sql`${installations.status} = 'active'`)),
    repositories: count(db.select({ n }).from(repositories).where(sql`${repositories.covered} = 1`)),
    pullRequests: count(db.select({ n }).from(pullRequests)),
    mergedPullRequests: count(db.select({ n }).from(pullRequests).where(sql`${pullRequests.mergedAt} IS NOT NULL`)),
    commits: count(db.select({ n }).from(commits)),
  };
}

/** The orgs with an active installation of the app (lowercase logins). */
export function installedOrgs(db: Db): string[] {
  return db
    .selectDistinct({ login: sql<string>`lower(${installations.accountLogin})` })
    .from(installations)
    .where(sql`${installations.status} = 'active'`)
    .orderBy(sql`1`)
    .all()
    .map((r) => r.login);
}
