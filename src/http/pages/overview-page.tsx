import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FC } from 'hono/jsx';
import type { Db } from '../../db/client.js';
import { dataProcessedAt, leaderboardTotals, modelSpendByDay, orgDays, processedDays, repositoryDays, repositoryTotals } from '../../db/metrics-queries.js';
import { topSpendersAmong } from '../../db/usage-queries.js';
import { teamDays, teamRepositoryTotals, teamTotals, teamUserTotals } from '../../db/team-queries.js';
import { outcomesReportOnce } from '../../metrics/outcomes-report.js';
import { durabilityReportOnce } from '../../metrics/durability-report.js';
import { dailyRow, narrowedToRepository, periodChange, previousPeriod, scopeTotals, scopeUsers, summaryOf, userRow, type PeriodChange } from '../../metrics/report.js';
import { dayCount, daysOf, type DayRange } from '../../utc-days.js';
import { emptyMetrics } from '../../db/daily-metrics.js';
import type { OrgRole } from '../auth/org-access.js';
import {
  botPullRequestsNote,
  ChartData,
  ChartFigure,
  formatDay,
  formatNumber,
  formatShare,
  formatUsd,
  keptFilters,
  keptQuery,
  OrgWideNote,
  partialDay,
  PersonLink,
  RangePicker,
  RepositoryFilter,
  Tile,
  withAndWithout,
  type ChartSpec,
  type OrgPageFrame,
  type TileChange,
} from './components.js';
import { Layout } from './layout.js';
import { outcomesCharts, OutcomesSection } from './outcomes-section.js';
import { durabilityCharts, DurabilitySection } from './durability-section.js';
import { ofSeats, SpendSection, spendModel, UsageSection, usageModel } from './usage-spend-sections.js';

/*
 * The org overview: the headline tiles, the charts and the leaderboard for a date range. Every
 * figure comes from the report rows the API answers (`summaryReport`, `dailyRow`, `userRow`).
 */

const SERIES = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5', '--series-6'];
const LEADERBOARD_SIZE = 10;

const BOARDS = {
  'prs-with': { label: 'PRs with Claude Code', value: (u: ReturnType<typeof userRow>) => u.pull_requests_with_claude_code },
  'prs-all': { label: 'PRs merged', value: (u: ReturnType<typeof userRow>) => u.pull_requests_merged },
  'lines-with': { label: 'Lines with Claude Code', value: (u: ReturnType<typeof userRow>) => u.lines_with_claude_code },
  'lines-all': { label: 'Lines committed', value: (u: ReturnType<typeof userRow>) => u.lines_committed },
} as const;

export type BoardName = keyof typeof BOARDS;

export interface OverviewOptions {
  spend: boolean;
  seats: number | null;
  today: string;
  /** Narrow PRs and lines (tiles, the merged chart, the leaderboard, Outcomes) to this repository. */
  repository?: string | undefined;
  /**
   * Narrow to a team's people (spec: Teams), from the same report rows as the API's `team=`. The
   * usage and spend-by-model sections are the org's (they are not kept per person-day); with a team
   * they are left out, not shown as the team's. A page narrows to a team or a repository, not both.
   */
  team?: string | undefined;
}

/**
 * Everything the overview draws. Its parts are read one after another with the event loop let in
 * between them (a large org's takes seconds in all): other requests are answered meanwhile, and a
 * page shown from an earlier run's figures while this computes is not held up by it.
 */
