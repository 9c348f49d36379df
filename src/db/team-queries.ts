import type { Db } from './client.js';
import { emptyMetrics, METRIC_COLUMN_NAMES, METRIC_KEYS } from './daily-metrics.js';
import type { MetricTotals, UserTotals } from './metrics-queries.js';
import { statement } from './statement-cache.js';

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
 * SQL that is true when the person `userKey` was in the team on `day` (both SQL expressions);
 * it takes the parameters `teamParams(org, slug)`.
 */
export const inTeamSql = (userKey: string, day: string) =>
  `(${userKey} IN (SELECT tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = ? AND tg.slug = ?)
    OR EXISTS (SELECT 1 FROM daily_user_teams tt WHERE tt.org = ? AND tt.team = ? AND tt.day = ${day} AND tt.user_key = ${userKey}))`;

export const teamParams = (org: string, slug: string) => [org, slug, org, slug];

/** The org's team by this slug: a GitHub team, else a team named by telemetry on any day; undefined when neither. */
export function findTeam(db: Db, org: string, slug: string): Team | undefined {
  const github = statement(db, 'SELECT slug, name FROM github_teams WHERE org = ? AND slug = ?').get(org, slug) as { slug: string; name: string } | undefined;
  if (github) return { ...github, source: 'github' };
  const telemetry = statement(db, 'SELECT team FROM daily_user_teams WHERE org = ? AND team = ? LIMIT 1').get(org, slug);
  return telemetry ? { slug, name: slug, source: 'telemetry' } : undefined;
}

/** Every team of the org: its GitHub teams and the telemetry teams seen in the range, by slug. */
export function teamsOf(db: Db, org: string, fromDay: string, toDay: string): Team[] {
  const github = statement(db, 'SELECT slug, name FROM github_teams WHERE org = ? ORDER BY slug').all(org) as { slug: string; name: string }[];
  const named = new Set(github.map((t) => t.slug));
  const telemetry = (
    statement(db, 'SELECT DISTINCT team FROM daily_user_teams WHERE org = ? AND day >= ? AND day <= ? ORDER BY team').all(org, fromDay, toDay) as { team: string }[]
  ).filter((t) => !named.has(t.team));
  return [
    ...github.map((t) => ({ ...t, source: 'github' as const })),
    ...telemetry.map((t) => ({ slug: t.team, name: t.team, source: 'telemetry' as const })),
  ].sort((a, b) => a.slug.localeCompare(b.slug));
}

const SUMS = METRIC_KEYS.map((k) => `coalesce(sum(u.${METRIC_COLUMN_NAMES[k]}), 0) AS ${k}`).join(', ');

/**
 * The person-days of one team (`@team`) in [@from, @to] as a CTE `team_days (day, user_key)`: its
 * GitHub members' days with figures, and the days telemetry placed people in it, each once. The
 * CROSS JOINs fix the join order (members first, then their days by the (org, user_key, day)
 * index): SQLite's planner otherwise scans every person-day of the range once per member.
 */
const TEAM_DAYS = `team_days AS (
    SELECT u.day AS day, u.user_key AS user_key
    FROM github_teams tg CROSS JOIN github_team_members tm CROSS JOIN daily_user_metrics u
    WHERE tg.org = @org AND tg.slug = @team AND tm.org = tg.org AND tm.team_id = tg.id
      AND u.org = tm.org AND u.user_key = tm.user_key AND u.day >= @from AND u.day <= @to
    UNION
    SELECT day, user_key FROM daily_user_teams WHERE org = @org AND team = @team AND day >= @from AND day <= @to)`;

/** The team's person-days joined to their figures (`u`). */
const TEAM_ROWS = `team_days t CROSS JOIN daily_user_metrics u ON u.org = @org AND u.day = t.day AND u.user_key = t.user_key`;

