import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { githubTeamMembers, githubTeams, orgMembers, orgSettings } from './schema.js';

/*
 * The org's people and teams as GitHub knows them (spec: Teams): its members, its teams and who is
 * in each. The daily member job replaces them whole; `organization`, `team` and `membership`
 * webhooks keep them current between two runs. Orgs are keyed by their lowercase login, people by
 * their lowercase login (the user key of the rollups).
 */

/** Team slugs as GitHub writes them: lowercase letters, digits, `-` and `_`, at most 100. */
export const TEAM_SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/** Longer `team` attribute values are ignored, never truncated (a cut name could meet another team's). */
export const MAX_TEAM_ATTRIBUTE_LENGTH = 100;

/**
 * The team slug a telemetry `team` resource attribute names, or undefined when it names none.
 * A value is read the way GitHub turns a team's name into its slug (lowercase, every run of other
 * characters than letters, digits, `_` and `-` becomes one `-`, none at the ends), so
 * `OTEL_RESOURCE_ATTRIBUTES=team=Platform Team` and the GitHub team "Platform Team"
 * (`platform-team`) are the same team. A value that leaves no slug (empty, only punctuation) or
 * is longer than MAX_TEAM_ATTRIBUTE_LENGTH names no team.
 */
export function teamSlugOf(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const raw = String(value);
  if (raw.length > MAX_TEAM_ATTRIBUTE_LENGTH) return undefined;
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '');
  return TEAM_SLUG_PATTERN.test(slug) ? slug : undefined;
}

export interface GitHubTeam {
  id: number;
  slug: string;
  name: string;
  /** Logins as GitHub spells them. */
  members: string[];
}

async function orgSettingsStamp(tx: Tx, org: string, values: Partial<typeof orgSettings.$inferInsert>, now: string): Promise<void> {
  await tx
    .insert(orgSettings)
    .values({ org, updatedAt: now, ...values })
    .onConflictDoUpdate({ target: orgSettings.org, set: { updatedAt: now, ...values } });
}

/**
 * Replaces, in one transaction, the org's member list (and its member count, the default seats)
 * and its teams with their members, with what GitHub listed just now.
 */
export async function replaceOrgPeople(db: Db, org: string, listed: { members: string[]; teams: GitHubTeam[] }, now: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(orgMembers).where(eq(orgMembers.org, org));
    for (const login of new Set(listed.members)) {
      await tx.insert(orgMembers).values({ org, userKey: login.toLowerCase(), login, updatedAt: now }).onConflictDoNothing();
    }
    await tx.delete(githubTeamMembers).where(eq(githubTeamMembers.org, org));
    await tx.delete(githubTeams).where(eq(githubTeams.org, org));
    for (const team of listed.teams) {
      await tx.insert(githubTeams).values({ org, id: team.id, slug: team.slug, name: team.name, updatedAt: now }).onConflictDoNothing();
      for (const login of new Set(team.members)) {
        await tx.insert(githubTeamMembers).values({ org, teamId: team.id, userKey: login.toLowerCase(), login }).onConflictDoNothing();
      }
    }
    await orgSettingsStamp(tx, org, { memberCount: listed.members.length, memberCountAt: now, membersListedAt: now, teamsListedAt: now, teamsChangedAt: now }, now);
  });
}

/** Records that the org's members or teams changed (cached team figures keyed by `teamsChangedAt` are then recomputed). */
async function markTeamsChanged(tx: Tx, org: string, now: string): Promise<void> {
  await orgSettingsStamp(tx, org, { teamsChangedAt: now }, now);
}

/** When the org's stored members or teams last changed; null: never stored. */
export async function teamsChangedAt(db: Db, org: string): Promise<string | null> {
  const [row] = await db.select({ at: orgSettings.teamsChangedAt }).from(orgSettings).where(eq(orgSettings.org, org)).limit(1);
  return row?.at ?? null;
}

/** A person joined the org (`organization.member_added`). */
export async function addOrgMember(tx: Tx, org: string, login: string, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  await tx
    .insert(orgMembers)
    .values({ org, userKey: login.toLowerCase(), login, updatedAt: now })
    .onConflictDoUpdate({ target: [orgMembers.org, orgMembers.userKey], set: { login, updatedAt: now } });
}

