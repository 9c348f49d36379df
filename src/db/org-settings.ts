import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { installations, orgSettings } from './schema.js';

/* What an org's owners decided on the settings page, and what the app learned about the org. */

export interface OrgSettings {
  viewerTeams: string[];
  membersSeeSpend: boolean;
  memberCount: number | null;
  /** When the member count was fetched (ISO time); null: never. */
  memberCountAt: string | null;
}

export async function getOrgSettings(db: Db, org: string): Promise<OrgSettings> {
  const [row] = await db.select().from(orgSettings).where(eq(orgSettings.org, org)).limit(1);
  return {
    viewerTeams: row ? (JSON.parse(row.viewerTeams) as string[]) : [],
    membersSeeSpend: row?.membersSeeSpend ?? false,
    memberCount: row?.memberCount ?? null,
    memberCountAt: row?.memberCountAt ?? null,
  };
}

async function upsert(db: Db, org: string, values: Partial<typeof orgSettings.$inferInsert>, now: Date): Promise<void> {
  await db
    .insert(orgSettings)
    .values({ org, updatedAt: now.toISOString(), ...values })
    .onConflictDoUpdate({ target: orgSettings.org, set: { updatedAt: now.toISOString(), ...values } });
}

/** Team slugs as GitHub writes them: lowercase letters, digits, `-` and `_`. */
export const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;

export async function setViewerTeams(db: Db, org: string, teams: string[], by: string, now = new Date()): Promise<void> {
  const unique = [...new Set(teams.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
  const bad = unique.find((t) => !TEAM_SLUG.test(t));
  if (bad) throw new RangeError(`"${bad}" is not a team slug (letters, digits, "-" and "_", as in github.com/orgs/${org}/teams/<slug>)`);
  await upsert(db, org, { viewerTeams: JSON.stringify(unique), updatedBy: by }, now);
}

export async function setMembersSeeSpend(db: Db, org: string, allowed: boolean, by: string, now = new Date()): Promise<void> {
  await upsert(db, org, { membersSeeSpend: allowed, updatedBy: by }, now);
}

export async function setMemberCount(db: Db, org: string, count: number, now = new Date()): Promise<void> {
  await upsert(db, org, { memberCount: count, memberCountAt: now.toISOString() }, now);
}

/** The org's active installation of the GitHub App, if it has one. */
export async function activeInstallation(db: Db, org: string): Promise<{ id: number; accountLogin: string } | undefined> {
  const [row] = await db
    .select({ id: installations.id, accountLogin: installations.accountLogin })
    .from(installations)
    .where(and(sql`lower(${installations.accountLogin}) = ${org}`, eq(installations.status, 'active')))
    .limit(1);
  return row;
}
