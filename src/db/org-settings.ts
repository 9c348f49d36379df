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

export function getOrgSettings(db: Db, org: string): OrgSettings {
  const row = db.select().from(orgSettings).where(eq(orgSettings.org, org)).get();
  return {
    viewerTeams: row ? (JSON.parse(row.viewerTeams) as string[]) : [],
    membersSeeSpend: row?.membersSeeSpend ?? false,
    memberCount: row?.memberCount ?? null,
    memberCountAt: row?.memberCountAt ?? null,
  };
}

function upsert(db: Db, org: string, values: Partial<typeof orgSettings.$inferInsert>, now: Date): void {
  db.insert(orgSettings)
    .values({ org, updatedAt: now.toISOString(), ...values })
    .onConflictDoUpdate({ target: orgSettings.org, set: { updatedAt: now.toISOString(), ...values } })
    .run();
}

/** Team slugs as GitHub writes them: lowercase letters, digits, `-` and `_`. */
export const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;

export function setViewerTeams(db: Db, org: string, teams: string[], by: string, now = new Date()): void {
  const unique = [...new Set(teams.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
  const bad = unique.find((t) => !TEAM_SLUG.test(t));
  if (bad) throw new RangeError(`"${bad}" is not a team slug (letters, digits, "-" and "_", as in github.com/orgs/${org}/teams/<slug>)`);
  upsert(db, org, { viewerTeams: JSON.stringify(unique), updatedBy: by }, now);
}

export function setMembersSeeSpend(db: Db, org: string, allowed: boolean, by: string, now = new Date()): void {
  upsert(db, org, { membersSeeSpend: allowed, updatedBy: by }, now);
}

export function setMemberCount(db: Db, org: string, count: number, now = new Date()): void {
  upsert(db, org, { memberCount: count, memberCountAt: now.toISOString() }, now);
}

/** The org's active installation of the GitHub App, if it has one. */
export function activeInstallation(db: Db, org: string): { id: number; accountLogin: string } | undefined {
  return db
    .select({ id: installations.id, accountLogin: installations.accountLogin })
    .from(installations)
    .where(and(sql`lower(${installations.accountLogin}) = ${org}`, eq(installations.status, 'active')))
    .get();
}