/** The team's totals over the range: its people's person-days summed; active users are its people active on any day, each once. */
export function teamTotals(db: Db, org: string, slug: string, fromDay: string, toDay: string): MetricTotals {
  const { activeUsersOnce, ...totals } = statement(
    db,
    `WITH ${TEAM_DAYS} SELECT ${SUMS}, count(DISTINCT CASE WHEN u.active_users > 0 THEN u.user_key END) AS activeUsersOnce FROM ${TEAM_ROWS}`,
  ).get({ org, team: slug, from: fromDay, to: toDay }) as MetricTotals & { activeUsersOnce: number };
  return { ...totals, activeUsers: activeUsersOnce };
}

/** The team's figures per day of the range (days without any left out); active users are the day's active people of the team. */
export function teamDays(db: Db, org: string, slug: string, fromDay: string, toDay: string): Map<string, MetricTotals> {
  const rows = statement(db, `WITH ${TEAM_DAYS} SELECT u.day AS day, ${SUMS} FROM ${TEAM_ROWS} GROUP BY u.day ORDER BY u.day`).all({
    org,
    team: slug,
    from: fromDay,
    to: toDay,
  }) as (MetricTotals & { day: string })[];
  return new Map(rows.map(({ day, ...m }) => [day, m]));
}

/** The team's people over the range, each with their figures of the days they were in the team, by user key after `afterKey`. */
export function teamUserTotals(
  db: Db,
  org: string,
  slug: string,
  fromDay: string,
  toDay: string,
  page: { afterKey?: string | undefined; limit: number },
): UserTotals[] {
  const rows = statement(
    db,
    `WITH ${TEAM_DAYS}
     SELECT u.user_key AS userKey, max(u.github_login) AS githubLogin, max(u.email) AS email, ${SUMS}
     FROM ${TEAM_ROWS} WHERE u.user_key > @after
     GROUP BY u.user_key ORDER BY u.user_key LIMIT @limit`,
  ).all({ org, team: slug, from: fromDay, to: toDay, after: page.afterKey ?? '', limit: page.limit }) as UserTotals[];
  for (const r of rows) r.activeUsers = r.activeUsers > 0 ? 1 : 0;
  return rows;
}

/**
 * Per repository over the range, of the team's people only: merged PRs and committed lines from
 * the attributions (bots apart, as in every rollup), PRs opened from the PRs' creation day.
 */
