import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { commits, installations, pullRequests, repositories } from './schema.js';

export interface StoredCounts {
  repositories: number;
  pullRequests: number;
  mergedPullRequests: number;
  commits: number;
}

/** What the database holds of one org (a lowercase login), for the home page of people who may see it. */
export async function storedCountsOf(db: Db, org: string): Promise<StoredCounts> {
  const count = async (query: PromiseLike<{ n: number }[]>) => (await query)[0]?.n ?? 0;
  const n = sql<number>`count(*)`.as('n');
  const ofOrg = sql`lower(${repositories.ownerLogin}) = ${org.toLowerCase()}`;
  return {
    repositories: await count(db.select({ n }).from(repositories).where(sql`${repositories.covered} = TRUE AND ${ofOrg}`)),
    pullRequests: await count(db.select({ n }).from(pullRequests).innerJoin(repositories, eq(pullRequests.repositoryId, repositories.id)).where(ofOrg)),
    mergedPullRequests: await count(
      db
        .select({ n })
        .from(pullRequests)
        .innerJoin(repositories, eq(pullRequests.repositoryId, repositories.id))
        .where(sql`${pullRequests.mergedAt} IS NOT NULL AND ${ofOrg}`),
    ),
    commits: await count(db.select({ n }).from(commits).innerJoin(repositories, eq(commits.repositoryId, repositories.id)).where(ofOrg)),
  };
}

/** The orgs with an active installation of the app (lowercase logins). */
export async function installedOrgs(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ login: sql<string>`lower(${installations.accountLogin})` })
    .from(installations)
    .where(sql`${installations.status} = 'active'`)
    .orderBy(sql`1`);
  return rows.map((r) => r.login);
}
