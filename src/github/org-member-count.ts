import { and, asc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ProbotOctokit } from 'probot';
import type { Db, Tx } from '../db/client.js';
import { getOrgSettings } from '../db/org-settings.js';
import { installations } from '../db/schema.js';
import { writeWhenFree } from '../db/store-busy.js';
import { replaceOrgPeople, type GitHubTeam } from '../db/teams.js';
import type { OrgMemberCountPayload } from '../jobs/job-kinds.js';
import { enqueueJob } from '../jobs/job-queue.js';
import { JOB_WRITE_WAIT_MS } from '../jobs/job-worker.js';
import { dayOf } from '../utc-days.js';

/*
 * The org's GitHub member count: the number of seats when `SEATS` is not configured (issue 8,
 * seat utilization). Counted with the installation token (`GET /orgs/{org}/members`, which the
 * app's `members: read` permission lets it list in full, concealed members included), as a job
 * in the durable queue: enqueued when the app is installed on an organization, then refreshed at
 * most once per UTC day. The same job stores who the members are (the People page's "Not using
 * Claude Code yet") and the org's teams with their members (spec: Teams).
 */

/**
 * Teams read per org: 10 pages of 100. Each team costs at least one more request for its members,
 * so this bounds one refresh to about 1,000 + 10 requests, a fifth of an installation's hourly
 * allowance (5,000), leaving the PR enrichment its share. Teams past it are left out (logged).
 */
export const MAX_TEAMS = 1_000;
/**
 * Members read per team: 50 pages of 100. A team bigger than this is in practice "everyone" (the
 * org's own figures answer it); its first 5,000 members are kept and the cut is logged.
 */
export const MAX_TEAM_MEMBERS = 5_000;

/** Lists every member of the org (logins, as GitHub spells them), 100 a page. */
export async function listOrgMembers(octokit: ProbotOctokit, org: string): Promise<string[]> {
  const logins: string[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.orgs.listMembers, { org, per_page: 100 })) {
    for (const m of page.data) if (m) logins.push(m.login);
  }
  return logins;
}

/** The org's teams, each with its members, at most MAX_TEAMS teams of at most MAX_TEAM_MEMBERS members; `cut` names what was left out. */
export async function listOrgTeams(
  octokit: ProbotOctokit,
  org: string,
  { maxTeams = MAX_TEAMS, maxTeamMembers = MAX_TEAM_MEMBERS } = {},
): Promise<{ teams: GitHubTeam[]; cut: string[] }> {
  const teams: GitHubTeam[] = [];
  const cut: string[] = [];
  pages: for await (const page of octokit.paginate.iterator(octokit.rest.teams.list, { org, per_page: 100 })) {
    for (const t of page.data) {
      if (teams.length >= maxTeams) {
        cut.push(`teams past ${maxTeams}`);
        break pages;
      }
      teams.push({ id: t.id, slug: t.slug, name: t.name, members: [] });
    }
  }
  for (const team of teams) {
    members: for await (const page of octokit.paginate.iterator(octokit.rest.teams.listMembersInOrg, { org, team_slug: team.slug, per_page: 100 })) {
      for (const m of page.data) {
        if (!m) continue;
        if (team.members.length >= maxTeamMembers) {
          cut.push(`members of ${team.slug} past ${maxTeamMembers}`);
          break members;
        }
        team.members.push(m.login);
      }
    }
  }
  return { teams, cut };
}

/** Queues a count of the org's members (a count already queued or running is left as it is). */
export async function enqueueMemberCount(tx: Tx, payload: OrgMemberCountPayload, now: number): Promise<void> {
  await enqueueJob(tx, { kind: 'org-member-count', payload }, now);
}

/**
 * The job: lists the org's members and its teams with their members, then stores the count, the
 * member list and the teams under the org's lowercase login (each replaced whole). Everything is
 * read before anything is written, so a GitHub failure halfway leaves yesterday's lists whole.
 */
export async function refreshMemberCount({
  db,
  octokit,
  payload,
  now,
  log,
}: {
  db: Db;
  octokit: ProbotOctokit;
  payload: OrgMemberCountPayload;
  now: () => Date;
  log?: Logger | undefined;
}): Promise<number> {
  const members = await listOrgMembers(octokit, payload.org);
  const { teams, cut } = await listOrgTeams(octokit, payload.org);
  if (cut.length > 0) log?.warn({ org: payload.org, cut }, 'org teams listed in part');
  const org = payload.org.toLowerCase();
  await writeWhenFree(() => replaceOrgPeople(db, org, { members, teams }, now().toISOString()), { maxWaitMs: JOB_WRITE_WAIT_MS });
  return members.length;
}

/**
 * Queues a count for every organization the app is installed on whose stored count is missing or
 * from an earlier UTC day; returns the orgs queued.
 */
export async function enqueueStaleMemberCounts(db: Db, now: Date): Promise<string[]> {
  const today = dayOf(now);
  const orgs = await db
    .select({ id: installations.id, login: installations.accountLogin })
    .from(installations)
    .where(and(eq(installations.status, 'active'), eq(installations.accountType, 'Organization')))
    .orderBy(asc(installations.id));
  const queued: string[] = [];
  await db.transaction(async (tx) => {
    for (const o of orgs) {
      const settings = await getOrgSettings(tx, o.login.toLowerCase());
      if (settings.memberCountAt !== null && settings.memberCountAt.slice(0, 10) >= today) continue;
      await enqueueMemberCount(tx, { installationId: o.id, org: o.login }, now.getTime());
      queued.push(o.login.toLowerCase());
    }
  });
  return queued;
}

/**
 * The daily refresh of member counts (wired to the processing schedule in the composition root):
 * `enqueueStaleMemberCounts`, waiting for another process's write lock, with the outcome logged.
 */
export async function queueStaleMemberCounts({ db, log, now }: { db: Db; log: Logger; now: () => Date }): Promise<void> {
  try {
    const queued = await writeWhenFree(() => enqueueStaleMemberCounts(db, now()), { maxWaitMs: 60_000 });
    if (queued.length > 0) log.info({ orgs: queued }, 'org member counts queued');
  } catch (error) {
    log.error({ err: error }, 'queueing org member counts failed');
  }
}
