import type { FC } from 'hono/jsx';
import type { OutcomesReport } from '../../metrics/outcomes-report.js';
import type { DurabilityReport } from '../../metrics/durability-report.js';
import { periodChange, type DailyRow, type PeriodChange, type PullRequestRow, type UserRow } from '../../metrics/report.js';
import {
  ChartData,
  ChartFigure,
  formatDay,
  formatNumber,
  formatShare,
  formatUsd,
  isBotLogin,
  keptFilters,
  keptQuery,
  OrgWideNote,
  partialDay,
  PullRequestSplit,
  PullRequestTable,
  RangePicker,
  Tile,
  withAndWithout,
  type ChartSpec,
  type OrgPageFrame,
  type TileChange,
} from './components.js';
import { Layout } from './layout.js';
import { outcomesCharts, OutcomesSection } from './outcomes-section.js';
import { durabilityCharts, DurabilitySection } from './durability-section.js';

/* One person: their totals (the API's user row), their days, and their merged PRs with evidence. */

export interface PersonPageProps extends OrgPageFrame {
  userKey: string;
  processedAt: string | null;
  totals: UserRow;
  days: DailyRow[];
  pullRequests: PullRequestRow[];
  moreThanShown: boolean;
  /** The person's outcomes (the API's `outcomes?login=`); null for someone with no GitHub login. */
  outcomes: OutcomesReport | null;
  /** The person's durability (the API's `durability?login=`); null for someone with no GitHub login. */
  durability?: DurabilityReport | null | undefined;
  spend: boolean;
  githubWebUrl: string;
  /** The same row over the period of the same length before; `processed`: any of the org's days then was. */
  previous: UserRow & { days: number; processed: boolean };
  /** Their merged PRs split three ways: with + without + bots = all (a bot's are all bots'). */
  counts: { with: number; without: number; bots: number };
  today: string;
}