export async function overviewModel(db: Db, org: string, range: DayRange, options: OverviewOptions) {
  const { repository, team } = options;
  const totalsOf = (r: DayRange) => (team === undefined ? scopeTotals(db, org, r, repository) : teamTotals(db, org, team, r.startDate, r.endDate));
  const summary = {
    org,
    start_date: range.startDate,
    end_date: range.endDate,
    ...summaryOf(await totalsOf(range)),
    data_processed_at: await dataProcessedAt(db, org),
  };
  // The same figures over the period of the same length before: each tile's change.
  const before = previousPeriod(range);
  await nextTurn();
  const previous = {
    ...summaryOf(await totalsOf(before)),
    days: dayCount(range),
    processed: (await processedDays(db, org, before.startDate, before.endDate)) > 0,
  };
  const byDay = team === undefined ? await orgDays(db, org, range.startDate, range.endDate) : await teamDays(db, org, team, range.startDate, range.endDate);
  const inRepository = repository === undefined ? undefined : await repositoryDays(db, org, repository, range.startDate, range.endDate);
  const dayList = daysOf(range);
  const days = dayList.map((d) => {
    const orgDay = byDay.get(d) ?? emptyMetrics();
    return dailyRow(d, inRepository ? narrowedToRepository(orgDay, inRepository.get(d) ?? emptyMetrics()) : orgDay);
  });
  const labels = days.map((d) => formatDay(d.date).replace(/, \d{4}$/, ''));
  await nextTurn();
  // Today's figures grow until the day ends: marked in every chart of days, and left out of ratios per active user.
  const partial = partialDay(dayList, options.today);
  const everyone = { limit: Number.MAX_SAFE_INTEGER };
  // The leaderboards rank by four figures: org-wide, only those are summed.
  const totals =
    team !== undefined
      ? await teamUserTotals(db, org, team, range.startDate, range.endDate, everyone)
      : repository !== undefined
        ? await scopeUsers(db, org, range, repository)
        : await leaderboardTotals(db, org, range.startDate, range.endDate);
  const people = totals.map((u) => ({ key: u.userKey, row: userRow(u) }));

  await nextTurn();
  const charts: Record<string, ChartSpec> = {
    adoption: {
      kind: 'line',
      labels,
      partial,
      views: {
        adoption: {
          label: 'Adoption',
          datasets: [
            { label: 'Active users', data: days.map((d) => d.active_users), color: '--series-1' },
            { label: 'Sessions', data: days.map((d) => d.sessions), color: '--series-2' },
          ],
        },
      },
    },
    'prs-per-user': {
      kind: 'line',
      labels,
      partial,
      views: {
        ratio: {
          label: 'PRs per active user',
          datasets: [
            {
              label: 'Merged PRs per active user',
              data: days.map((d, i) => (d.active_users === 0 || i === partial ? null : Math.round((d.pull_requests_merged / d.active_users) * 100) / 100)),
              color: '--series-3',
            },
          ],
        },
      },
    },
    merged: {
      kind: 'bar',
      stacked: true,
      labels,
      partial,
      views: {
        prs: {
          label: 'Pull requests',
          yLabel: 'merged PRs',
          datasets: withAndWithout(days.map((d) => d.pull_requests_merged_with_claude_code), days.map((d) => d.pull_requests_merged_without_claude_code)),
        },
        lines: {
          label: 'Lines of code',
          yLabel: 'lines committed',
          datasets: withAndWithout(days.map((d) => d.lines_committed_with_claude_code), days.map((d) => d.lines_committed_without_claude_code)),
        },
      },
    },
    accepted: {
      kind: 'bar',
      labels,
      partial,
      views: { accepted: { label: 'Lines accepted', datasets: [{ label: 'Lines accepted', data: days.map((d) => d.lines_accepted), color: '--series-2' }] } },
    },
  };

  // A repository's PRs over the whole org's active users would mix two scopes: not drawn when narrowed.
  if (repository !== undefined) delete charts['prs-per-user'];

  await nextTurn();
  if (options.spend && team === undefined) {
    const spend = await modelSpendByDay(db, org, range.startDate, range.endDate);
    const models = [...new Set(spend.map((s) => s.model))].sort();
    const index = new Map(days.map((d, i) => [d.date, i]));
    charts.spend = {
      kind: 'bar',
      stacked: true,
      labels,
      partial,
      views: {
        spend: {
          label: 'Spend',
          yLabel: 'USD',
          datasets: models.map((model, i) => {
            const data = days.map(() => 0);
            for (const s of spend) if (s.model === model) data[index.get(s.day)!] = Math.round(s.costUsd * 100) / 100;
            return { label: model, data, color: SERIES[i % SERIES.length]! };
          }),
        },
      },
    };
  }

  const boards = Object.fromEntries(
    (Object.keys(BOARDS) as BoardName[]).map((name) => [
      name,
      people
        .filter((p) => BOARDS[name].value(p.row) > 0)
        .sort((a, b) => BOARDS[name].value(b.row) - BOARDS[name].value(a.row) || (a.row.login ?? a.key).localeCompare(b.row.login ?? b.key))
        .slice(0, LEADERBOARD_SIZE)
        .map((p) => ({ key: p.key, login: p.row.login, email: p.row.email, value: BOARDS[name].value(p.row) })),
    ]),
  ) as Record<BoardName, { key: string; login: string | null; email: string | null; value: number }[]>;

  await nextTurn();
  const usage = await usageModel(db, org, range, team === undefined ? options.seats : null);
  usage.chart.partial = partial;
  await nextTurn();
  const usageBefore = { usage: await usageModel(db, org, before, options.seats), days: previous.days, processed: previous.processed };
  await nextTurn();
  if (team === undefined) charts['active-users'] = usage.chart;
  // Org-wide, the top spenders come from the totals the leaderboards read (spend is the org's even with a repository chosen).
  const topSpenders = team === undefined && repository === undefined ? topSpendersAmong(totals) : undefined;
  const spend = options.spend && team === undefined ? await spendModel(db, org, range, options.today, topSpenders) : undefined;
  if (spend) charts['spend-by-model'] = spend.chart;
  // The API's own reports, kept until the next run ends: computed once for the API and the pages.
  await nextTurn();
  const outcomes = await outcomesReportOnce(db, org, range, { repository, team });
  // Spend is not known per repository: a narrowed Outcomes has no cost.
  Object.assign(charts, outcomesCharts({ report: outcomes, chartId: 'outcomes', spend: options.spend && repository === undefined }));
  // With a team chosen: the PRs its people merged while in it, as the API's `durability?team=` counts them.
  const durability = await durabilityReportOnce(db, org, range, { repository, team });
  Object.assign(charts, durabilityCharts({ report: durability, chartId: 'durability' }));
  await nextTurn();
  const repositoryRows = await repositoryTotals(db, org, range.startDate, range.endDate);
  const repositories = (team === undefined ? repositoryRows : await teamRepositoryTotals(db, org, team, range.startDate, range.endDate))
    .filter((r) => r.pullRequestsMerged > 0)
    .map((r) => r.repository);

  return {
    summary,
    previous,
    charts,
    boards,
    usage,
    usageBefore,
    today: options.today,
    spend,
    outcomes,
    durability,
    repositories,
    repositoryChoices: repositoryRows.map((r) => r.repository),
    repository,
    team,
  };
}

