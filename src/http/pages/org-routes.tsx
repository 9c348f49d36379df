import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.js';
import type { Db } from '../../db/client.js';
import { listIdentityLinks, removeAdminLink } from '../../db/identity-links.js';
import { createIngestToken, listIngestTokens, revokeIngestToken } from '../../db/ingest-tokens.js';
import {
  dataProcessedAt,
  hasTelemetry,
  knownUser,
  pullRequestAttributions,
  pullRequestAttributionsByAuthor,
  userDays,
  userTotal,
  userTotals,
} from '../../db/metrics-queries.js';
import { activeInstallation, getOrgSettings, setMembersSeeSpend, setViewerTeams } from '../../db/org-settings.js';
import { lastRunsOf } from '../../db/rollups.js';
import { linkIdentity } from '../../db/telemetry-store.js';
import type { WebSession } from '../../db/web-sessions.js';
import { allUserRows, dailyRow, daysOf, pullRequestRow, USER_COLUMNS, userRow, usersCsvName, type DayRange } from '../../metrics/report.js';
import { emptyMetrics } from '../../db/daily-metrics.js';
import { ProcessingBusyError } from '../../processing/run-processing.js';
import { spendReportRange } from '../../db/usage-queries.js';
import { toCsv } from '../../metrics/csv.js';
import { ApiError } from '../errors.js';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH } from '../../telemetry/ingest-bounds.js';
import { spendReportCsv, spendReportFilename } from '../../metrics/spend-report.js';
import { decodeCursor, encodeCursor } from '../api/metrics-api.js';
import { resolveRange } from '../api/schemas.js';
import type { OrgAccess, OrgRole } from '../auth/org-access.js';
import { appOrigin, type WebEnv } from '../auth/sign-in-routes.js';
import type { RangePreset } from './components.js';
import { MessagePage } from './layout.js';
import { OverviewPage, overviewModel } from './overview-page.js';
import { PeoplePage } from './people-page.js';
import { PersonPage } from './person-page.js';
import { PullRequestsPage, type PullRequestFilter } from './pull-requests-page.js';
import { SettingsPage, type SettingsPageProps } from './settings-page.js';
import { ownProperty } from '../../own-property.js';

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
  /** Starts a processing run of the org; resolves when it ends. */
  processNow: (org: string) => Promise<unknown>;
  /** The org's seats (SEATS, else its GitHub member count); null when unknown. */
  seats?: ((org: string) => number | null) | undefined;
  /** The org's DISCOUNT_PERCENT: net spend = gross × (1 − discount ÷ 100). */
  discountPercent?: ((org: string) => number) | undefined;
}

interface OrgContext {
  org: string;
  role: OrgRole;
  viewer: WebSession;
  spend: boolean;
}

const ORG_LOGIN = /^[a-z0-9](?:[a-z0-9-]{0,38})$/;
const PR_PAGE_SIZE = 50;
const PERSON_PR_LIMIT = 50;
const DAY_MS = 86_400_000;

const NOTICES: Record<string, { text: string; tone: 'ok' | 'bad' }> = {
  'access-saved': { text: 'Saved who can see the metrics.', tone: 'ok' },
  'token-revoked': { text: 'Ingest token revoked: Claude Code sending with it is refused from now on.', tone: 'ok' },
  'key-revoked': { text: 'API key revoked.', tone: 'ok' },
  'link-added': { text: 'Identity link added; the next processing run uses it.', tone: 'ok' },
  'link-removed': { text: 'Identity link removed; the next processing run goes without it.', tone: 'ok' },
  'processing-started': { text: 'Processing started; the runs below show when it ends.', tone: 'ok' },
  'processing-busy': { text: 'A processing run is already in progress; its results appear when it ends.', tone: 'bad' },
};

