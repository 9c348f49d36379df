import type { FC } from 'hono/jsx';
import type { OutcomesReport } from '../../metrics/outcomes-report.js';
import { periodChange, type PeriodChange, type RepositoryRow } from '../../metrics/report.js';
import { ChartData, formatNumber, formatShare, keptFilters, keptQuery, PullRequestSplit, RangePicker, rangeQuery, Tile, type OrgPageFrame, type TileChange } from './components.js';
import type { DurabilityReport } from '../../metrics/durability-report.js';
import { Layout } from './layout.js';
import { outcomesChart, OutcomesSection } from './outcomes-section.js';
import { durabilityChart, DurabilitySection } from './durability-section.js';

/*
 * One repository: its PRs and lines (the API's repositories row) with the change vs the period
 * before, how its merged PRs add up, its Outcomes and Durability (the API's `outcomes?repository=`,
 * `durability?repository=`). Spend is not known per repository.
 */

export interface RepositoryPageProps extends OrgPageFrame {
  /** The repository shown (the page's path), as GitHub spells it. */
  shown: string;
  processedAt: string | null;
  outcomes: OutcomesReport;
  totals: RepositoryRow;
  /** The same row over the period of the same length before; `processed`: any of those days was. */
  previous: RepositoryRow & { days: number; processed: boolean };
  /** Its merged PRs split three ways: with + without + bots = all. */
  counts: { with: number; without: number; bots: number };
  durability?: DurabilityReport | undefined;
}

export const RepositoryPage: FC<RepositoryPageProps> = (p) => {
  const t = p.totals;
  const before = p.previous;
  const change = (current: number | null, previous: number | null, kind: PeriodChange['kind'] = 'relative'): TileChange => ({
    ...periodChange(current, previous, kind),
    days: before.days,
    hasPrevious: before.processed,
  });
  const lineShare = (r: RepositoryRow) => (r.lines_committed === 0 ? null : Math.round((r.lines_with_claude_code / r.lines_committed) * 10_000) / 10_000);
  const narrowed = new URLSearchParams({ start_date: p.range.startDate, end_date: p.range.endDate, repository: t.repository }).toString();
  return (
    <Layout title={p.shown} viewer={p.viewer} org={{ login: p.org, role: p.role, section: 'repositories', query: keptQuery(p) }} charts>
      <h1>{p.shown}</h1>
      <RangePicker path={`/orgs/${p.org}/repositories/${p.shown}`} preset={p.preset} startDate={p.range.startDate} endDate={p.range.endDate} processedAt={p.processedAt} extra={keptFilters(p)} team={p.range.team} />
      <dl class="tiles" aria-label="Totals for the range">
        <Tile
          label="PRs with Claude Code"
          metric="pull_requests_with_claude_code"
          value={t.pull_requests_with_claude_code}
          shown={formatNumber(t.pull_requests_with_claude_code)}
          note={`of ${formatNumber(t.pull_requests_merged)} merged by people`}
          change={change(t.pull_requests_with_claude_code, before.pull_requests_with_claude_code)}
        />
        <Tile
          label="PRs merged"
          metric="pull_requests_merged"
          value={t.pull_requests_merged}
          shown={formatNumber(t.pull_requests_merged)}
          note={`${formatNumber(t.pull_requests_without_claude_code)} without Claude Code`}
          change={change(t.pull_requests_merged, before.pull_requests_merged)}
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
          label="Share of lines with Claude Code"
          metric="lines_with_claude_code_share"
          value={lineShare(t)}
          shown={formatShare(lineShare(t))}
          change={change(lineShare(t), lineShare(before), 'points')}
        />
        <Tile
          label="PRs opened"
          metric="pull_requests_opened"
          value={t.pull_requests_opened}
          shown={formatNumber(t.pull_requests_opened)}
          change={change(t.pull_requests_opened, before.pull_requests_opened)}
        />
      </dl>
      <PullRequestSplit counts={p.counts} />
      <p>
        <a href={`/orgs/${p.org}/pull-requests?${narrowed}`}>Its pull requests</a> · <a href={`/orgs/${p.org}?${narrowed}`}>The overview narrowed to it</a> ·{' '}
        <a href={`/orgs/${p.org}/users?${narrowed}`}>Its people</a> · <a href={`/orgs/${p.org}/repositories?${rangeQuery(p.range)}`}>All repositories</a>
      </p>
      <OutcomesSection report={p.outcomes} chartId="repository-outcomes" spend={false} who={p.shown} />
      {p.durability ? <DurabilitySection report={p.durability} chartId="repository-durability" who={p.shown} /> : null}
      <ChartData specs={{ 'repository-outcomes': outcomesChart(p.outcomes), ...(p.durability ? { 'repository-durability': durabilityChart(p.durability) } : {}) }} />
    </Layout>
  );
};