export function teamRepositoryTotals(db: Db, org: string, slug: string, fromDay: string, toDay: string): (MetricTotals & { repository: string })[] {
  const contributed = statement(
    db,
    `SELECT a.repository AS repository,
       sum(a.pull_request_id IS NOT NULL) AS merged, sum(a.pull_request_id IS NOT NULL AND a.with_claude_code) AS withClaudeCode,
       sum(a.lines_added) AS lines, sum(a.lines_with_claude_code) AS linesWith
     FROM attributions a WHERE a.org = ? AND a.day >= ? AND a.day <= ? AND NOT a.is_bot AND ${inTeamSql('lower(a.author_login)', 'a.day')}
     GROUP BY a.repository`,
  ).all(org, fromDay, toDay, ...teamParams(org, slug)) as { repository: string; merged: number; withClaudeCode: number; lines: number; linesWith: number }[];
  const opened = statement(
    db,
    `SELECT lower(r.full_name) AS repository, count(*) AS n FROM pull_requests p JOIN repositories r ON r.id = p.repository_id
     WHERE lower(r.owner_login) = lower(?) AND p.created_at >= ? AND p.created_at < ? AND NOT p.author_is_bot
       AND ${inTeamSql('lower(p.author_login)', 'substr(p.created_at, 1, 10)')}
     GROUP BY lower(r.full_name)`,
  ).all(org, fromDay, `${toDay}T24`, ...teamParams(org, slug)) as { repository: string; n: number }[];
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
export function allTeamTotals(db: Db, org: string, fromDay: string, toDay: string): Map<string, MetricTotals & { people: number }> {
  const params = { org, from: fromDay, to: toDay };
  const active = 'count(DISTINCT CASE WHEN u.active_users > 0 THEN u.user_key END) AS activeUsersOnce';
  // GitHub teams: their members' days.
  const github = statement(
    db,
    `SELECT tg.slug AS team, ${SUMS}, ${active}
     FROM github_teams tg CROSS JOIN github_team_members tm CROSS JOIN daily_user_metrics u
     WHERE tg.org = @org AND tm.org = tg.org AND tm.team_id = tg.id
       AND u.org = tm.org AND u.user_key = tm.user_key AND u.day >= @from AND u.day <= @to
     GROUP BY tg.slug`,
  ).all(params) as (MetricTotals & { team: string; activeUsersOnce: number })[];
  // Telemetry teams: the days telemetry placed people in them, but not a GitHub team's own members
  // (counted above on every day): the two sets of people are apart, so their sums and counts add.
  const telemetry = statement(
    db,
    `SELECT tt.team AS team, ${SUMS}, ${active}
     FROM daily_user_teams tt CROSS JOIN daily_user_metrics u ON u.org = tt.org AND u.day = tt.day AND u.user_key = tt.user_key
     WHERE tt.org = @org AND tt.day >= @from AND tt.day <= @to
       AND NOT EXISTS (SELECT 1 FROM github_teams tg JOIN github_team_members tm ON tm.org = tg.org AND tm.team_id = tg.id
                       WHERE tg.org = @org AND tg.slug = tt.team AND tm.user_key = tt.user_key)
     GROUP BY tt.team`,
  ).all(params) as (MetricTotals & { team: string; activeUsersOnce: number })[];
  const people = statement(
    db,
    `SELECT team, count(*) AS n FROM (
       SELECT tg.slug AS team, tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = @org
       UNION SELECT team, user_key FROM daily_user_teams WHERE org = @org AND day >= @from AND day <= @to)
     GROUP BY team`,
  ).all(params) as { team: string; n: number }[];
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
export function teamPersonDays(db: Db, org: string, slug: string, fromDay: string, toDay: string): { githubMembers: Set<string>; telemetryDays: Set<string> } {
  const githubMembers = new Set(
    (
      statement(
        db,
        'SELECT tm.user_key AS userKey FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = ? AND tg.slug = ?',
      ).all(org, slug) as { userKey: string }[]
    ).map((r) => r.userKey),
  );
  const telemetryDays = new Set(
    (
      statement(db, 'SELECT user_key AS userKey, day FROM daily_user_teams WHERE org = ? AND team = ? AND day >= ? AND day <= ?').all(org, slug, fromDay, toDay) as {
        userKey: string;
        day: string;
      }[]
    ).map((r) => `${r.userKey}\u0000${r.day}`),
  );
  return { githubMembers, telemetryDays };
}

/** Whether `login` was in the team on `day`, by `teamPersonDays`. */
export const isInTeamOn = (team: ReturnType<typeof teamPersonDays>, login: string, day: string) =>
  team.githubMembers.has(login.toLowerCase()) || team.telemetryDays.has(`${login.toLowerCase()}\u0000${day}`);

/**
 * The org's members (stored list) with no Claude Code telemetry in the range, by login; null when
 * the member list is unknown (never fetched: no GitHub App credentials, or not yet run). With a
 * team: its GitHub members only (a telemetry team's people had telemetry, by definition).
 */
export function membersWithoutTelemetry(db: Db, org: string, fromDay: string, toDay: string, team?: string): { login: string }[] | null {
  const listed = statement(db, 'SELECT members_listed_at AS at FROM org_settings WHERE org = ?').get(org) as { at: string | null } | undefined;
  if (!listed?.at) return null;
  const inTeam =
    team === undefined
      ? ''
      : 'AND m.user_key IN (SELECT tm.user_key FROM github_team_members tm JOIN github_teams tg ON tg.org = tm.org AND tg.id = tm.team_id WHERE tg.org = ? AND tg.slug = ?)';
  return statement(
    db,
    `SELECT m.login AS login FROM org_members m
     WHERE m.org = ? AND NOT EXISTS (
       SELECT 1 FROM daily_user_metrics u WHERE u.org = m.org AND u.user_key = m.user_key AND u.day >= ? AND u.day <= ? AND u.active_users > 0)
     ${inTeam}
     ORDER BY m.user_key`,
  ).all(org, fromDay, toDay, ...(team === undefined ? [] : [org, team])) as { login: string }[];
}