/** The date range of a page: a preset (`range=7d|30d|90d|mtd`) or `start_date`/`end_date`. */
export function pageRange(query: Record<string, string>, now: Date): { range: DayRange; preset: RangePreset } | string {
  const today = now.toISOString().slice(0, 10);
  const back = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  if (query.start_date || query.end_date) {
    const isDay = (v: string | undefined) => v === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)));
    if (!isDay(query.start_date) || !isDay(query.end_date)) return 'Dates must be written YYYY-MM-DD.';
    const range = resolveRange({ start_date: query.start_date, end_date: query.end_date }, now);
    if (typeof range === 'string') return range;
    const preset = (['7d', '30d', '90d'] as const).find((p) => range.endDate === today && range.startDate === back(Number.parseInt(p, 10)));
    return { range, preset: preset ?? (range.endDate === today && range.startDate === `${today.slice(0, 8)}01` ? 'mtd' : 'custom') };
  }
  switch (query.range ?? '30d') {
    case '7d':
      return { range: { startDate: back(7), endDate: today }, preset: '7d' };
    case '30d':
      return { range: { startDate: back(30), endDate: today }, preset: '30d' };
    case '90d':
      return { range: { startDate: back(90), endDate: today }, preset: '90d' };
    case 'mtd':
      return { range: { startDate: `${today.slice(0, 8)}01`, endDate: today }, preset: 'mtd' };
    default:
      return `Unknown range "${query.range}": use 7d, 30d, 90d, mtd, or start_date and end_date.`;
  }
}

