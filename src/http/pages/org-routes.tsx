import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.js';
import type { Db } from '../../db/client.js';
import { listIdentityLinks, removeAdminLink } from '../../db/identity-links.js';
import { createIngestToken, listIngestTokens, revokeIngestToken } from '../../db/ingest-tokens.js';
import {
  dataProcessedAt,
  hasTelemetry,
  knownRepository,
  knownUser,
  lastActiveDays,
  pullRequestList,
  processedDays,
  pullRequestListCount,
  repositoryTotal,
  repositoryTotals,
} from '../../db/metrics-queries.js';
import { activeInstallation, getOrgSettings, setMembersSeeSpend, setViewerTeams } from '../../db/org-settings.js';
import { processingStamp } from '../../metrics/remembered-reports.js';
import { pendingMarkCount } from '../../db/processing-marks.js';
import { lastRunsOf } from '../../db/rollups.js';
import { linkIdentity } from '../../db/telemetry-store.js';
import type { WebSession } from '../../db/web-sessions.js';
import { allUserRows, dailyRow, personDays, personTotals, previousPeriod, pullRequestRow, repositoryRow, scopeUsers, USER_COLUMNS, userRow, usersCsvName } from '../../metrics/report.js';
import { dayCount, dayOf, daysOf, isCalendarDate, lastDays, periodStarts, type DayRange } from '../../utc-days.js';
import { emptyMetrics } from '../../db/daily-metrics.js';
import type { Processor } from '../../processing/processor.js';
import { spendReportRange } from '../../db/usage-queries.js';
import { toCsv } from '../../metrics/csv.js';
import { ApiError } from '../errors.js';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH } from '../../telemetry/ingest-bounds.js';
import { outcomesReportOnce } from '../../metrics/outcomes-report.js';
import { durabilityReportOnce } from '../../metrics/durability-report.js';
import { spendReportCsv, spendReportFilename } from '../../metrics/spend-report.js';
import { resolveRange } from '../api/schemas.js';
import type { OrgAccess, OrgRole } from '../auth/org-access.js';
import { appOrigin, isHttps, type WebEnv } from '../auth/sign-in-routes.js';
import { filterParams, type OrgPageFrame, type RangePreset } from './components.js';
import { MessagePage } from './layout.js';
import { refusalPage } from './refusal-page.js';
import { OverviewPage, overviewModel } from './overview-page.js';
import { isPeopleSort, PEOPLE_COLUMNS, PeoplePage, searchPeople, sortPeople, type PeopleSort, type SortDirection } from './people-page.js';
import { PersonPage } from './person-page.js';
import { RepositoryPage } from './repository-page.js';
import { RepositoriesPage } from './repositories-page.js';
import { PullRequestsPage, type PullRequestFilter } from './pull-requests-page.js';
import { RevokeConfirmPage, SettingsPage, type CreatedSecret, type SettingsPageProps } from './settings-page.js';
import { secretFlash } from './secret-flash.js';
import { ownProperty } from '../../own-property.js';
import { findTeam, membersWithoutTelemetry, teamRepositoryTotals, teamsOf, teamUserTotals } from '../../db/team-queries.js';
import { teamsReport } from '../../metrics/teams-report.js';
import { teamsChangedAt } from '../../db/teams.js';
import { TeamsPage } from './teams-page.js';
import { pageModels } from './page-models.js';

/*
 * The metrics pages under /orgs/{org}: overview, people, one person, pull requests, settings.
 * Each asks, in order: who is signed in, is the app installed on the org, what may this person
 * see, has anything been processed. Figures come from the same report rows as the API.
 */

export interface OrgPagesDeps {
  db: Db;
  log: Logger;
  /** Absent when the app has no GitHub credentials: nobody's access can be checked. */
  access: OrgAccess | undefined;
  now: () => Date;
  publicUrl: string | undefined;
  githubWebUrl: string;
  /** Starts a processing run of the org, or says another run is alive. */
  processor: Pick<Processor, 'start'>;
  /** The org's seats (SEATS, else its GitHub member count); null when unknown. */
  seats?: ((org: string) => Promise<number | null> | number | null) | undefined;
  /** The org's DISCOUNT_PERCENT: net spend = gross × (1 − discount ÷ 100). */
  discountPercent?: ((org: string) => number) | undefined;
  /** PAGE_FRESH_WAIT_MS: how long a page waits for the figures of a run that just ended before it shows the earlier run's. */
  freshWaitMs?: number | undefined;
}

/** Who is looking at which org, with what they may see: set by the access middleware. */
interface OrgView {
  login: string;
  role: OrgRole;
  viewer: WebSession;
  spend: boolean;
}

interface PageRange {
  range: DayRange;
  preset: RangePreset;
}

type OrgEnv = { Variables: WebEnv['Variables'] & { org: OrgView; range: PageRange } };

const ORG_LOGIN = /^[a-z0-9](?:[a-z0-9-]{0,38})$/;
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
/** A PR's author: a GitHub login, or an app's bot account (`name[bot]`). */
const AUTHOR_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
/** `owner/name` as GitHub allows them. */
const REPOSITORY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** The cookie holding the handle of a secret just created (never the secret). */
const CREATED_COOKIE = 'ccm_created';
const PR_PAGE_SIZE = 50;
const PERSON_PR_LIMIT = 50;