export interface OverviewPageProps extends OrgPageFrame {
  model: Awaited<ReturnType<typeof overviewModel>>;
  spend: boolean;
  telemetry: boolean;
  publicOrigin: string;
  /** The model is the one of an earlier processing run: the figures of the run that just ended are being computed. */
  earlierFigures?: boolean;
}

export const OverviewPage: FC<OverviewPageProps> = ({ org, role, viewer, range, preset, model, spend, telemetry, teams, earlierFigures }) => {
  const { summary: s, previous: p, charts, boards, repository } = model;
  const narrowed = repository !== undefined;
  const rangeQuery = keptQuery({ range, repository });
  const onlyRange = keptQuery({ range });
  const change = (current: number | null, before: number | null, kind: PeriodChange['kind'] = 'relative'): TileChange => ({
    ...periodChange(current, before, kind),
    days: p.days,
    hasPrevious: p.processed,
  });
  return (
    <Layout title="Overview" viewer={viewer} org={{ login: org, role, section: 'overview', query: rangeQuery }} charts>
      <h1>
        {org}: Claude Code overview{narrowed ? <span class="muted"> · {repository}</span> : null}
        {model.team ? <span data-team={model.team}>, team {teams?.find((t) => t.slug === model.team)?.name ?? model.team}</span> : null}
      </h1>
      {/* A page narrows to a team or to a repository: the team choice is offered when no repository is chosen, and choosing a repository drops the team. */}
      <RangePicker
        path={`/orgs/${org}`}
        preset={preset}
        startDate={range.startDate}
        endDate={range.endDate}
        processedAt={s.data_processed_at}
        extra={keptFilters({ repository })}
        team={range.team}
        teams={narrowed ? undefined : teams}
      />
      {earlierFigures ? (
        <p class="notice" role="status" data-earlier-figures>
          A processing run has just ended. These figures are of the run before it{s.data_processed_at ? ` (${s.data_processed_at.slice(0, 16).replace('T', ' ')} UTC)` : ''}; the new ones are
          being computed: reload the page in a few seconds.
        </p>
      ) : null}
      <RepositoryFilter path={`/orgs/${org}`} repositories={model.repositoryChoices} repository={repository} keep={{ start_date: range.startDate, end_date: range.endDate }} />
      {narrowed ? <OrgWideNote repository={repository} what="The suggestion accept rate, lines accepted, active users, sessions, spend, Usage and Spend" /> : null}
      {model.team ? (
        <p class="muted" data-team-note>
          Figures of the team's people only: its GitHub members, and whoever Claude Code's telemetry placed in it on a day. Usage over time and spend by
          model are the org's: <a href={`/orgs/${org}?start_date=${range.startDate}&end_date=${range.endDate}`}>show the whole org</a>.
        </p>
      ) : null}
      {telemetry ? null : <NoTelemetryNotice org={org} role={role} />}

      <dl class="tiles" aria-label="Totals for the range">
        <Tile
          label="PRs with Claude Code"
          metric="pull_requests.with_claude_code"
          value={s.pull_requests.with_claude_code}
          shown={formatNumber(s.pull_requests.with_claude_code)}
          note={`of ${formatNumber(s.pull_requests.merged)} merged by people · ${botPullRequestsNote(s.pull_requests.by_bots)} (${formatNumber(s.pull_requests.merged + s.pull_requests.by_bots)} in all)`}
          change={change(s.pull_requests.with_claude_code, p.pull_requests.with_claude_code)}
        />
        <Tile
          label="Merged PRs with Claude Code"
          metric="pull_requests.with_claude_code_share"
          value={s.pull_requests.with_claude_code_share}
          shown={formatShare(s.pull_requests.with_claude_code_share)}
          note={`${formatNumber(s.pull_requests.without_claude_code)} without · ${botPullRequestsNote(s.pull_requests.by_bots)}`}
          change={change(s.pull_requests.with_claude_code_share, p.pull_requests.with_claude_code_share, 'points')}
        />
        <Tile
          label="Lines of code with Claude Code"
          metric="lines_committed.with_claude_code"
          value={s.lines_committed.with_claude_code}
          shown={formatNumber(s.lines_committed.with_claude_code)}
          note={`of ${formatNumber(s.lines_committed.total)} committed`}
          change={change(s.lines_committed.with_claude_code, p.lines_committed.with_claude_code)}
        />
        <Tile
          label="Suggestion accept rate"
          metric="claude_code.suggestion_accept_rate"
          value={s.claude_code.suggestion_accept_rate}
          shown={formatShare(s.claude_code.suggestion_accept_rate)}
          note={`${formatNumber(s.claude_code.decisions.accepted)} accepted, ${formatNumber(s.claude_code.decisions.rejected)} rejected`}
          change={change(s.claude_code.suggestion_accept_rate, p.claude_code.suggestion_accept_rate, 'points')}
          orgWide={narrowed}
        />
        <Tile
          label="Lines of code accepted"
          metric="claude_code.lines_accepted"
          value={s.claude_code.lines_accepted}
          shown={formatNumber(s.claude_code.lines_accepted)}
          change={change(s.claude_code.lines_accepted, p.claude_code.lines_accepted)}
          orgWide={narrowed}
        />
        <Tile
          label="Active users"
          metric="claude_code.active_users"
          value={s.claude_code.active_users}
          shown={formatNumber(s.claude_code.active_users)}
          note={`${ofSeats(model.usage.seats)}${formatNumber(s.claude_code.sessions)} sessions`}
          change={change(s.claude_code.active_users, p.claude_code.active_users)}
          orgWide={narrowed}
        />
        {spend ? (
          <Tile
            label="Spend"
            metric="claude_code.cost_usd"
            value={s.claude_code.cost_usd}
            shown={formatUsd(s.claude_code.cost_usd)}
            change={change(s.claude_code.cost_usd, p.claude_code.cost_usd)}
            orgWide={narrowed}
          />
        ) : null}
      </dl>

      <OutcomesSection
        report={model.outcomes}
        chartId="outcomes"
        spend={spend && !narrowed}
        who={repository ?? (model.team ? `${org}'s team ${model.team}` : org)}
        repositories={model.repositories.map((name) => ({ name, href: `/orgs/${org}/repositories/${name}?${onlyRange}` }))}
      />
      <DurabilitySection report={model.durability} chartId="durability" who={repository ?? (model.team ? `${org}'s team ${model.team}` : org)} />

      <div class="charts">
        <ChartFigure id="adoption" title={`Adoption${narrowed ? ' (org-wide)' : ''}`} spec={charts.adoption!} description="daily active users and sessions per day" />
        {charts['prs-per-user'] ? (
          <ChartFigure
            id="prs-per-user"
            title="PRs per active user"
            spec={charts['prs-per-user']}
            description="merged PRs per day divided by that day's active users (today left out: its day is not over)"
            format={(n) => n.toFixed(2)}
          />
        ) : null}
        <ChartFigure
          id="merged"
          title={`Merged per day, with vs without Claude Code${narrowed ? ` (${repository})` : ''}`}
          spec={charts.merged!}
          description="merged pull requests (or lines of code) per day, with and without Claude Code"
        />
        <ChartFigure id="accepted" title={`Lines accepted per day${narrowed ? ' (org-wide)' : ''}`} spec={charts.accepted!} description="lines of code accepted from Claude Code per day" />
      </div>

      <section aria-labelledby="leaderboard-title" data-board>
        <h2 id="leaderboard-title">
          Leaderboard: top {LEADERBOARD_SIZE} by contribution{narrowed ? ` to ${repository}` : ''}
        </h2>
        <div class="row">
          <div class="toggle" role="group" aria-label="Count" data-board-part="metric">
            <button type="button" data-value="prs" aria-pressed="true">
              Pull requests
            </button>
            <button type="button" data-value="lines" aria-pressed="false">
              Lines of code
            </button>
          </div>
          <div class="toggle" role="group" aria-label="Which" data-board-part="scope">
            <button type="button" data-value="with" aria-pressed="true">
              With Claude Code
            </button>
            <button type="button" data-value="all" aria-pressed="false">
              All
            </button>
          </div>
          <a class="button" href={`/orgs/${org}/users.csv?${onlyRange}`} download>
            Export all users (CSV{narrowed ? ', all repositories' : ''})
          </a>
        </div>
        {(Object.keys(BOARDS) as BoardName[]).map((name) => {
          const rows = boards[name];
          const top = rows[0]?.value ?? 0;
          return (
            <div class="table-wrap" data-board-table={name} hidden={name !== 'prs-with'}>
              <table>
                <caption class="visually-hidden">{BOARDS[name].label}</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Person</th>
                    <th scope="col">{BOARDS[name].label}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.length === 0 ? (
                    <tr>
                      <td colspan={3} class="muted">
                        Nobody yet in this range.
                      </td>
                    </tr>
                  ) : (
                    rows.map((r, i) => (
                      <tr data-person={r.key}>
                        <td>{i + 1}</td>
                        <td>
                          <PersonLink org={org} userKey={r.key} login={r.login} email={r.email} kept={rangeQuery} />
                        </td>
                        <td>
                          <span class="bar" style={`width:${Math.max(2, Math.round((r.value / top) * 160))}px`} aria-hidden="true"></span>
                          {formatNumber(r.value)}
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </div>
          );
        })}
      </section>

      {model.team ? null : <UsageSection org={org} range={range} usage={model.usage} orgWide={narrowed} before={model.usageBefore} today={model.today} />}
      {spend && model.spend ? <SpendSection org={org} range={range} spend={model.spend} perDay={charts.spend!} orgWide={narrowed} kept={rangeQuery} /> : null}
      <ChartData specs={charts} />
    </Layout>
  );
};

export const NoTelemetryNotice: FC<{ org: string; role: OrgRole }> = ({ org, role }) => (
  <div class="notice" role="status">
    <strong>No Claude Code telemetry yet.</strong> Pull requests and lines are counted from GitHub, but nothing shows which were written with
    Claude Code until developers' Claude Code reports here. To set it up:
    <ol>
      <li>
        Create an ingest token{role === 'owner' ? (
          <>
            {' '}
            on the <a href={`/orgs/${org}/settings`}>settings page</a>
          </>
        ) : (
          ' (an org owner can, on the settings page)'
        )}
        .
      </li>
      <li>Deploy the managed-settings JSON shown there to developers' machines (it turns on telemetry and points it here).</li>
      <li>The next processing run (daily, or "Process now") shows the first numbers.</li>
    </ol>
  </div>
);
