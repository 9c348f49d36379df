import type { FC } from 'hono/jsx';
import type { Db } from '../../db/client.js';
import { modelSpendByDay, orgDays, repositoryTotals, userTotals } from '../../db/metrics-queries.js';
import { outcomesReport } from '../../metrics/outcomes-report.js';
import { durabilityReport } from '../../metrics/durability-report.js';
import { dailyRow, summaryReport, userRow } from '../../metrics/report.js';
import { daysOf, type DayRange } from '../../utc-days.js';
import { emptyMetrics } from '../../db/daily-metrics.js';
import type { OrgRole } from '../auth/org-access.js';
import { botPullRequestsNote, ChartData, ChartFigure, formatDay, formatNumber, formatShare, formatUsd, RangePicker, Tile, withAndWithout, type ChartSpec, type OrgPageFrame } from './components.js';
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

export function overviewModel(db: Db, org: string, range: DayRange, options: { spend: boolean; seats: number | null; today: string }) {
  const summary = summaryReport(db, org, range);
  const byDay = orgDays(db, org, range.startDate, range.endDate);
  const days = daysOf(range).map((d) => dailyRow(d, byDay.get(d) ?? emptyMetrics()));
  const labels = days.map((d) => formatDay(d.date).replace(/, \d{4}$/, ''));
  const people = userTotals(db, org, range.startDate, range.endDate, { limit: Number.MAX_SAFE_INTEGER }).map((u) => ({ key: u.userKey, row: userRow(u) }));

  const charts: Record<string, ChartSpec> = {
    adoption: {
      kind: 'line',
      labels,
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
      views: {
        ratio: {
          label: 'PRs per active user',
          datasets: [
            {
              label: 'Merged PRs per active user',
              data: days.map((d) => (d.active_users === 0 ? null : Math.round((d.pull_requests_merged / d.active_users) * 100) / 100)),
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
      views: { accepted: { label: 'Lines accepted', datasets: [{ label: 'Lines accepted', data: days.map((d) => d.lines_accepted), color: '--series-2' }] } },
    },
  };

  if (options.spend) {
    const spend = modelSpendByDay(db, org, range.startDate, range.endDate);
    const models = [...new Set(spend.map((s) => s.model))].sort();
    const index = new Map(days.map((d, i) => [d.date, i]));
    charts.spend = {
      kind: 'bar',
      stacked: true,
      labels,
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
        .map((p) => ({ key: p.key, name: p.row.login ?? p.row.email ?? p.key, value: BOARDS[name].value(p.row) })),
    ]),
  ) as Record<BoardName, { key: string; name: string; value: number }[]>;

  const usage = usageModel(db, org, range, options.seats);
  charts['active-users'] = usage.chart;
  const spend = options.spend ? spendModel(db, org, range, options.today) : undefined;
  if (spend) charts['spend-by-model'] = spend.chart;
  const outcomes = outcomesReport(db, org, range);
  Object.assign(charts, outcomesCharts({ report: outcomes, chartId: 'outcomes', spend: options.spend }));
  const durability = durabilityReport(db, org, range);
  Object.assign(charts, durabilityCharts({ report: durability, chartId: 'durability' }));
  const repositories = repositoryTotals(db, org, range.startDate, range.endDate)
    .filter((r) => r.pullRequestsMerged > 0)
    .map((r) => r.repository);

  return { summary, charts, boards, usage, spend, outcomes, durability, repositories };
}

export interface OverviewPageProps extends OrgPageFrame {
  model: ReturnType<typeof overviewModel>;
  spend: boolean;
  telemetry: boolean;
  publicOrigin: string;
}

export const OverviewPage: FC<OverviewPageProps> = ({ org, role, viewer, range, preset, model, spend, telemetry }) => {
  const { summary: s, charts, boards } = model;
  const rangeQuery = `start_date=${range.startDate}&end_date=${range.endDate}`;
  return (
    <Layout title="Overview" viewer={viewer} org={{ login: org, role, section: 'overview', query: rangeQuery }} charts>
      <h1>{org}: Claude Code overview</h1>
      <RangePicker path={`/orgs/${org}`} preset={preset} startDate={range.startDate} endDate={range.endDate} processedAt={s.data_processed_at} />
      {telemetry ? null : <NoTelemetryNotice org={org} role={role} />}

      <dl class="tiles" aria-label="Totals for the range">
        <Tile
          label="PRs with Claude Code"
          metric="pull_requests.with_claude_code"
          value={s.pull_requests.with_claude_code}
          shown={formatNumber(s.pull_requests.with_claude_code)}
          note={`of ${formatNumber(s.pull_requests.merged)} merged by people · ${botPullRequestsNote(s.pull_requests.by_bots)} (${formatNumber(s.pull_requests.merged + s.pull_requests.by_bots)} in all)`}
        />
        <Tile
          label="Merged PRs with Claude Code"
          metric="pull_requests.with_claude_code_share"
          value={s.pull_requests.with_claude_code_share}
          shown={formatShare(s.pull_requests.with_claude_code_share)}
          note={`${formatNumber(s.pull_requests.without_claude_code)} without · ${botPullRequestsNote(s.pull_requests.by_bots)}`}
        />
        <Tile
          label="Lines of code with Claude Code"
          metric="lines_committed.with_claude_code"
          value={s.lines_committed.with_claude_code}
          shown={formatNumber(s.lines_committed.with_claude_code)}
          note={`of ${formatNumber(s.lines_committed.total)} committed`}
        />
        <Tile
          label="Suggestion accept rate"
          metric="claude_code.suggestion_accept_rate"
          value={s.claude_code.suggestion_accept_rate}
          shown={formatShare(s.claude_code.suggestion_accept_rate)}
          note={`${formatNumber(s.claude_code.decisions.accepted)} accepted, ${formatNumber(s.claude_code.decisions.rejected)} rejected`}
        />
        <Tile label="Lines of code accepted" metric="claude_code.lines_accepted" value={s.claude_code.lines_accepted} shown={formatNumber(s.claude_code.lines_accepted)} />
        <Tile
          label="Active users"
          metric="claude_code.active_users"
          value={s.claude_code.active_users}
          shown={formatNumber(s.claude_code.active_users)}
          note={`${ofSeats(model.usage.seats)}${formatNumber(s.claude_code.sessions)} sessions`}
        />
        {spend ? <Tile label="Spend" metric="claude_code.cost_usd" value={s.claude_code.cost_usd} shown={formatUsd(s.claude_code.cost_usd)} /> : null}
      </dl>

      <OutcomesSection
        report={model.outcomes}
        chartId="outcomes"
        spend={spend}
        who={org}
        repositories={model.repositories.map((name) => ({ name, href: `/orgs/${org}/repositories/${name}?${rangeQuery}` }))}
      />
      <DurabilitySection report={model.durability} chartId="durability" who={org} />

      <div class="charts">
        <ChartFigure id="adoption" title="Adoption" spec={charts.adoption!} description="daily active users and sessions per day" />
        <ChartFigure id="prs-per-user" title="PRs per active user" spec={charts['prs-per-user']!} description="merged PRs per day divided by that day's active users" format={(n) => n.toFixed(2)} />
        <ChartFigure id="merged" title="Merged per day, with vs without Claude Code" spec={charts.merged!} description="merged pull requests (or lines of code) per day, with and without Claude Code" />
        <ChartFigure id="accepted" title="Lines accepted per day" spec={charts.accepted!} description="lines of code accepted from Claude Code per day" />
      </div>

      <section aria-labelledby="leaderboard-title" data-board>
        <h2 id="leaderboard-title">Leaderboard: top {LEADERBOARD_SIZE} by contribution</h2>
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
          <a class="button" href={`/orgs/${org}/users.csv?${rangeQuery}`} download>
            Export all users (CSV)
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
                          <a href={`/orgs/${org}/users/${encodeURIComponent(r.key)}?${rangeQuery}`}>{r.name}</a>
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

      <UsageSection org={org} range={range} usage={model.usage} />
      {spend && model.spend ? (
        <SpendSection org={org} range={range} spend={model.spend} perDay={charts.spend!} />
      ) : null}
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