/** A person left the org (`organization.member_removed`): out of its member list and of every team. */
export async function removeOrgMember(tx: Tx, org: string, login: string, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  const userKey = login.toLowerCase();
  await tx.delete(orgMembers).where(and(eq(orgMembers.org, org), eq(orgMembers.userKey, userKey)));
  await tx.delete(githubTeamMembers).where(and(eq(githubTeamMembers.org, org), eq(githubTeamMembers.userKey, userKey)));
}

/** A team created, edited or renamed (same id, new slug): stored as GitHub now names it. */
export async function upsertTeam(tx: Tx, org: string, team: { id: number; slug: string; name: string }, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  // A slug freed by a renamed or deleted team may be taken by another team already stored: that row is stale.
  const [holder] = await tx
    .select({ id: githubTeams.id })
    .from(githubTeams)
    .where(and(eq(githubTeams.org, org), eq(githubTeams.slug, team.slug)))
    .limit(1);
  if (holder && holder.id !== team.id) await deleteTeam(tx, org, holder.id, now);
  await tx
    .insert(githubTeams)
    .values({ org, id: team.id, slug: team.slug, name: team.name, updatedAt: now })
    .onConflictDoUpdate({ target: [githubTeams.org, githubTeams.id], set: { slug: team.slug, name: team.name, updatedAt: now } });
}

/** A team deleted: it and its member list go. */
export async function deleteTeam(tx: Tx, org: string, teamId: number, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  await tx.delete(githubTeamMembers).where(and(eq(githubTeamMembers.org, org), eq(githubTeamMembers.teamId, teamId)));
  await tx.delete(githubTeams).where(and(eq(githubTeams.org, org), eq(githubTeams.id, teamId)));
}

export async function addTeamMember(tx: Tx, org: string, team: { id: number }, login: string, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  await tx
    .insert(githubTeamMembers)
    .values({ org, teamId: team.id, userKey: login.toLowerCase(), login })
    .onConflictDoUpdate({ target: [githubTeamMembers.org, githubTeamMembers.teamId, githubTeamMembers.userKey], set: { login } });
}

export async function removeTeamMember(tx: Tx, org: string, teamId: number, login: string, now: string): Promise<void> {
  await markTeamsChanged(tx, org, now);
  await tx
    .delete(githubTeamMembers)
    .where(and(eq(githubTeamMembers.org, org), eq(githubTeamMembers.teamId, teamId), eq(githubTeamMembers.userKey, login.toLowerCase())));
}

/** Whether the team with this id is stored for the org. */
export async function hasTeam(tx: Tx, org: string, teamId: number): Promise<boolean> {
  const [row] = await tx
    .select({ id: githubTeams.id })
    .from(githubTeams)
    .where(and(eq(githubTeams.org, org), eq(githubTeams.id, teamId)))
    .limit(1);
  return row !== undefined;
}

/** The org's stored members (logins as GitHub spells them), by login; null when the list was never fetched. */
export async function orgMemberLogins(db: Db, org: string): Promise<string[] | null> {
  const [settings] = await db.select({ at: orgSettings.membersListedAt }).from(orgSettings).where(eq(orgSettings.org, org)).limit(1);
  if (!settings?.at) return null;
  const members = await db.select({ login: orgMembers.login }).from(orgMembers).where(eq(orgMembers.org, org)).orderBy(orgMembers.userKey);
  return members.map((r) => r.login);
}

/** The stored GitHub teams of the org, by slug, with their member logins. */
export async function orgGitHubTeams(db: Db, org: string): Promise<GitHubTeam[]> {
  const teams = await db.select().from(githubTeams).where(eq(githubTeams.org, org)).orderBy(githubTeams.slug);
  if (teams.length === 0) return [];
  const members = await db
    .select({ teamId: githubTeamMembers.teamId, login: githubTeamMembers.login })
    .from(githubTeamMembers)
    .where(and(eq(githubTeamMembers.org, org), inArray(githubTeamMembers.teamId, teams.map((t) => t.id))))
    .orderBy(githubTeamMembers.userKey);
  return teams.map((t) => ({ id: t.id, slug: t.slug, name: t.name, members: members.filter((m) => m.teamId === t.id).map((m) => m.login) }));
}
