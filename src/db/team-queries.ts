import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { emptyMetrics, METRIC_COLUMN_NAMES, METRIC_KEYS } from './daily-metrics.js';
import type { MetricTotals, UserTotals } from './metrics-queries.js';

/*
 * Figures restricted to one team (spec: Teams). A team's people on a day are its GitHub team's
 * members (as listed now) and whoever sent telemetry with that `team` attribute that day; a team's
 * figures are the sums of its people's person-days (`daily_user_metrics`), so a PR counts for a
 * team when its author was in the team on the merge day, and a person in several teams counts in
 * each. Org totals are never sums of teams: they stay the org's own rollup.
 */

/** Where a team comes from: a GitHub team (it may also be named in telemetry), or only telemetry's `team` attribute. */
export type TeamSource = 'github' | 'telemetry';

export interface Team {
  slug: string;
  name: string;
  source: TeamSource;
}

/**
 * SQL that is true when the person `userKey` was in the org's team `slug` on `day` (`userKey` and
 * `day` are SQL expressions: constant text of the calling query, never input).
 */
export const inTeamSql = (userKey: string, day: string, org: string, slug: string): SQL => {
  const person = sql.raw(userKey);
  return sql`(${person} IN (SELECT tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = ${org} AND tg.slug = ${slug})
    OR EXISTS (SELECT 1 FROM daily_user_teams tt WHERE tt.org = ${org} AND tt.team = ${slug} AND tt.day = ${sql.raw(day)} AND tt.user_key = ${person}))`;
};

/**
 * Whether a name from outside (a path's login or repository, a team asked for) can name nothing stored: PostgreSQL's
 * text holds no NUL character (a parameter with one is an error, not a miss), so no stored key has
 * one, and such a name is answered as unknown on both engines before it reaches the database.
 */
export const namesNothingStored = (name: string): boolean => name.includes('\u0000');

/** The org's team by this slug: a GitHub team, else a team named by telemetry on any day; undefined when neither. */
export async function findTeam(db: Db, org: string, slug: string): Promise<Team | undefined> {
  if (namesNothingStored(slug)) return undefined;
  const github = await db.get<{ slug: string; name: string }>(sql`SELECT slug, name FROM github_teams WHERE org = ${org} AND slug = ${slug}`);
  if (github) return { ...github, source: 'github' };
  const telemetry = await db.get(sql`SELECT team FROM daily_user_teams WHERE org = ${org} AND team = ${slug} LIMIT 1`);
  return telemetry ? { slug, name: slug, source: 'telemetry' } : undefined;
}

/** Every team of the org: its GitHub teams and the telemetry teams seen in the range, by slug. */
export async function teamsOf(db: Db, org: string, fromDay: string, toDay: string): Promise<Team[]> {
  const github = await db.all<{ slug: string; name: string }>(sql`SELECT slug, name FROM github_teams WHERE org = ${org} ORDER BY slug`);
  const named = new Set(github.map((t) => t.slug));
  const telemetry = (
    await db.all<{ team: string }>(sql`SELECT DISTINCT team FROM daily_user_teams WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay} ORDER BY team`)
  ).filter((t) => !named.has(t.team));
  return [
    ...github.map((t) => ({ ...t, source: 'github' as const })),
    ...telemetry.map((t) => ({ slug: t.team, name: t.team, source: 'telemetry' as const })),
  ].sort((a, b) => a.slug.localeCompare(b.slug));
}

const SUMS = sql.raw(METRIC_KEYS.map((k) => `coalesce(sum(u.${METRIC_COLUMN_NAMES[k]}), 0) AS "${k}"`).join(', '));

/**
 * The person-days of one team in [from, to] as a CTE `team_days (day, user_key)`: its GitHub
 * members' days with figures, and the days telemetry placed people in it, each once. The CROSS
 * JOINs (their conditions in WHERE, which both engines read) fix SQLite's join order (members
 * first, then their days by the (org, user_key, day) index): its planner otherwise scans every
 * person-day of the range once per member. PostgreSQL's planner orders them itself.
 */
const teamDaysCte = (org: string, slug: string, fromDay: string, toDay: string) => sql`team_days AS (
    SELECT u.day AS day, u.user_key AS user_key
    FROM github_teams tg CROSS JOIN github_team_members tm CROSS JOIN daily_user_metrics u
    WHERE tg.org = ${org} AND tg.slug = ${slug} AND tm.org = tg.org AND tm.team_id = tg.id
      AND u.org = tm.org AND u.user_key = tm.user_key AND u.day >= ${fromDay} AND u.day <= ${toDay}
    UNION
    SELECT day, user_key FROM daily_user_teams WHERE org = ${org} AND team = ${slug} AND day >= ${fromDay} AND day <= ${toDay})`;

/** The team's person-days joined to their figures (`u`): a FROM with its WHERE, to which a caller adds `AND …`. */
const teamRows = (org: string) => sql`team_days t CROSS JOIN daily_user_metrics u WHERE u.org = ${org} AND u.day = t.day AND u.user_key = t.user_key`;