export const PersonPage: FC<PersonPageProps> = (p) => {
  const t = p.totals;
  const labels = p.days.map((d) => formatDay(d.date).replace(/, \d{4}$/, ''));
  const partial = partialDay(
    p.days.map((d) => d.date),
    p.today,
  );
  const before = p.previous;
  const change = (current: number | null, previous: number | null, kind: PeriodChange['kind'] = 'relative'): TileChange => ({
    ...periodChange(current, previous, kind),
    days: before.days,
    hasPrevious: before.processed,
  });
  const kept = keptQuery(p);
  const narrowed = Boolean(p.repository);
  // Spend is not known per repository: narrowed, Outcomes has no cost.
  const outcomeSpend = p.spend && !narrowed;
  const charts: Record<string, ChartSpec> = {
    'person-merged': {
      kind: 'bar',
      stacked: true,
      labels,
      partial,
      views: {
        lines: {
          label: 'Lines of code',
          datasets: withAndWithout(p.days.map((d) => d.lines_committed_with_claude_code), p.days.map((d) => d.lines_committed_without_claude_code)),
        },
        prs: {
          label: 'Pull requests',
          datasets: withAndWithout(p.days.map((d) => d.pull_requests_merged_with_claude_code), p.days.map((d) => d.pull_requests_merged_without_claude_code)),
        },
      },
    },
    'person-activity': {
      kind: 'bar',
      labels,
      partial,
      views: {
        activity: {
          label: 'Claude Code activity',
          yLabel: 'Lines accepted',
          rightLabel: 'Sessions',
          datasets: [
            { label: 'Lines accepted', data: p.days.map((d) => d.lines_accepted), color: '--series-2' },
            { label: 'Sessions', data: p.days.map((d) => d.sessions), color: '--series-3', axis: 'right' },
          ],
        },
      },
    },
  };
  if (p.outcomes) Object.assign(charts, outcomesCharts({ report: p.outcomes, chartId: 'person-outcomes', spend: outcomeSpend }));
  if (p.durability) Object.assign(charts, durabilityCharts({ report: p.durability, chartId: 'person-durability' }));
  const name = t.login ?? t.email ?? p.userKey;
  const bot = isBotLogin(t.login ?? p.userKey);
  return (
    <Layout title={name} viewer={p.viewer} org={{ login: p.org, role: p.role, section: 'people', query: kept }} charts>
      <h1>
        {name}
        {t.login && t.email ? <span class="muted"> · {t.email}</span> : null}
        {bot ? (
          <>
            {' '}
            <span class="badge bot">bot</span>
          </>
        ) : null}
      </h1>
      {bot ? (
        <p class="notice" data-bot>
          {name} is a bot (a GitHub app's account). Its merged PRs are set apart from the with/without Claude Code comparison, here and on the overview: nobody
          chose whether to use Claude Code for them, so they would only blur it. They are counted as bot PRs, and its pull requests are listed below.
        </p>
      ) : null}
      <RangePicker
        path={`/orgs/${p.org}/users/${encodeURIComponent(p.userKey)}`}
        preset={p.preset}
        startDate={p.range.startDate}
        endDate={p.range.endDate}
        processedAt={p.processedAt}
        extra={keptFilters(p)}
        team={p.range.team}
      />
      {p.repository ? <OrgWideNote repository={p.repository} what="Lines accepted, the accept rate, sessions, spend and Claude Code activity per day" /> : null}
      <dl class="tiles" aria-label="Totals for the range">
        <Tile
          label="PRs with Claude Code"
          metric="pull_requests_with_claude_code"
          value={t.pull_requests_with_claude_code}
          shown={formatNumber(t.pull_requests_with_claude_code)}
          note={`of ${formatNumber(t.pull_requests_merged)} merged`}
          change={change(t.pull_requests_with_claude_code, before.pull_requests_with_claude_code)}
        />
        <Tile
          label="Lines with Claude Code"
          metric="lines_with_claude_code"
          value={t.lines_with_claude_code}
          shown={formatNumber(t.lines_with_claude_code)}
          note={`of ${formatNumber(t.lines_committed)} committed`}
          change={change(t.lines_with_claude_code, before.lines_with_claude_code)}
        />
        <Tile
          label="Lines accepted"
          metric="lines_accepted"
          value={t.lines_accepted}
          shown={formatNumber(t.lines_accepted)}
          change={change(t.lines_accepted, before.lines_accepted)}
          orgWide={narrowed}
        />
        <Tile
          label="Suggestion accept rate"
          metric="suggestion_accept_rate"
          value={t.suggestion_accept_rate}
          shown={formatShare(t.suggestion_accept_rate)}
          change={change(t.suggestion_accept_rate, before.suggestion_accept_rate, 'points')}
          orgWide={narrowed}
        />
        <Tile label="Sessions" metric="sessions" value={t.sessions} shown={formatNumber(t.sessions)} change={change(t.sessions, before.sessions)} orgWide={narrowed} />
        <Tile label="PRs opened" metric="pull_requests_opened" value={t.pull_requests_opened} shown={formatNumber(t.pull_requests_opened)} change={change(t.pull_requests_opened, before.pull_requests_opened)} />
        {p.spend ? <Tile label="Spend" metric="cost_usd" value={t.cost_usd} shown={formatUsd(t.cost_usd)} change={change(t.cost_usd, before.cost_usd)} orgWide={narrowed} /> : null}
      </dl>
      <div class="charts">
        <ChartFigure
          id="person-merged"
          title={`Committed per day, with vs without Claude Code${narrowed ? ` (${p.repository})` : ''}`}
          spec={charts['person-merged']!}
          description="lines (or PRs) merged per day"
        />
        <ChartFigure
          id="person-activity"
          title={`Claude Code activity per day${narrowed ? ' (org-wide)' : ''}`}
          spec={charts['person-activity']!}
          description="lines accepted per day (left axis) and sessions per day (right axis)"
        />
      </div>
      {p.outcomes ? <OutcomesSection report={p.outcomes} chartId="person-outcomes" spend={outcomeSpend} who={narrowed ? `${name} in ${p.repository}` : name} /> : null}
      {p.durability ? <DurabilitySection report={p.durability} chartId="person-durability" who={narrowed ? `${name} in ${p.repository}` : name} /> : null}
      <ChartData specs={charts} />
      <h2>Merged pull requests{narrowed ? ` in ${p.repository}` : ''}</h2>
      <PullRequestSplit counts={p.counts} note={false} />
      {p.pullRequests.length === 0 ? (
        <p class="muted">No merged pull requests in this range.</p>
      ) : (
        <>
          <PullRequestTable rows={p.pullRequests} githubWebUrl={p.githubWebUrl} showAuthor={false} org={p.org} range={p.range} />
          {p.moreThanShown ? (
            <p class="muted">
              Showing the newest {p.pullRequests.length}; the{' '}
              <a href={`/orgs/${p.org}/pull-requests?${new URLSearchParams({ start_date: p.range.startDate, end_date: p.range.endDate, ...keptFilters(p), author: t.login ?? p.userKey }).toString()}`}>
                pull requests page
              </a>{' '}
              lists
              all.
            </p>
          ) : null}
        </>
      )}
    </Layout>
  );
};
