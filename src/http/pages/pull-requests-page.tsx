import type { FC } from 'hono/jsx';
import type { PullRequestRow } from '../../metrics/report.js';
import { rangeQuery, PullRequestTable, RangePicker, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';

/* Merged PRs of the range, filtered with / without Claude Code, each with its evidence in plain words. */

export type PullRequestFilter = 'all' | 'with' | 'without';

export interface PullRequestsPageProps extends OrgPageFrame {
  processedAt: string | null;
  filter: PullRequestFilter;
  rows: PullRequestRow[];
  nextPage: string | null;
  githubWebUrl: string;
}

/** The API's parameter: `with_claude_code=true|false`. */
const filterParam = (f: PullRequestFilter): Record<string, string> => (f === 'all' ? {} : { with_claude_code: f === 'with' ? 'true' : 'false' });

const FILTERS: { id: PullRequestFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'with', label: 'With Claude Code' },
  { id: 'without', label: 'Without Claude Code' },
];

export const PullRequestsPage: FC<PullRequestsPageProps> = ({ org, role, viewer, range, preset, processedAt, filter, rows, nextPage, githubWebUrl }) => {
  const base = `/orgs/${org}/pull-requests`;
  const query = (extra: Record<string, string>) =>
    `${base}?${new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filterParam(filter), ...extra }).toString()}`;
  return (
    <Layout title="Pull requests" viewer={viewer} org={{ login: org, role, section: 'pull-requests', query: rangeQuery(range) }}>
      <h1>Merged pull requests</h1>
      <RangePicker
        path={base}
        preset={preset}
        startDate={range.startDate}
        endDate={range.endDate}
        processedAt={processedAt}
        extra={filterParam(filter)}
      />
      <nav class="range" aria-label="Filter">
        <div class="presets">
          {FILTERS.map((f) => (
            <a
              href={`${base}?${new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filterParam(f.id) }).toString()}`}
              aria-current={filter === f.id ? 'true' : undefined}
            >
              {f.label}
            </a>
          ))}
        </div>
      </nav>
      {rows.length === 0 ? (
        <p class="muted">No merged pull requests match in this range.</p>
      ) : (
        <PullRequestTable rows={rows} githubWebUrl={githubWebUrl} org={org} range={range} />
      )}
      {nextPage ? (
        <p class="pager">
          <a class="button" href={query({ page: nextPage })} rel="next">
            Next page
          </a>
        </p>
      ) : null}
    </Layout>
  );
};