/** The team's totals over the range: its people's person-days summed; active users are its people active on any day, each once. */
export async function teamTotals(db: Db, org: string, slug: string, fromDay: string, toDay: string): Promise<MetricTotals> {
  const { activeUsersOnce, ...totals } = (await db.get<MetricTotals & { activeUsersOnce: number }>(
    sql`WITH ${teamDaysCte(org, slug, fromDay, toDay)}
        SELECT ${SUMS}, count(DISTINCT CASE WHEN u.active_users > 0 THEN u.user_key END) AS "activeUsersOnce" FROM ${teamRows(org)}`,
  ))!;
  return { ...totals, activeUsers: activeUsersOnce };
}

/** The team's figures per day of the range (days without any left out); active users are the day's active people of the team. */
export async function teamDays(db: Db, org: string, slug: string, fromDay: string, toDay: string): Promise<Map<string, MetricTotals>> {
  const rows = await db.all<MetricTotals & { day: string }>(
    sql`WITH ${teamDaysCte(org, slug, fromDay, toDay)} SELECT u.day AS day, ${SUMS} FROM ${teamRows(org)} GROUP BY u.day ORDER BY u.day`,
  );
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

/** The team's people over the range, each with their figures of the days they were in the team, by user key after `afterKey`. */
export async function teamUserTotals(
  db: Db,
  org: string,
  slug: string,
  fromDay: string,
  toDay: string,
  page: { afterKey?: string | undefined; limit: number },
): Promise<UserTotals[]> {
  const rows = await db.all<UserTotals>(
    sql`WITH ${teamDaysCte(org, slug, fromDay, toDay)}
        SELECT u.user_key AS "userKey", max(u.github_login) AS "githubLogin", max(u.email) AS email, ${SUMS}
        FROM ${teamRows(org)} AND u.user_key > ${page.afterKey ?? ''}
        GROUP BY u.user_key ORDER BY u.user_key LIMIT ${page.limit}`,
  );
  for (const r of rows) r.activeUsers = r.activeUsers > 0 ? 1 : 0;
  return rows;
}

/**
 * Per repository over the range, of the team's people only: merged PRs and committed lines from
 * the attributions (bots apart, as in every rollup), PRs opened from the PRs' creation day.
 */
export async function teamRepositoryTotals(db: Db, org: string, slug: string, fromDay: string, toDay: string): Promise<(MetricTotals & { repository: string })[]> {
  // Conditions are counted with CASE: PostgreSQL has no sum(boolean).
  const contributed = await db.all<{ repository: string; merged: number; withClaudeCode: number; lines: number; linesWith: number }>(
    sql`SELECT a.repository AS repository,
          sum(CASE WHEN a.pull_request_id IS NOT NULL THEN 1 ELSE 0 END) AS merged,
          sum(CASE WHEN a.pull_request_id IS NOT NULL AND a.with_claude_code THEN 1 ELSE 0 END) AS "withClaudeCode",
          sum(a.lines_added) AS lines, sum(a.lines_with_claude_code) AS "linesWith"
        FROM attributions a
        WHERE a.org = ${org} AND a.day >= ${fromDay} AND a.day <= ${toDay} AND NOT a.is_bot AND ${inTeamSql('lower(a.author_login)', 'a.day', org, slug)}
        GROUP BY a.repository`,
  );
  const opened = await db.all<{ repository: string; n: number }>(
    sql`SELECT lower(r.full_name) AS repository, count(*) AS n FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
        WHERE lower(r.owner_login) = lower(${org}) AND p.created_at >= ${fromDay} AND p.created_at < ${`${toDay}T24`} AND NOT p.author_is_bot
          AND ${inTeamSql('lower(p.author_login)', 'substr(p.created_at, 1, 10)', org, slug)}
        GROUP BY lower(r.full_name)`,
  );
  const rows = new Map<string, MetricTotals & { repository: string }>();
  const row = (repository: string) => {
    let r = rows.get(repository);
    if (!r) rows.set(repository, (r = { ...emptyMetrics(), repository }));
    return r;
  };
  for (const c of contributed) {
    const r = row(c.repository);
    r.pullRequestsMerged = c.merged;
    r.pullRequestsWithClaudeCode = c.withClaudeCode;
    r.pullRequestsWithoutClaudeCode = c.merged - c.withClaudeCode;
    r.linesCommitted = c.lines;
    r.linesWithClaudeCode = c.linesWith;
    r.linesWithoutClaudeCode = c.lines - c.linesWith;
  }
  for (const o of opened) row(o.repository).pullRequestsOpened = o.n;
  return [...rows.values()].sort((a, b) => a.repository.localeCompare(b.repository));
}

/**
 * Every team's totals and people over the range, in one pass (the Teams page and `GET …/teams`):
 * the same figures as `teamTotals` per team, and each team's people, without a scan of the range per
 * team. A person-day that is in a team both as a GitHub member and by telemetry counts once in it.
 */
export async function allTeamTotals(db: Db, org: string, fromDay: string, toDay: string): Promise<Map<string, MetricTotals & { people: number }>> {
  const active = sql.raw('count(DISTINCT CASE WHEN u.active_users > 0 THEN u.user_key END) AS "activeUsersOnce"');
  // GitHub teams: their members' days.
  const github = await db.all<MetricTotals & { team: string; activeUsersOnce: number }>(
    sql`SELECT tg.slug AS team, ${SUMS}, ${active}
        FROM github_teams tg CROSS JOIN github_team_members tm CROSS JOIN daily_user_metrics u
        WHERE tg.org = ${org} AND tm.org = tg.org AND tm.team_id = tg.id
          AND u.org = tm.org AND u.user_key = tm.user_key AND u.day >= ${fromDay} AND u.day <= ${toDay}
        GROUP BY tg.slug`,
  );
  // Telemetry teams: the days telemetry placed people in them, but not a GitHub team's own members
  // (counted above on every day): the two sets of people are apart, so their sums and counts add.
  const telemetry = await db.all<MetricTotals & { team: string; activeUsersOnce: number }>(
    sql`SELECT tt.team AS team, ${SUMS}, ${active}
        FROM daily_user_teams tt CROSS JOIN daily_user_metrics u
        WHERE u.org = tt.org AND u.day = tt.day AND u.user_key = tt.user_key
          AND tt.org = ${org} AND tt.day >= ${fromDay} AND tt.day <= ${toDay}
          AND NOT EXISTS (SELECT 1 FROM github_teams tg JOIN github_team_members tm ON tm.org = tg.org AND tm.team_id = tg.id
                          WHERE tg.org = ${org} AND tg.slug = tt.team AND tm.user_key = tt.user_key)
        GROUP BY tt.team`,
  );
  const people = await db.all<{ team: string; n: number }>(
    sql`SELECT team, count(*) AS n FROM (
          SELECT tg.slug AS team, tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = ${org}
          UNION SELECT team, user_key FROM daily_user_teams WHERE org = ${org} AND day >= ${fromDay} AND day <= ${toDay}) AS members
        GROUP BY team`,
  );
  const out = new Map<string, MetricTotals & { people: number }>();
  const of = (team: string) => {
    let totals = out.get(team);
    if (!totals) out.set(team, (totals = { ...emptyMetrics(), people: 0 }));
    return totals;
  };
  for (const { team, activeUsersOnce, ...m } of [...github, ...telemetry]) {
    const totals = of(team);
    for (const k of METRIC_KEYS) if (k !== 'activeUsers') totals[k] += m[k];
    // People active on any day of the range, each once (the rows' sum counts person-days).
    totals.activeUsers += activeUsersOnce;
  }
  for (const p of people) of(p.team).people = p.n;
  return out;
}

/** Person-days in the team over the range, as `userKey\u0000day` (for filtering rows read elsewhere, e.g. outcomes). */
export interface TeamPersonDays {
  githubMembers: Set<string>;
  telemetryDays: Set<string>;
}

export async function teamPersonDays(db: Db, org: string, slug: string, fromDay: string, toDay: string): Promise<TeamPersonDays> {
  const githubMembers = new Set(
    (
      await db.all<{ userKey: string }>(
        sql`SELECT tm.user_key AS "userKey" FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id
            WHERE tg.org = ${org} AND tg.slug = ${slug}`,
      )
    ).map((r) => r.userKey),
  );
  const telemetryDays = new Set(
    (
      await db.all<{ userKey: string; day: string }>(
        sql`SELECT user_key AS "userKey", day FROM daily_user_teams WHERE org = ${org} AND team = ${slug} AND day >= ${fromDay} AND day <= ${toDay}`,
      )
    ).map((r) => `${r.userKey}\u0000${r.day}`),
  );
  return { githubMembers, telemetryDays };
}

/** Whether `login` was in the team on `day`, by `teamPersonDays`. */
export const isInTeamOn = (team: TeamPersonDays, login: string, day: string) =>
  team.githubMembers.has(login.toLowerCase()) || team.telemetryDays.has(`${login.toLowerCase()}\u0000${day}`);

/**
 * The org's members (stored list) with no Claude Code telemetry in the range, by login; null when
 * the member list is unknown (never fetched: no GitHub App credentials, or not yet run). With a
 * team: its GitHub members only (a telemetry team's people had telemetry, by definition).
 */
export async function membersWithoutTelemetry(db: Db, org: string, fromDay: string, toDay: string, team?: string): Promise<{ login: string }[] | null> {
  const listed = await db.get<{ at: string | null }>(sql`SELECT members_listed_at AS at FROM org_settings WHERE org = ${org}`);
  if (!listed?.at) return null;
  const inTeam =
    team === undefined
      ? sql``
      : sql`AND m.user_key IN (SELECT tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id
                               WHERE tg.org = ${org} AND tg.slug = ${team})`;
  return db.all<{ login: string }>(
    sql`SELECT m.login AS login FROM org_members m
        WHERE m.org = ${org} AND NOT EXISTS (
          SELECT 1 FROM daily_user_metrics u WHERE u.org = m.org AND u.user_key = m.user_key AND u.day >= ${fromDay} AND u.day <= ${toDay} AND u.active_users > 0)
        ${inTeam}
        ORDER BY m.user_key`,
  );
}