export function orgPages({ db, log, access, now, publicUrl, githubWebUrl, processNow, seats = () => null, discountPercent = () => 0 }: OrgPagesDeps) {
  const app = new Hono<WebEnv>();

  /** Who may see what of the org, or the page that says why not. */
  async function orgContext(c: Context<WebEnv>, options: { ownersOnly?: boolean } = {}): Promise<OrgContext | Response> {
    const org = (c.req.param('org') ?? '').toLowerCase();
    const viewer = c.get('viewer');
    if (!ORG_LOGIN.test(org)) {
      return c.html(<MessagePage title="No such organization" viewer={viewer}><p>"{org}" is not a GitHub organization name.</p></MessagePage>, 404);
    }
    if (!viewer) {
      const url = new URL(c.req.url);
      return c.redirect(`/auth/sign-in?return_to=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    if (!activeInstallation(db, org)) {
      return c.html(
        <MessagePage title="GitHub app required" viewer={viewer}>
          <p>
            <strong>Install the GitHub app to view analytics.</strong> The app is not installed on <strong>{org}</strong> (or was uninstalled), so there
            is nothing to show yet.
          </p>
          <p>
            An owner of {org} installs it from the GitHub App's page (GitHub → Settings → Developer settings → GitHub Apps → the app → Install App) and
            chooses the repositories to measure. The pages fill in after the next processing run.
          </p>
        </MessagePage>,
        404,
      );
    }
    if (!access) {
      return c.html(
        <MessagePage title="GitHub App not configured" viewer={viewer}>
          <p>This server has no GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET), so it cannot check who may see {org}.</p>
        </MessagePage>,
        503,
      );
    }
    let role: OrgRole | null;
    try {
      role = await access.roleOf(org, viewer.githubLogin);
    } catch (error) {
      log.warn({ err: error, org }, 'access check failed');
      return c.html(
        <MessagePage title="GitHub did not answer" viewer={viewer}>
          <p>Checking your access to {org} needs GitHub, which did not answer properly. Please reload in a moment.</p>
        </MessagePage>,
        502,
      );
    }
    if (!role) {
      return c.html(
        <MessagePage title="No access" viewer={viewer}>
          <p>
            You are signed in as <strong>{viewer.githubLogin}</strong>, who may not see the metrics of {org}: they are open to the org's owners and to
            members of the teams its owners chose.
          </p>
        </MessagePage>,
        403,
      );
    }
    if (options.ownersOnly && role !== 'owner') {
      return c.html(
        <MessagePage title="Owners only" viewer={viewer} org={{ login: org, role }}>
          <p>Only owners of {org} manage its settings.</p>
        </MessagePage>,
        403,
      );
    }
    return { org, role, viewer, spend: role === 'owner' || getOrgSettings(db, org).membersSeeSpend };
  }

  /** The range, or a page saying what is wrong with it. */
  const rangeOf = async (c: Context<WebEnv>, ctx: OrgContext): Promise<Response | { range: DayRange; preset: RangePreset }> => {
    const result = pageRange(c.req.query(), now());
    if (typeof result === 'string') {
      return c.html(
        <MessagePage title="Invalid date range" viewer={ctx.viewer} org={{ login: ctx.org, role: ctx.role }}>
          <p>{result}</p>
          <p>
            <a href={c.req.path}>Show the last 30 days</a>
          </p>
        </MessagePage>,
        400,
      );
    }
    return result;
  };

  /** Before the first processing run there are no numbers to show: say so instead of zeros. */
  const processing = async (c: Context<WebEnv>, ctx: OrgContext): Promise<Response | undefined> => {
    if (dataProcessedAt(db, ctx.org) !== null) return undefined;
    return c.html(
      <MessagePage title="Data processing in progress" viewer={ctx.viewer} org={{ login: ctx.org, role: ctx.role, section: 'overview' }}>
        <p>
          The app is installed on {ctx.org} and collecting pull requests{hasTelemetry(db, ctx.org) ? ' and Claude Code telemetry' : ''}. The first
          numbers appear after the first processing run (daily, on the schedule).
        </p>
        {ctx.role === 'owner' ? (
          <p>
            Owners can start it now from the <a href={`/orgs/${ctx.org}/settings`}>settings page</a>.
          </p>
        ) : null}
      </MessagePage>,
      200,
    );
  };

  /*
   * The figures change only when processing writes them, so a page's model is kept until the next
   * run starts or moves on (its heartbeat), for the same range and viewer kind. Bounded: the
   * oldest entries go first.
   */
  const remembered = new Map<string, unknown>();
  const processingStamp = () => {
    const row = db.$client.prepare('SELECT max(id) AS id, max(heartbeat_at) AS beat FROM processing_runs').get() as { id: number | null; beat: string | null };
    return `${row.id}:${row.beat}`;
  };
  function memo<T>(parts: unknown[], compute: () => T): T {
    const key = JSON.stringify([...parts, processingStamp(), now().toISOString().slice(0, 10)]);
    if (remembered.has(key)) return remembered.get(key) as T;
    const value = compute();
    remembered.set(key, value);
    if (remembered.size > 64) remembered.delete(remembered.keys().next().value!);
    return value;
  }

  /** A metrics page's preamble: who may see what, the range, and (for pages of figures) whether any exist yet. */
  const metricsPage = async (c: Context<WebEnv>, { processed }: { processed: boolean }) => {
    const ctx = await orgContext(c);
    if (ctx instanceof Response) return ctx;
    const r = await rangeOf(c, ctx);
    if (r instanceof Response) return r;
    const waiting = processed ? await processing(c, ctx) : undefined;
    return waiting ?? { ...ctx, ...r };
  };

  app.get('/orgs/:org', async (c) => {
    const ctx = await metricsPage(c, { processed: true });
    if (ctx instanceof Response) return ctx;
    const r = ctx;
    return c.html(
      <OverviewPage
        org={ctx.org}
        role={ctx.role}
        viewer={ctx.viewer}
        range={r.range}
        preset={r.preset}
        model={memo(['overview', ctx.org, r.range, ctx.spend, seats(ctx.org)], () =>
          overviewModel(db, ctx.org, r.range, { spend: ctx.spend, seats: seats(ctx.org), today: now().toISOString().slice(0, 10) }),
        )}
        spend={ctx.spend}
        telemetry={hasTelemetry(db, ctx.org)}
        publicOrigin={appOrigin(c, publicUrl)}
      />,
    );
  });

  app.get('/orgs/:org/users.csv', async (c) => {
    const ctx = await metricsPage(c, { processed: false });
    if (ctx instanceof Response) return ctx;
    const r = ctx;
    const columns = ctx.spend ? USER_COLUMNS : USER_COLUMNS.filter((col) => col !== 'cost_usd');
    return c.body(toCsv(allUserRows(db, ctx.org, r.range), columns), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${usersCsvName(ctx.org, r.range)}"`,
    });
  });

  app.get('/orgs/:org/spend-report.csv', async (c) => {
    const ctx = await orgContext(c);
    if (ctx instanceof Response) return ctx;
    if (!ctx.spend) {
      return c.html(
        <MessagePage title="Owners only" viewer={ctx.viewer} org={{ login: ctx.org, role: ctx.role }}>
          <p>Spend in {ctx.org} is visible to its owners (and to members only when an owner allows it).</p>
        </MessagePage>,
        403,
      );
    }
    const period = c.req.query('period') ?? 'month_to_date';
    const today = now().toISOString().slice(0, 10);
    let range: DayRange;
    if (period === 'custom') {
      const r = await rangeOf(c, ctx);
      if (r instanceof Response) return r;
      range = r.range;
    } else if (period === 'month_to_date' || period === 'last_month' || period === 'last_90_days') {
      range = spendReportRange(period, today);
    } else {
      return c.html(
        <MessagePage title="Invalid period" viewer={ctx.viewer} org={{ login: ctx.org, role: ctx.role }}>
          <p>Unknown period "{period}": use month_to_date, last_month, last_90_days or custom.</p>
        </MessagePage>,
        400,
      );
    }
    return c.body(spendReportCsv(db, ctx.org, range, { discountPercent: discountPercent(ctx.org) }), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${spendReportFilename(ctx.org, range)}"`,
    });
  });

  app.get('/orgs/:org/users', async (c) => {
    const ctx = await metricsPage(c, { processed: true });
    if (ctx instanceof Response) return ctx;
    const r = ctx;
    const people = memo(['people', ctx.org, r.range], () =>
      userTotals(db, ctx.org, r.range.startDate, r.range.endDate, { limit: Number.MAX_SAFE_INTEGER }).map((u) => ({ key: u.userKey, row: userRow(u) })),
    );
    return c.html(
      <PeoplePage
        org={ctx.org}
        role={ctx.role}
        viewer={ctx.viewer}
        range={r.range}
        preset={r.preset}
        processedAt={dataProcessedAt(db, ctx.org)}
        people={people}
        spend={ctx.spend}
      />,
    );
  });

  app.get('/orgs/:org/users/:login', async (c) => {
    const ctx = await metricsPage(c, { processed: false });
    if (ctx instanceof Response) return ctx;
    const r = ctx;
    const userKey = c.req.param('login').toLowerCase();
    const who = knownUser(db, ctx.org, userKey);
    if (!who) {
      return c.html(
        <MessagePage title="No such person" viewer={ctx.viewer} org={{ login: ctx.org, role: ctx.role, section: 'people' }}>
          <p>Nobody called "{userKey}" has processed activity in {ctx.org}.</p>
        </MessagePage>,
        404,
      );
    }
    const byDay = new Map(userDays(db, ctx.org, userKey, r.range.startDate, r.range.endDate).map(({ day, ...m }) => [day, m]));
    const totals = userRow({ ...userTotal(db, ctx.org, userKey, r.range.startDate, r.range.endDate), userKey, githubLogin: who.githubLogin, email: who.email });
    const prs = who.githubLogin ? pullRequestAttributionsByAuthor(db, ctx.org, who.githubLogin, r.range.startDate, r.range.endDate, PERSON_PR_LIMIT + 1) : [];
    return c.html(
      <PersonPage
        org={ctx.org}
        role={ctx.role}
        viewer={ctx.viewer}
        userKey={userKey}
        range={r.range}
        preset={r.preset}
        processedAt={dataProcessedAt(db, ctx.org)}
        totals={totals}
        days={daysOf(r.range).map((d) => dailyRow(d, byDay.get(d) ?? emptyMetrics()))}
        pullRequests={prs.slice(0, PERSON_PR_LIMIT).map(pullRequestRow)}
        moreThanShown={prs.length > PERSON_PR_LIMIT}
        spend={ctx.spend}
        githubWebUrl={githubWebUrl}
      />,
    );
  });

  const isPrCursor = (v: unknown): v is [string, number] => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number';
  app.get('/orgs/:org/pull-requests', async (c) => {
    const ctx = await metricsPage(c, { processed: true });
    if (ctx instanceof Response) return ctx;
    const r = ctx;
    const flag = c.req.query('with_claude_code');
    const filter: PullRequestFilter = flag === 'true' ? 'with' : flag === 'false' ? 'without' : 'all';
    const after = decodeCursor(c.req.query('page'), isPrCursor);
    const rows = pullRequestAttributions(db, ctx.org, r.range.startDate, r.range.endDate, {
      withClaudeCode: filter === 'all' ? undefined : filter === 'with',
      after: after === 'invalid' ? undefined : after,
      limit: PR_PAGE_SIZE + 1,
    });
    const pageRows = rows.slice(0, PR_PAGE_SIZE);
    const last = pageRows.at(-1);
    return c.html(
      <PullRequestsPage
        org={ctx.org}
        role={ctx.role}
        viewer={ctx.viewer}
        range={r.range}
        preset={r.preset}
        processedAt={dataProcessedAt(db, ctx.org)}
        filter={filter}
        rows={pageRows.map(pullRequestRow)}
        nextPage={rows.length > PR_PAGE_SIZE && last ? encodeCursor([last.mergedAt, last.id]) : null}
        githubWebUrl={githubWebUrl}
      />,
    );
  });

  // ---- Settings (owners) ----

  const settingsPage = (c: Context<WebEnv>, ctx: OrgContext, extra: Pick<SettingsPageProps, 'created' | 'notice'> = {}, status: 200 | 400 = 200) => {
    c.header('Cache-Control', 'no-store');
    return c.html(
      <SettingsPage
        org={ctx.org}
        viewer={ctx.viewer}
        origin={appOrigin(c, publicUrl)}
        settings={getOrgSettings(db, ctx.org)}
        tokens={listIngestTokens(db, ctx.org)}
        keys={listApiKeys(db, ctx.org)}
        links={listIdentityLinks(db, ctx.org)}
        runs={lastRunsOf(db, ctx.org, 10)}
        {...extra}
      />,
      status,
    );
  };
  const backToSettings = (c: Context<WebEnv>, org: string, notice: keyof typeof NOTICES) => c.redirect(`/orgs/${org}/settings?notice=${notice}`, 303);
  const formOf = async (c: Context<WebEnv>) => {
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

  app.get('/orgs/:org/settings', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    return settingsPage(c, ctx, { notice: ownProperty(NOTICES, c.req.query('notice') ?? '') });
  });

  app.post('/orgs/:org/settings/access', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    const field = await formOf(c);
    try {
      setViewerTeams(db, ctx.org, field('viewer_teams').split(/[\s,]+/), ctx.viewer.githubLogin);
    } catch (error) {
      return settingsPage(c, ctx, { notice: { text: (error as Error).message, tone: 'bad' } }, 400);
    }
    setMembersSeeSpend(db, ctx.org, field('members_see_spend') === '1', ctx.viewer.githubLogin);
    access?.forget(ctx.org);
    log.info({ org: ctx.org, by: ctx.viewer.githubLogin }, 'viewer teams changed');
    return backToSettings(c, ctx.org, 'access-saved');
  });

  app.post('/orgs/:org/settings/ingest-tokens', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    const login = (await formOf(c))('login');
    if (login && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) {
      return settingsPage(c, ctx, { notice: { text: `"${login}" is not a GitHub login.`, tone: 'bad' } }, 400);
    }
    const { token } = createIngestToken(db, { org: ctx.org, githubLogin: login || undefined });
    log.info({ org: ctx.org, by: ctx.viewer.githubLogin, personal: Boolean(login) }, 'ingest token created');
    return settingsPage(c, ctx, { created: { kind: 'ingest-token', secret: token, forLogin: login || null } });
  });

  app.post('/orgs/:org/settings/api-keys', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    const { key } = createApiKey(db, { org: ctx.org });
    log.info({ org: ctx.org, by: ctx.viewer.githubLogin }, 'API key created');
    return settingsPage(c, ctx, { created: { kind: 'api-key', secret: key } });
  });

  // Revoking: only the org's own secrets, by id.
  const revocable = [
    { path: 'ingest-tokens', name: 'ingest token', ids: (org: string) => listIngestTokens(db, org).map((t) => t.id), revoke: revokeIngestToken, notice: 'token-revoked' },
    { path: 'api-keys', name: 'API key', ids: (org: string) => listApiKeys(db, org).map((k) => k.id), revoke: revokeApiKey, notice: 'key-revoked' },
  ] as const;
  for (const secret of revocable) {
    app.post(`/orgs/:org/settings/${secret.path}/:id/revoke`, async (c) => {
      const ctx = await orgContext(c, { ownersOnly: true });
      if (ctx instanceof Response) return ctx;
      const id = Number(c.req.param('id'));
      if (!secret.ids(ctx.org).includes(id)) return settingsPage(c, ctx, { notice: { text: `No such ${secret.name}.`, tone: 'bad' } }, 400);
      secret.revoke(db, id);
      log.info({ org: ctx.org, by: ctx.viewer.githubLogin, id }, `${secret.name} revoked`);
      return backToSettings(c, ctx.org, secret.notice);
    });
  }

  app.post('/orgs/:org/settings/identity-links', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
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
            : !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)
              ? `"${login}" is not a GitHub login.`
              : undefined;
    if (problem) return settingsPage(c, ctx, { notice: { text: problem, tone: 'bad' } }, 400);
    if (kind === 'email') value = value.toLowerCase();
    linkIdentity(db, { org: ctx.org, kind: kind as 'email' | 'account_uuid', value, githubLogin: login, source: 'admin', createdAt: now().toISOString() });
    log.info({ org: ctx.org, by: ctx.viewer.githubLogin }, 'identity link added');
    return backToSettings(c, ctx.org, 'link-added');
  });

  app.post('/orgs/:org/settings/identity-links/remove', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    const field = await formOf(c);
    const kind = field('kind');
    if (kind !== 'email' && kind !== 'account_uuid' && kind !== 'user_id') return settingsPage(c, ctx, { notice: { text: 'No such identity link.', tone: 'bad' } }, 400);
    if (!removeAdminLink(db, ctx.org, kind, field('value'))) {
      return settingsPage(c, ctx, { notice: { text: 'Only links an admin added can be removed; learned links are relearned by each run.', tone: 'bad' } }, 400);
    }
    return backToSettings(c, ctx.org, 'link-removed');
  });

  app.post('/orgs/:org/settings/process', async (c) => {
    const ctx = await orgContext(c, { ownersOnly: true });
    if (ctx instanceof Response) return ctx;
    const started = processNow(ctx.org);
    // The run goes on after the answer; a run already alive is the one thing worth saying at once.
    const busy = await Promise.race([
      started.then(
        () => false,
        (error: unknown) => error instanceof ProcessingBusyError,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    started.catch((error: unknown) => {
      if (!(error instanceof ProcessingBusyError)) log.error({ err: error, org: ctx.org }, 'processing started from the settings page failed');
    });
    log.info({ org: ctx.org, by: ctx.viewer.githubLogin, busy }, 'processing requested');
    return backToSettings(c, ctx.org, busy ? 'processing-busy' : 'processing-started');
  });

  return app;
}
