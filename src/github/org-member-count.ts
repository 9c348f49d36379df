import { and, asc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ProbotOctokit } from 'probot';
import type { Db, Tx } from '../db/client.js';
import { getOrgSettings, setMemberCount } from '../db/org-settings.js';
import { installations } from '../db/schema.js';
import { writeWhenFree } from '../db/store-busy.js';
import type { OrgMemberCountPayload } from '../jobs/job-kinds.js';
import { enqueueJob } from '../jobs/job-queue.js';
import { JOB_WRITE_WAIT_MS } from '../jobs/job-worker.js';
import { dayOf } from '../utc-days.js';

/*
 * The org's GitHub member count: the number of seats when `SEATS` is not configured (issue 8,
 * seat utilization). Counted with the installation token (`GET /orgs/{org}/members`, which the
 * app's `members: read` permission lets it list in full, concealed members included), as a job
 * in the durable queue: enqueued when the app is installed on an organization, then refreshed at
 * most once per UTC day.
 */

/** Queues a count of the org's members (a count already queued or running is left as it is). */
export function enqueueMemberCount(tx: Tx, payload: OrgMemberCountPayload, now: number): void {
  enqueueJob(tx, { kind: 'org-member-count', payload }, now);
}

/** Counts every member of the org, 100 a page. */
export async function countOrgMembers(octokit: ProbotOctokit, org: string): Promise<number> {
  let count = 0;
  for await (const page of octokit.paginate.iterator(octokit.rest.orgs.listMembers, { org, per_page: 100 })) count += page.data.length;
  return count;
}

/** The job: counts the org's members and stores the count under the org's lowercase login. */
export async function refreshMemberCount({
  db,
  octokit,
  payload,
  now,
}: {
  db: Db;
  octokit: ProbotOctokit;
  payload: OrgMemberCountPayload;
  now: () => Date;
}): Promise<number> {
  const count = await countOrgMembers(octokit, payload.org);
  await writeWhenFree(() => setMemberCount(db, payload.org.toLowerCase(), count, now()), { maxWaitMs: JOB_WRITE_WAIT_MS });
  return count;
}

/**
 * Queues a count for every organization the app is installed on whose stored count is missing or
 * from an earlier UTC day; returns the orgs queued.
 */
export function enqueueStaleMemberCounts(db: Db, now: Date): string[] {
  const today = dayOf(now);
  const orgs = db
    .select({ id: installations.id, login: installations.accountLogin })
    .from(installations)
    .where(and(eq(installations.status, 'active'), eq(installations.accountType, 'Organization')))
    .orderBy(asc(installations.id))
    .all();
  const queued: string[] = [];
  db.transaction((tx) => {
    for (const o of orgs) {
      const settings = getOrgSettings(db, o.login.toLowerCase());
      if (settings.memberCountAt !== null && settings.memberCountAt.slice(0, 10) >= today) continue;
      enqueueMemberCount(tx, { installationId: o.id, org: o.login }, now.getTime());
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