const NOTICES: Record<string, { text: string; tone: 'ok' | 'bad' }> = {
  'access-saved': { text: 'Saved who can see the metrics.', tone: 'ok' },
  'token-revoked': { text: 'Ingest token revoked: Claude Code sending with it is refused from now on.', tone: 'ok' },
  'key-revoked': { text: 'API key revoked.', tone: 'ok' },
  'link-added': { text: 'Identity link added; the next processing run uses it.', tone: 'ok' },
  'link-removed': { text: 'Identity link removed; the next processing run goes without it.', tone: 'ok' },
  'processing-started': { text: 'Processing started; the runs below show when it ends.', tone: 'ok' },
  'processing-busy': { text: 'A processing run is already in progress; its results appear when it ends.', tone: 'bad' },
};

/** The date range of a page: a preset (`range=7d|30d|90d|mtd`) or `start_date`/`end_date`, with the API's rules. */
export function pageRange(query: Record<string, string>, now: Date): PageRange | string {
  const today = dayOf(now);
  const monthToDate = { startDate: periodStarts(today).month, endDate: today };
  const same = (a: DayRange, b: DayRange) => a.startDate === b.startDate && a.endDate === b.endDate;
  if (query.start_date || query.end_date) {
    const isDay = (v: string | undefined) => v === undefined || isCalendarDate(v);
    if (!isDay(query.start_date) || !isDay(query.end_date)) return 'Dates must be written YYYY-MM-DD.';
    const range = resolveRange({ start_date: query.start_date, end_date: query.end_date }, now);
    if (typeof range === 'string') return range;
    const preset = (['7d', '30d', '90d'] as const).find((p) => same(range, lastDays(today, Number.parseInt(p, 10))));
    return { range, preset: preset ?? (same(range, monthToDate) ? 'mtd' : 'custom') };
  }
  switch (query.range ?? '30d') {
    case '7d':
      return { range: lastDays(today, 7), preset: '7d' };
    case '30d':
      return { range: lastDays(today, 30), preset: '30d' };
    case '90d':
      return { range: lastDays(today, 90), preset: '90d' };
    case 'mtd':
      return { range: monthToDate, preset: 'mtd' };
    default:
      return `Unknown range "${query.range}": use 7d, 30d, 90d, mtd, or start_date and end_date.`;
  }
}

