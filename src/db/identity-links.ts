import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from './client.js';
import { claudeSessions, commits, identityLinks, repositories, sessionCommits } from './schema.js';
import { markForProcessing } from './processing-marks.js';
import { IDENTITY_SOURCE_STRENGTH, identityMark, linkIdentities, type IdentityKind, type IdentityLink, type IdentitySource } from './telemetry-store.js';

/*
 * Who a Claude Code user is on GitHub (spec: Identity). Links are learned from several sources;
 * each keeps its source, and the strongest source wins when they disagree.
 */

export { IDENTITY_SOURCE_STRENGTH };

const KIND_ORDER: IdentityKind[] = ['account_uuid', 'email', 'user_id'];

export interface ClaudeCodeUser {
  email?: string | null;
  accountUuid?: string | null;
  userId?: string | null;
}

/**
 * The GitHub login a Claude Code user is linked to, and through which source; undefined when
 * unlinked. Links on the user's account UUID win over links on the email; `user.id` is used only
 * when neither is known. Among links on the same identifier the strongest source wins.
 */
export async function resolveGitHubLogin(tx: Tx, org: string, user: ClaudeCodeUser): Promise<{ githubLogin: string; source: IdentitySource } | undefined> {
  const keys = identityKeys(user);
  if (keys.length === 0) return undefined;
  const links = await tx
    .select()
    .from(identityLinks)
    .where(
      and(
        eq(identityLinks.org, org),
        sql`(${sql.join(
          keys.map(([kind, value]) => sql`(${identityLinks.kind} = ${kind} AND ${identityLinks.value} = ${value})`),
          sql` OR `,
        )})`,
      ),
    );
  return bestLink(links);
}

type StoredLink = typeof identityLinks.$inferSelect;

/** The identifiers a user's links are looked up by, most specific first. */
function identityKeys(user: ClaudeCodeUser): [IdentityKind, string][] {
  const keys: [IdentityKind, string][] = [];
  if (user.email) keys.push(['email', user.email.toLowerCase()]);
  if (user.accountUuid) keys.push(['account_uuid', user.accountUuid]);
  // `user.id` names a Claude Code installation, which people sharing a machine share: it identifies
  // someone only when nothing more specific does.
  if (user.userId && keys.length === 0) keys.push(['user_id', user.userId]);
  return keys;
}

function bestLink(links: StoredLink[]): { githubLogin: string; source: IdentitySource } | undefined {
  // The most specific identifier decides (an account, then an email); within it, the strongest source.
  links.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      IDENTITY_SOURCE_STRENGTH.indexOf(a.source) - IDENTITY_SOURCE_STRENGTH.indexOf(b.source) ||
      a.id - b.id,
  );
  const best = links[0];
  return best ? { githubLogin: best.githubLogin, source: best.source } : undefined;
}

/**
 * `resolveGitHubLogin` of many users in one statement: the answer for each user, in the order
 * given (undefined for one unlinked).
 */
export async function resolveGitHubLogins(
  tx: Tx,
  org: string,
  users: readonly ClaudeCodeUser[],
): Promise<({ githubLogin: string; source: IdentitySource } | undefined)[]> {
  const keysOf = users.map(identityKeys);
  const pairs = [...new Map(keysOf.flat().map(([kind, value]) => [`${kind}\u0000${value}`, [kind, value] as [string, string]])).values()];
  const byKey = new Map<string, StoredLink[]>();
  if (pairs.length > 0) {
    const links = await tx
      .select()
      .from(identityLinks)
      .where(and(eq(identityLinks.org, org), tx.dialect.anyPairOf(identityLinks.kind, identityLinks.value, pairs)));
    for (const link of links) {
      const key = `${link.kind}\u0000${link.value}`;
      byKey.set(key, [...(byKey.get(key) ?? []), link]);
    }
  }
  return keysOf.map((keys) => bestLink(keys.flatMap(([kind, value]) => byKey.get(`${kind}\u0000${value}`) ?? [])));
}

