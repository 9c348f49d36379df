import type { Db } from '../../db/client.js';
import { activeInstallation, getOrgSettings } from '../../db/org-settings.js';

/*
 * Who may see an org's pages (issue: org owners see everything and manage settings; members of
 * teams an owner listed see the metrics; anyone else nothing). Asked of GitHub with the app's own
 * installation token (the app's `members: read` permission), so the signed-in person's token is
 * never kept, and remembered for a few minutes so pages stay fast.
 */

export type OrgRole = 'owner' | 'viewer';

/** The slice of Octokit access checks use (an installation's `octokit.rest`). */
export interface MembershipClient {
  rest: {
    orgs: {
      getMembershipForUser(params: { org: string; username: string }): Promise<{ data: { role: string; state: string } }>;
    };
    teams: {
      getMembershipForUserInOrg(params: { org: string; team_slug: string; username: string }): Promise<{ data: { state: string } }>;
    };
  };
}

export interface OrgAccess {
  /** The person's role in the org, or null for someone outside it (or outside the listed teams). */
  roleOf(org: string, login: string): Promise<OrgRole | null>;
  /** Forget what is remembered for an org (its viewer teams changed). */
  forget(org: string): void;
  /** Whether the login is an active member of the org now (asked of GitHub each time: it guards creating a personal token). */
  isMember(org: string, login: string): Promise<boolean>;
}

const isNotFound = (error: unknown) => (error as { status?: number }).status === 404;

export function githubOrgAccess({
  db,
  octokitFor,
  ttlMs = 5 * 60_000,
  now = () => Date.now(),
}: {
  db: Db;
  octokitFor: (installationId: number) => Promise<MembershipClient>;
  ttlMs?: number;
  now?: () => number;
}): OrgAccess {
  const remembered = new Map<string, { role: OrgRole | null; until: number }>();

  /** The login's active membership of the org (role `admin` or `member`), or null; the octokit for further questions. */
  async function membershipOf(org: string, login: string) {
    const installation = await activeInstallation(db, org);
    if (!installation) return null;
    const octokit = await octokitFor(installation.id);
    let membership: { role: string; state: string };
    try {
      membership = (await octokit.rest.orgs.getMembershipForUser({ org: installation.accountLogin, username: login })).data;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    // An invitation not yet accepted grants nothing.
    return membership.state === 'active' ? { role: membership.role, octokit, accountLogin: installation.accountLogin } : null;
  }

  async function ask(org: string, login: string): Promise<OrgRole | null> {
    const found = await membershipOf(org, login);
    if (!found) return null;
    const { octokit, accountLogin, role } = found;
    if (role === 'admin') return 'owner';
    for (const team of (await getOrgSettings(db, org)).viewerTeams) {
      try {
        const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org: accountLogin, team_slug: team, username: login });
        if (data.state === 'active') return 'viewer';
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return null;
  }

  return {
    async roleOf(org, login) {
      const key = `${org}\u0000${login.toLowerCase()}`;
      const hit = remembered.get(key);
      if (hit && hit.until > now()) return hit.role;
      const role = await ask(org, login);
      remembered.set(key, { role, until: now() + ttlMs });
      return role;
    },
    forget(org) {
      for (const key of remembered.keys()) if (key.startsWith(`${org}\u0000`)) remembered.delete(key);
    },
    async isMember(org, login) {
      return (await membershipOf(org, login)) !== null;
    },
  };
}