export function orgPages({ db, log, access, now, publicUrl, githubWebUrl, processor, seats = () => null, discountPercent = () => 0, freshWaitMs = 250 }: OrgPagesDeps) {
  const app = new Hono<OrgEnv>();

  /** Who may see what of the org: sets `org` on the context, or refuses with the page that says why not. */
  const orgAccess = ({ ownersOnly }: { ownersOnly: boolean }) =>
    createMiddleware<OrgEnv>(async (c, next) => {
      const login = (c.req.param('org') ?? '').toLowerCase();
      const viewer = c.get('viewer');
      if (!ORG_LOGIN.test(login)) {
        throw refusalPage(404, { title: 'No such organization', viewer, body: <p>"{login}" is not a GitHub organization name.</p> });
      }
      if (!viewer) {
        // Not signed in: a page answers by sending the person to sign in, then back here.
        const url = new URL(c.req.url);
        throw new ApiError(401, 'authentication_error', 'Sign in to see this page.', {}, (answer) =>
          answer.redirect(`/auth/sign-in?return_to=${encodeURIComponent(url.pathname + url.search)}`, 302),
        );
      }
      if (!(await activeInstallation(db, login))) {
        throw refusalPage(404, {
          title: 'GitHub app required',
          viewer,
          body: (
            <>
              <p>
                <strong>Install the GitHub app to view analytics.</strong> The app is not installed on <strong>{login}</strong> (or was uninstalled), so
                there is nothing to show yet.
              </p>
              <p>
                An owner of {login} installs it from the GitHub App's page (GitHub → Settings → Developer settings → GitHub Apps → the app → Install
                App) and chooses the repositories to measure. The pages fill in after the next processing run.
              </p>
            </>
          ),
        });
      }
      if (!access) {
        throw refusalPage(503, {
          title: 'GitHub App not configured',
          viewer,
          body: <p>This server has no GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET), so it cannot check who may see {login}.</p>,
        });
      }
      let role: OrgRole | null;
      try {
        role = await access.roleOf(login, viewer.githubLogin);
      } catch (error) {
        log.warn({ err: error, org: login }, 'access check failed');
        throw refusalPage(502, {
          title: 'GitHub did not answer',
          viewer,
          body: <p>Checking your access to {login} needs GitHub, which did not answer properly. Please reload in a moment.</p>,
        });
      }
      if (!role) {
        throw refusalPage(403, {
          title: 'No access',
          viewer,
          body: (
            <p>
              You are signed in as <strong>{viewer.githubLogin}</strong>, who may not see the metrics of {login}: they are open to the org's owners and
              to members of the teams its owners chose.
            </p>
          ),
        });
      }
      if (ownersOnly && role !== 'owner') {
        throw refusalPage(403, { title: 'Owners only', viewer, org: { login, role }, body: <p>Only owners of {login} manage its settings.</p> });
      }
      c.set('org', { login, role, viewer, spend: role === 'owner' || (await getOrgSettings(db, login)).membersSeeSpend });
      await next();
    });
  const member = orgAccess({ ownersOnly: false });
  const owner = orgAccess({ ownersOnly: true });

  /** A refused query parameter: a 400 page saying what is wrong, with a way back to the page without its parameters. */
  const refuseQuery = (c: Context<OrgEnv>, message: string, { title = 'Invalid parameter', back = 'Show this page without filters' } = {}): never => {
    const { login, role, viewer } = c.get('org');
    throw refusalPage(400, {
      title,
      viewer,
      org: { login, role },
      body: (
        <>
          <p>{message}</p>
          <p>
            <a href={c.req.path}>{back}</a>
          </p>
        </>
      ),
    });
  };
  /** The page's range, or a page saying what is wrong with it. */
  const rangeOf = (c: Context<OrgEnv>): PageRange => {
    const result = pageRange(c.req.query(), now());
    return typeof result !== 'string' ? result : refuseQuery(c, result, { title: 'Invalid date range', back: 'Show the last 30 days' });
  };
  /** Sets the page's `range` on the context. */
  const ranged = createMiddleware<OrgEnv>(async (c, next) => {
    c.set('range', rangeOf(c));
    await next();
  });

  /** A query parameter that may be absent or empty (a form's empty field); otherwise it must match `pattern`. */
  const optionalParam = (c: Context<OrgEnv>, name: string, pattern: RegExp, rule: string): string | undefined => {
    const values = c.req.queries(name) ?? [];
    if (values.length > 1) refuseQuery(c, `"${name}" is given more than once.`);
    const value = values[0]?.trim();
    if (!value) return undefined;
    if (!pattern.test(value)) refuseQuery(c, `"${value.slice(0, 100)}" is not a valid ${name}: ${rule}.`);
    return value;
  };

  /** The repository filter (`repository=owner/name`, kept between pages), lower case as the figures key it. */
  const repositoryFilterOf = (c: Context<OrgEnv>): string | undefined =>
    optionalParam(c, 'repository', REPOSITORY_NAME, 'a repository is written owner/name')?.toLowerCase();

  /**
   * The page's team filter (`team=slug`, spec: Teams): undefined when none is chosen; a malformed
   * one is a 400 page, a team the org does not have a 404 page.
   */
  const teamOf = async (c: Context<OrgEnv>): Promise<string | undefined> => {
    const team = optionalParam(c, 'team', /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'a team is a team slug (letters, digits, "-" and "_")')?.toLowerCase();
    if (team === undefined || (await findTeam(db, c.get('org').login, team))) return team;
    const { login, role, viewer } = c.get('org');
    throw refusalPage(404, {
      title: 'No such team',
      viewer,
      org: { login, role },
      body: (
        <>
          <p>
            {login} has no team "{team}": neither a GitHub team of the org nor a team its Claude Code telemetry named.
          </p>
          <p>
            <a href={`/orgs/${login}/teams`}>See the org's teams</a>
          </p>
        </>
      ),
    });
  };

  /** What a page of figures is drawn for: the org, who is looking, the range (with the team filter), the teams to choose from, the repository filter. */
  const frameOf = async (c: Context<OrgEnv>, { teamAndRepository = false } = {}): Promise<OrgPageFrame> => {
    const { login, role, viewer } = c.get('org');
    const { range, preset } = c.get('range');
    const teams = (await teamsOf(db, login, range.startDate, range.endDate)).map(({ slug, name }) => ({ slug, name }));
    const team = await teamOf(c);
    const repository = repositoryFilterOf(c);
    // A team's figures are its people's and a repository's are its PRs': the pages of figures narrow
    // to one or the other; only the PR list, a list of PRs, narrows to both.
    if (!teamAndRepository && team !== undefined && repository !== undefined) refuseQuery(c, 'Narrow the figures to a team or to a repository, not both.');
    return { org: login, role, viewer, range: { ...range, ...filterParams({ team }) }, preset, teams, repository };
  };

  /** Before the first processing run there are no numbers to show: say so instead of zeros. */
  const processed = createMiddleware<OrgEnv>(async (c, next) => {
    const ctx = c.get('org');
    if ((await dataProcessedAt(db, ctx.login)) !== null) return next();
    const telemetry = await hasTelemetry(db, ctx.login);
    return c.html(
      <MessagePage title="Data processing in progress" viewer={ctx.viewer} org={{ login: ctx.login, role: ctx.role, section: 'overview' }}>
        <p>
          The app is installed on {ctx.login} and collecting pull requests{telemetry ? ' and Claude Code telemetry' : ''}. The first
          numbers appear after the first processing run (daily, on the schedule).
        </p>
        {ctx.role === 'owner' ? (
          <p>
            Owners can start it now from the <a href={`/orgs/${ctx.login}/settings`}>settings page</a>.
          </p>
        ) : null}
      </MessagePage>,
      200,
    );
  });

  /** A team-filtered figure changes with the org's members and teams too (webhooks change them between runs). */
  const teamsStamp = async (org: string, team: string | undefined) => (team === undefined ? null : await teamsChangedAt(db, org));
  /*
   * A page's model is kept until the next processing run ends, for the same page, range, filters and
   * day (src/http/pages/page-models.ts): after a run, the overview is drawn from the earlier run's
   * model when the new one takes longer than PAGE_FRESH_WAIT_MS to compute (it says so).
   */
  const pageModel = pageModels({
    stamp: () => processingStamp(db),
    freshWaitMs,
    onBackgroundError: (error) => log.error({ err: error }, 'a page model failed to compute'),
  });
  const memo = async <T,>(parts: unknown[], compute: () => Promise<T> | T): Promise<T> => (await pageModel([...parts, dayOf(now())], compute)).value;

  app.get('/orgs/:org', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const team = await teamOf(c);
    const repository = repositoryFilterOf(c);
    const seatCount = await seats(ctx.login);
    const model = await pageModel(['overview', ctx.login, r.range, ctx.spend, seatCount, repository ?? null, team, await teamsStamp(ctx.login, team), dayOf(now())], () =>
      overviewModel(db, ctx.login, r.range, { spend: ctx.spend, seats: seatCount, today: dayOf(now()), repository, team }),
      { orEarlier: true },
    );
    return c.html(
      <OverviewPage
        {...await frameOf(c)}
        model={model.value}
        earlierFigures={model.earlier}
        spend={ctx.spend}
        telemetry={await hasTelemetry(db, ctx.login)}
        publicOrigin={appOrigin(c, publicUrl)}
      />,
    );
  });

  app.get('/orgs/:org/users.csv', member, ranged, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const columns = ctx.spend ? USER_COLUMNS : USER_COLUMNS.filter((col) => col !== 'cost_usd');
    const team = await teamOf(c);
    return c.body(toCsv(await allUserRows(db, ctx.login, r.range, team), columns), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${usersCsvName(ctx.login, r.range, team)}"`,
    });
  });

  app.get('/orgs/:org/spend-report.csv', member, async (c) => {
    const ctx = c.get('org');
    const nav = { login: ctx.login, role: ctx.role };
    if (!ctx.spend) {
      throw refusalPage(403, {
        title: 'Owners only',
        viewer: ctx.viewer,
        org: nav,
        body: <p>Spend in {ctx.login} is visible to its owners (and to members only when an owner allows it).</p>,
      });
    }
    const period = c.req.query('period') ?? 'month_to_date';
    let range: DayRange;
    if (period === 'custom') {
      range = rangeOf(c).range;
    } else if (period === 'month_to_date' || period === 'last_month' || period === 'last_90_days') {
      range = spendReportRange(period, dayOf(now()));
    } else {
      throw refusalPage(400, {
        title: 'Invalid period',
        viewer: ctx.viewer,
        org: nav,
        body: <p>Unknown period "{period}": use month_to_date, last_month, last_90_days or custom.</p>,
      });
    }
    return c.body(await spendReportCsv(db, ctx.login, range, { discountPercent: discountPercent(ctx.login) }), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${spendReportFilename(ctx.login, range)}"`,
    });
  });

  app.get('/orgs/:org/users', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const sortBy = optionalParam(c, 'sort', /^[a-z_]{1,40}$/, 'sort by one of the columns');
    if (sortBy !== undefined && (!isPeopleSort(sortBy) || (sortBy === 'cost_usd' && !ctx.spend))) {
      refuseQuery(c, `"${sortBy}" is not a column to sort by: use ${Object.keys(PEOPLE_COLUMNS).filter((k) => ctx.spend || k !== 'cost_usd').join(', ')}.`);
    }
    const dir = optionalParam(c, 'dir', /^(?:asc|desc)$/, 'the direction is asc or desc');
    const q = optionalParam(c, 'q', /^[^\u0000-\u001f]{1,100}$/, 'a search is 1 to 100 characters');
    const team = await teamOf(c);
    const repository = repositoryFilterOf(c);
    const everyone = await memo(['people', ctx.login, r.range, repository ?? null, team, await teamsStamp(ctx.login, team)], async () => {
      const lastActive = await lastActiveDays(db, ctx.login, r.range.endDate);
      const all = { limit: Number.MAX_SAFE_INTEGER };
      const totals =
        team === undefined ? await scopeUsers(db, ctx.login, r.range, repository) : await teamUserTotals(db, ctx.login, team, r.range.startDate, r.range.endDate, all);
      return totals.map((u) => ({
        key: u.userKey,
        row: userRow(u),
        lastActive: lastActive.get(u.userKey) ?? null,
      }));
    });
    const sort = sortBy === undefined ? undefined : { by: sortBy as PeopleSort, dir: (dir ?? (sortBy === 'person' ? 'asc' : 'desc')) as SortDirection };
    const found = q === undefined ? everyone : searchPeople(everyone, q);
    return c.html(
      <PeoplePage
        {...await frameOf(c)}
        processedAt={await dataProcessedAt(db, ctx.login)}
        people={sort ? sortPeople(found, sort.by, sort.dir) : found}
        spend={ctx.spend}
        sort={sort}
        q={q}
        everyone={everyone.length}
        repositories={await memo(['repository-choices', ctx.login, r.range], async () => (await repositoryTotals(db, ctx.login, r.range.startDate, r.range.endDate)).map((t) => t.repository))}
        notUsing={await membersWithoutTelemetry(db, ctx.login, r.range.startDate, r.range.endDate, team)}
      />,
    );
  });

  app.get('/orgs/:org/users/:login', member, ranged, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const userKey = c.req.param('login').toLowerCase();
    const who = await knownUser(db, ctx.login, userKey);
    if (!who) {
      throw refusalPage(404, {
        title: 'No such person',
        viewer: ctx.viewer,
        org: { login: ctx.login, role: ctx.role, section: 'people' },
        body: <p>Nobody called "{userKey}" has processed activity in {ctx.login}.</p>,
      });
    }
    // With a repository filter: their PRs and lines in it; their telemetry stays org-wide (marked so on the page).
    const repository = repositoryFilterOf(c);
    const byDay = await personDays(db, ctx.login, userKey, r.range, repository);
    const totals = userRow({ ...(await personTotals(db, ctx.login, userKey, r.range, repository)), userKey, githubLogin: who.githubLogin, email: who.email });
    const days = { fromDay: r.range.startDate, toDay: r.range.endDate };
    const author = who.githubLogin;
    const prs = author ? await pullRequestList(db, ctx.login, days, { author, repository }, { offset: 0, limit: PERSON_PR_LIMIT + 1 }) : [];
    const before = previousPeriod(r.range);
    const previous = {
      ...userRow({ ...(await personTotals(db, ctx.login, userKey, before, repository)), userKey, githubLogin: who.githubLogin, email: who.email }),
      days: dayCount(r.range),
      processed: (await processedDays(db, ctx.login, before.startDate, before.endDate)) > 0,
    };
    // PRs are an author's by login: someone known only by email has none.
    const countOf = async (filter: { bots: boolean; withClaudeCode?: boolean }) => (author ? await pullRequestListCount(db, ctx.login, days, { author, repository, ...filter }) : 0);
    const counts = { with: await countOf({ bots: false, withClaudeCode: true }), without: await countOf({ bots: false, withClaudeCode: false }), bots: await countOf({ bots: true }) };
    return c.html(
      <PersonPage
        {...await frameOf(c)}
        userKey={userKey}
        processedAt={await dataProcessedAt(db, ctx.login)}
        totals={totals}
        days={daysOf(r.range).map((d) => dailyRow(d, byDay.get(d) ?? emptyMetrics()))}
        pullRequests={prs.slice(0, PERSON_PR_LIMIT).map(pullRequestRow)}
        moreThanShown={prs.length > PERSON_PR_LIMIT}
        outcomes={
          who.githubLogin
            ? await memo(['person-outcomes', ctx.login, r.range, who.githubLogin, repository ?? null], () => outcomesReportOnce(db, ctx.login, r.range, { login: who.githubLogin!, repository }))
            : null
        }
        durability={
          who.githubLogin
            ? await memo(['person-durability', ctx.login, r.range, who.githubLogin, repository ?? null], () => durabilityReportOnce(db, ctx.login, r.range, { login: who.githubLogin!, repository }))
            : null
        }
        spend={ctx.spend}
        githubWebUrl={githubWebUrl}
        previous={previous}
        counts={counts}
        today={dayOf(now())}
      />,
    );
  });

  app.get('/orgs/:org/repositories', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const team = await teamOf(c);
    return c.html(
      <RepositoriesPage
        {...await frameOf(c)}
        processedAt={await dataProcessedAt(db, ctx.login)}
        repositories={await memo(['repositories', ctx.login, r.range, team, await teamsStamp(ctx.login, team)], async () => {
          const rows =
            team === undefined
              ? await repositoryTotals(db, ctx.login, r.range.startDate, r.range.endDate)
              : await teamRepositoryTotals(db, ctx.login, team, r.range.startDate, r.range.endDate);
          return rows.map(repositoryRow);
        })}
      />,
    );
  });

  app.get('/orgs/:org/repositories/:owner/:repo', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const fullName = await knownRepository(db, ctx.login, `${c.req.param('owner')}/${c.req.param('repo')}`);
    if (!fullName) {
      throw refusalPage(404, {
        title: 'No such repository',
        viewer: ctx.viewer,
        org: { login: ctx.login, role: ctx.role, section: 'repositories' },
        body: <p>{ctx.login} has no repository "{`${c.req.param('owner')}/${c.req.param('repo')}`}" that this app covers.</p>,
      });
    }
    const key = fullName.toLowerCase();
    const days = { fromDay: r.range.startDate, toDay: r.range.endDate };
    const before = previousPeriod(r.range);
    return c.html(
      <RepositoryPage
        {...await frameOf(c)}
        shown={fullName}
        processedAt={await dataProcessedAt(db, ctx.login)}
        outcomes={await memo(['repository-outcomes', ctx.login, r.range, fullName], () => outcomesReportOnce(db, ctx.login, r.range, { repository: fullName }))}
        totals={repositoryRow({ repository: key, ...(await repositoryTotal(db, ctx.login, key, r.range.startDate, r.range.endDate)) })}
        previous={{
          ...repositoryRow({ repository: key, ...(await repositoryTotal(db, ctx.login, key, before.startDate, before.endDate)) }),
          days: dayCount(r.range),
          processed: (await processedDays(db, ctx.login, before.startDate, before.endDate)) > 0,
        }}
        counts={{
          with: await pullRequestListCount(db, ctx.login, days, { repository: key, bots: false, withClaudeCode: true }),
          without: await pullRequestListCount(db, ctx.login, days, { repository: key, bots: false, withClaudeCode: false }),
          bots: await pullRequestListCount(db, ctx.login, days, { repository: key, bots: true }),
        }}
        durability={await memo(['repository-durability', ctx.login, r.range, fullName], () => durabilityReportOnce(db, ctx.login, r.range, { repository: fullName }))}
      />,
    );
  });

  app.get('/orgs/:org/pull-requests', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    const flag = c.req.query('with_claude_code');
    const bots = optionalParam(c, 'bots', /^true$/, 'bots=true lists the bot PRs');
    if (bots && flag !== undefined) refuseQuery(c, 'Bot PRs are not compared with or without Claude Code: give bots=true or with_claude_code, not both.');
    const filter: PullRequestFilter = bots ? 'bots' : flag === 'true' ? 'with' : flag === 'false' ? 'without' : 'all';
    const repository = optionalParam(c, 'repository', REPOSITORY_NAME, 'a repository is written owner/name');
    const author = optionalParam(c, 'author', AUTHOR_LOGIN, 'an author is a GitHub login');
    const q = optionalParam(c, 'q', /^[^\u0000-\u001f]{1,100}$/, 'a title search is 1 to 100 characters');
    const pageNumber = optionalParam(c, 'page', /^[1-9][0-9]{0,5}$/, 'a page is a number from 1');
    const narrowed = { repository, author, titleContains: q, team: await teamOf(c) };
    const split = { with: { bots: false, withClaudeCode: true }, without: { bots: false, withClaudeCode: false }, bots: { bots: true }, all: {} } as const;
    const narrowing = { ...narrowed, ...split[filter] };
    const days = { fromDay: r.range.startDate, toDay: r.range.endDate };
    // Every PR is with, without, or a bot's: the page shows the three counts that add up to all.
    const counts = {
      with: await pullRequestListCount(db, ctx.login, days, { ...narrowed, ...split.with }),
      without: await pullRequestListCount(db, ctx.login, days, { ...narrowed, ...split.without }),
      bots: await pullRequestListCount(db, ctx.login, days, { ...narrowed, ...split.bots }),
    };
    const total = filter === 'all' ? counts.with + counts.without + counts.bots : counts[filter];
    const pageAt = pageNumber === undefined ? 1 : Number(pageNumber);
    const pages = Math.max(1, Math.ceil(total / PR_PAGE_SIZE));
    if (pageAt > pages) refuseQuery(c, `There is no page ${pageAt}: these pull requests fill ${pages} page${pages === 1 ? '' : 's'}.`);
    const rows = await pullRequestList(db, ctx.login, days, narrowing, { offset: (pageAt - 1) * PR_PAGE_SIZE, limit: PR_PAGE_SIZE });
    return c.html(
      <PullRequestsPage
        {...await frameOf(c, { teamAndRepository: true })}
        processedAt={await dataProcessedAt(db, ctx.login)}
        query={{ filter, repository, author, q, page: pageAt }}
        rows={rows.map(pullRequestRow)}
        total={total}
        counts={counts}
        pageSize={PR_PAGE_SIZE}
        repositories={(await repositoryTotals(db, ctx.login, r.range.startDate, r.range.endDate))
          .filter((t) => t.pullRequestsMerged > 0)
          .map((t) => t.repository)}
        githubWebUrl={githubWebUrl}
      />,
    );
  });

  app.get('/orgs/:org/teams', member, ranged, processed, async (c) => {
    const ctx = c.get('org');
    const r = c.get('range');
    return c.html(
      <TeamsPage
        {...await frameOf(c)}
        processedAt={await dataProcessedAt(db, ctx.login)}
        teams={await memo(['teams', ctx.login, r.range, await teamsChangedAt(db, ctx.login)], async () => (await teamsReport(db, ctx.login, r.range)).data)}
        spend={ctx.spend}
      />,
    );
  });

  // ---- Settings (owners) ----

  const settingsPage = async (c: Context<OrgEnv>, ctx: OrgView, extra: Pick<SettingsPageProps, 'created' | 'notice'> = {}, status: 200 | 400 | 502 = 200) => {
    c.header('Cache-Control', 'no-store');
    return c.html(
      <SettingsPage
        org={ctx.login}
        viewer={ctx.viewer}
        origin={appOrigin(c, publicUrl)}
        settings={await getOrgSettings(db, ctx.login)}
        tokens={await listIngestTokens(db, ctx.login)}
        keys={await listApiKeys(db, ctx.login)}
        links={await listIdentityLinks(db, ctx.login)}
        runs={await lastRunsOf(db, ctx.login, 10)}
        pendingChanges={await pendingMarkCount(db, ctx.login, now())}
        {...extra}
      />,
      status,
    );
  };
  const backToSettings = (c: Context<OrgEnv>, org: string, notice: keyof typeof NOTICES) => c.redirect(`${settingsPath(org)}?notice=${notice}`, 303);
  const formOf = async (c: Context<OrgEnv>) => {
    let body: Awaited<ReturnType<typeof c.req.parseBody>>;
    try {
      body = await c.req.parseBody();
    } catch {
      // A malformed multipart body: a refusal, not a server error.
      throw new ApiError(400, 'invalid_request_error', 'The form could not be read.');
    }
    return (name: string) => {
      const v = body[name];
      return typeof v === 'string' ? v.trim() : '';
    };
  };

  /*
   * Creating a token or key answers with a redirect (post/redirect/get): the secret waits in
   * `justCreated` for the settings page that follows, which shows it once. Reloading that page
   * neither shows it again nor creates another.
   */
  const justCreated = secretFlash<CreatedSecret>();
  const holderOf = (ctx: OrgView) => `${ctx.login}\u0000${ctx.viewer.githubLogin.toLowerCase()}`;
  const settingsPath = (org: string) => `/orgs/${org}/settings`;
  const showOnceAfterRedirect = (c: Context<OrgEnv>, ctx: OrgView, created: CreatedSecret) => {
    setCookie(c, CREATED_COOKIE, justCreated.put(holderOf(ctx), created), {
      path: settingsPath(ctx.login),
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c, publicUrl),
      maxAge: 5 * 60,
    });
    return c.redirect(settingsPath(ctx.login), 303);
  };

  app.get('/orgs/:org/settings', owner, async (c) => {
    const ctx = c.get('org');
    const handle = getCookie(c, CREATED_COOKIE);
    if (handle !== undefined) deleteCookie(c, CREATED_COOKIE, { path: settingsPath(ctx.login), secure: isHttps(c, publicUrl) });
    return settingsPage(c, ctx, { notice: ownProperty(NOTICES, c.req.query('notice') ?? ''), created: justCreated.take(holderOf(ctx), handle) });
  });

  app.post('/orgs/:org/settings/access', owner, async (c) => {
    const ctx = c.get('org');
    const field = await formOf(c);
    try {
      await setViewerTeams(db, ctx.login, field('viewer_teams').split(/[\s,]+/), ctx.viewer.githubLogin);
    } catch (error) {
      return settingsPage(c, ctx, { notice: { text: (error as Error).message, tone: 'bad' } }, 400);
    }
    await setMembersSeeSpend(db, ctx.login, field('members_see_spend') === '1', ctx.viewer.githubLogin);
    access?.forget(ctx.login);
    log.info({ org: ctx.login, by: ctx.viewer.githubLogin }, 'viewer teams changed');
    return backToSettings(c, ctx.login, 'access-saved');
  });

  app.post('/orgs/:org/settings/ingest-tokens', owner, async (c) => {
    const ctx = c.get('org');
    const login = (await formOf(c))('login');
    if (login && !GITHUB_LOGIN.test(login)) {
      return settingsPage(c, ctx, { notice: { text: `"${login}" is not a GitHub login.`, tone: 'bad' } }, 400);
    }
    // A personal token says whose data it sends, so it is only for a member of the org (asked of GitHub now).
    if (login) {
      let member: boolean;
      try {
        member = await access!.isMember(ctx.login, login);
      } catch (error) {
        log.warn({ err: error, org: ctx.login }, 'membership check failed');
        return settingsPage(c, ctx, { notice: { text: `GitHub did not answer whether ${login} is a member of ${ctx.login}; nothing was created. Please try again in a moment.`, tone: 'bad' } }, 502);
      }
      if (!member) {
        const text = `${login} is not a member of ${ctx.login} on GitHub, so no personal token was created: a personal token is only for a member of the org. Invite them to ${ctx.login} first, or create an org token (leave the login empty).`;
        return settingsPage(c, ctx, { notice: { text, tone: 'bad' } }, 400);
      }
    }
    const { token } = await createIngestToken(db, { org: ctx.login, githubLogin: login || undefined });
    log.info({ org: ctx.login, by: ctx.viewer.githubLogin, personal: Boolean(login) }, 'ingest token created');
    return showOnceAfterRedirect(c, ctx, { kind: 'ingest-token', secret: token, forLogin: login || null });
  });

  app.post('/orgs/:org/settings/api-keys', owner, async (c) => {
    const ctx = c.get('org');
    const { key } = await createApiKey(db, { org: ctx.login });
    log.info({ org: ctx.login, by: ctx.viewer.githubLogin }, 'API key created');
    return showOnceAfterRedirect(c, ctx, { kind: 'api-key', secret: key });
  });

  // Revoking: only the org's own live secrets, by id; the GET asks to confirm, naming what stops working.
  const revocable = [
    {
      path: 'ingest-tokens',
      name: 'ingest token',
      rows: async (org: string) =>
        (await listIngestTokens(db, org)).map((t) => ({ id: t.id, revokedAt: t.revokedAt, kind: 'ingest-token' as const, prefix: t.tokenPrefix, forLogin: t.githubLogin ?? null, lastUsedAt: t.lastUsedAt })),
      revoke: revokeIngestToken,
      notice: 'token-revoked',
    },
    {
      path: 'api-keys',
      name: 'API key',
      rows: async (org: string) => (await listApiKeys(db, org)).map((k) => ({ id: k.id, revokedAt: k.revokedAt, kind: 'api-key' as const, prefix: k.keyPrefix, forLogin: null, lastUsedAt: k.lastUsedAt })),
      revoke: revokeApiKey,
      notice: 'key-revoked',
    },
  ] as const;
  for (const secret of revocable) {
    app.get(`/orgs/:org/settings/${secret.path}/:id/revoke`, owner, async (c) => {
      const ctx = c.get('org');
      const id = Number(c.req.param('id'));
      const live = (await secret.rows(ctx.login)).find((r) => r.id === id && !r.revokedAt);
      if (!live) {
        throw refusalPage(404, {
          title: `No such ${secret.name}`,
          viewer: ctx.viewer,
          org: { login: ctx.login, role: ctx.role, section: 'settings' },
          body: (
            <p>
              {ctx.login} has no live {secret.name} with that number (it may be revoked already). Back to the <a href={settingsPath(ctx.login)}>settings</a>.
            </p>
          ),
        });
      }
      c.header('Cache-Control', 'no-store');
      return c.html(<RevokeConfirmPage org={ctx.login} viewer={ctx.viewer} secret={live} action={`${settingsPath(ctx.login)}/${secret.path}/${id}/revoke`} />);
    });
    app.post(`/orgs/:org/settings/${secret.path}/:id/revoke`, owner, async (c) => {
      const ctx = c.get('org');
      const id = Number(c.req.param('id'));
      if (!(await secret.rows(ctx.login)).some((r) => r.id === id)) return settingsPage(c, ctx, { notice: { text: `No such ${secret.name}.`, tone: 'bad' } }, 400);
      await secret.revoke(db, id);
      log.info({ org: ctx.login, by: ctx.viewer.githubLogin, id }, `${secret.name} revoked`);
      return backToSettings(c, ctx.login, secret.notice);
    });
  }

  app.post('/orgs/:org/settings/identity-links', owner, async (c) => {
    const ctx = c.get('org');
    const field = await formOf(c);
    const kind = field('kind');
    const login = field('login');
    let value = field('value');
    const problem =
      kind !== 'email' && kind !== 'account_uuid'
        ? 'Choose email or account UUID.'
        : !value
          ? 'Enter the email or account UUID Claude Code reports.'
          : // The same bounds as telemetry's identity fields: a longer value could never match one.
            value.length > (kind === 'email' ? MAX_EMAIL_LENGTH : MAX_ID_LENGTH)
            ? `That ${kind === 'email' ? 'email' : 'account UUID'} is longer than ${kind === 'email' ? MAX_EMAIL_LENGTH : MAX_ID_LENGTH} characters.`
          : kind === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)
            ? `"${value}" is not an email address.`
            : !GITHUB_LOGIN.test(login)
              ? `"${login}" is not a GitHub login.`
              : undefined;
    if (problem) return settingsPage(c, ctx, { notice: { text: problem, tone: 'bad' } }, 400);
    if (kind === 'email') value = value.toLowerCase();
    await linkIdentity(db, { org: ctx.login, kind: kind as 'email' | 'account_uuid', value, githubLogin: login, source: 'admin', createdAt: now().toISOString() });
    log.info({ org: ctx.login, by: ctx.viewer.githubLogin }, 'identity link added');
    return backToSettings(c, ctx.login, 'link-added');
  });

  app.post('/orgs/:org/settings/identity-links/remove', owner, async (c) => {
    const ctx = c.get('org');
    const field = await formOf(c);
    const kind = field('kind');
    if (kind !== 'email' && kind !== 'account_uuid' && kind !== 'user_id') return settingsPage(c, ctx, { notice: { text: 'No such identity link.', tone: 'bad' } }, 400);
    if (!(await removeAdminLink(db, ctx.login, kind, field('value')))) {
      return settingsPage(c, ctx, { notice: { text: 'Only links an admin added can be removed; learned links are relearned by each run.', tone: 'bad' } }, 400);
    }
    return backToSettings(c, ctx.login, 'link-removed');
  });

  app.post('/orgs/:org/settings/process', owner, async (c) => {
    const ctx = c.get('org');
    // The run goes on after the answer; a run already alive is the one thing worth saying at once.
    const busy = (await processor.start({ org: ctx.login, trigger: 'page' })) === 'busy';
    log.info({ org: ctx.login, by: ctx.viewer.githubLogin, busy }, 'processing requested');
    return backToSettings(c, ctx.login, busy ? 'processing-busy' : 'processing-started');
  });

  return app;
}