/**
 * Learns links from GitHub's view of commits: a commit a session reported making (its sha's
 * GitHub author) links that session's user to the author (`commit`); a session user whose email
 * is a commit author email seen in the org links to that author (`email_match`). Limit the work
 * to some sessions or some commit shas when only those changed.
 */
export async function learnIdentityLinks(
  tx: Tx,
  org: string,
  scope: { sessionIds?: string[]; shas?: string[] } = {},
  now = new Date().toISOString(),
): Promise<number> {
  let learned = 0;
  const links: IdentityLink[] = [];
  const link = (user: ClaudeCodeUser, githubLogin: string, source: IdentitySource) => {
    const pairs: [IdentityKind, string | null | undefined][] = [
      ['email', user.email?.toLowerCase()],
      ['account_uuid', user.accountUuid],
      ['user_id', user.userId],
    ];
    for (const [kind, value] of pairs) {
      if (!value) continue;
      links.push({ org, kind, value, githubLogin, source, createdAt: now });
      learned++;
    }
  };

  // Commits sessions made: session_commits holds short or full shas; GitHub has full ones. The
  // scope's lists are bound as one parameter each, however many sessions or shas they name.
  const sessionFilter = scope.sessionIds ? tx.dialect.anyOf(sessionCommits.sessionId, scope.sessionIds) : undefined;
  const shaFilter = scope.shas ? tx.dialect.anyOf(commits.sha, scope.shas) : undefined;
  const madeBySessions = await tx
    .select({
      email: claudeSessions.userEmail,
      accountUuid: claudeSessions.userAccountUuid,
      userId: claudeSessions.userId,
      authorLogin: commits.authorLogin,
    })
    .from(sessionCommits)
    .innerJoin(claudeSessions, and(eq(claudeSessions.org, sessionCommits.org), eq(claudeSessions.id, sessionCommits.sessionId)))
    .innerJoin(commits, sql`${commits.sha} >= ${sessionCommits.sha} AND ${commits.sha} < ${sessionCommits.sha} || 'g'`)
    .innerJoin(repositories, eq(repositories.id, commits.repositoryId))
    .where(
      and(
        eq(sessionCommits.org, org),
        sql`lower(${repositories.ownerLogin}) = lower(${org})`,
        sql`${commits.authorLogin} IS NOT NULL`,
        sessionFilter,
        shaFilter,
      ),
    );
  for (const row of madeBySessions) link(row, row.authorLogin!, 'commit');

  // Session users whose email is a commit author email seen in the org.
  const byEmail = await tx
    .selectDistinct({ email: claudeSessions.userEmail, authorLogin: commits.authorLogin })
    .from(claudeSessions)
    .innerJoin(commits, sql`lower(${commits.authorEmail}) = ${claudeSessions.userEmail}`)
    .innerJoin(repositories, eq(repositories.id, commits.repositoryId))
    .where(
      and(
        eq(claudeSessions.org, org),
        sql`lower(${repositories.ownerLogin}) = lower(${org})`,
        sql`${commits.authorLogin} IS NOT NULL`,
        scope.sessionIds ? tx.dialect.anyOf(claudeSessions.id, scope.sessionIds) : undefined,
        shaFilter,
      ),
    );
  for (const row of byEmail) link({ email: row.email }, row.authorLogin!, 'email_match');
  await linkIdentities(tx, links);
  return learned;
}

export async function listIdentityLinks(tx: Tx, org: string) {
  return await tx.select().from(identityLinks).where(eq(identityLinks.org, org.toLowerCase())).orderBy(identityLinks.githubLogin, identityLinks.kind);
}

/** Removes an admin's link; links learned from data are relearned by the next run, so only admin links go. */
export async function removeAdminLink(tx: Tx, org: string, kind: IdentityKind, value: string): Promise<boolean> {
  const removed = await tx
    .delete(identityLinks)
    .where(and(eq(identityLinks.org, org.toLowerCase()), eq(identityLinks.kind, kind), eq(identityLinks.value, value), eq(identityLinks.source, 'admin')))
    .returning({ id: identityLinks.id });
  if (removed.length > 0) await markForProcessing(tx, [identityMark({ org: org.toLowerCase(), kind, value })], new Date().toISOString());
  return removed.length > 0;
}
