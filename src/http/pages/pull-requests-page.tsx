import type { FC } from 'hono/jsx';
import type { PullRequestRow } from '../../metrics/report.js';
import { filterParams, formatNumber, keptQuery, PullRequestSplit, PullRequestTable, RangePicker, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';

/*
 * Merged PRs of the range, newest first, with their total: narrowed to with / without Claude Code,
 * a repository, an author, or words of the title; each with its evidence in plain words.
 */

/** `bots`: the PRs of bot accounts, which the with/without comparison sets apart. */
export type PullRequestFilter = 'all' | 'with' | 'without' | 'bots';

/** What the list is narrowed to, as the page's query parameters say it. */
export interface PullRequestQuery {
  filter: PullRequestFilter;
  repository: string | undefined;
  author: string | undefined;
  /** Words of the title. */
  q: string | undefined;
  /** 1-based. */
  page: number;
}

export interface PullRequestsPageProps extends OrgPageFrame {
  processedAt: string | null;
  query: PullRequestQuery;
  rows: PullRequestRow[];
  /** PRs the filters keep, over every page. */
  total: number;
  /** The range's PRs under the repository, author and title filters, split three ways: with + without + bots = all. */
  counts: { with: number; without: number; bots: number };
  pageSize: number;
  /** Repositories with merged PRs in the range, for the repository filter. */
  repositories: string[];
  githubWebUrl: string;
}

/** The API's parameter `with_claude_code=true|false`, or the page's `bots=true`. */
const filterParam = (f: PullRequestFilter): Record<string, string> =>
  f === 'all' ? {} : f === 'bots' ? { bots: 'true' } : { with_claude_code: f === 'with' ? 'true' : 'false' };

/** The query parameters of the list's narrowing (not the range, not the page). */
export const pullRequestFilterParams = (q: Omit<PullRequestQuery, 'page'>): Record<string, string> => ({
  ...filterParam(q.filter),
  ...(q.repository ? { repository: q.repository } : {}),
  ...(q.author ? { author: q.author } : {}),
  ...(q.q ? { q: q.q } : {}),
});

const FILTERS: { id: PullRequestFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'with', label: 'With Claude Code' },
  { id: 'without', label: 'Without Claude Code' },
  { id: 'bots', label: 'Bots' },
];

/* Links to other pages keep the team or, without one, the repository: those pages narrow to one of them. */
export const PullRequestsPage: FC<PullRequestsPageProps> = ({ org, role, viewer, range, preset, processedAt, query, rows, total, counts, pageSize, repositories, githubWebUrl, teams }) => {
  const base = `/orgs/${org}/pull-requests`;
  const href = (over: Partial<PullRequestQuery>) => {
    const q = { ...query, ...over };
    const params: Record<string, string> = { ...pullRequestFilterParams(q), ...(q.page > 1 ? { page: String(q.page) } : {}) };
    return `${base}?${new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filterParams(range), ...params }).toString()}`;
  };
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = (query.page - 1) * pageSize + 1;
  const narrowed = Boolean(query.repository || query.author || query.q);
  return (
    <Layout title="Pull requests" viewer={viewer} org={{ login: org, role, section: 'pull-requests', query: keptQuery({ range, repository: range.team ? undefined : query.repository?.toLowerCase() }) }}>
      <h1>Merged pull requests</h1>
      <RangePicker
        path={base}
        preset={preset}
        startDate={range.startDate}
        endDate={range.endDate}
        processedAt={processedAt}
        extra={pullRequestFilterParams(query)}
        team={range.team}
        teams={teams}
      />
      <nav class="range" aria-label="With or without Claude Code">
        <div class="presets">
          {FILTERS.map((f) => (
            <a href={href({ filter: f.id, page: 1 })} aria-current={query.filter === f.id ? 'true' : undefined}>
              {f.label}
            </a>
          ))}
        </div>
      </nav>
      <form method="get" action={base} class="filters" aria-label="Filter pull requests">
        {Object.entries({ start_date: range.startDate, end_date: range.endDate, ...filterParams(range), ...filterParam(query.filter) }).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <label>
          Repository
          <select name="repository">
            <option value="" selected={!query.repository}>
              All repositories
            </option>
            {[...new Set([...repositories, ...(query.repository ? [query.repository] : [])])].map((name) => (
              <option value={name} selected={query.repository?.toLowerCase() === name.toLowerCase()}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Author
          <input type="text" name="author" value={query.author ?? ''} maxlength={45} placeholder="GitHub login" autocomplete="off" />
        </label>
        <label>
          Title contains
          <input type="search" name="q" value={query.q ?? ''} maxlength={100} />
        </label>
        <button type="submit">Filter</button>
        {narrowed ? <a href={href({ repository: undefined, author: undefined, q: undefined, page: 1 })}>Clear filters</a> : null}
      </form>
      <p class="total" data-total={String(total)}>
        {total === 0
          ? 'No merged pull requests match in this range.'
          : `${formatNumber(total)} merged pull request${total === 1 ? '' : 's'}${total > rows.length ? ` · showing ${formatNumber(first)}–${formatNumber(first + rows.length - 1)}, newest first` : ', newest first'}`}
      </p>
      <PullRequestSplit counts={counts} />
      {rows.length === 0 ? null : <PullRequestTable rows={rows} githubWebUrl={githubWebUrl} org={org} range={range} kept={keptQuery({ range, repository: range.team ? undefined : query.repository?.toLowerCase() })} />}
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          {query.page > 1 ? (
            <a class="button" href={href({ page: query.page - 1 })} rel="prev">
              Previous page
            </a>
          ) : null}{' '}
          <span>
            Page {query.page} of {pages}
          </span>{' '}
          {query.page < pages ? (
            <a class="button" href={href({ page: query.page + 1 })} rel="next">
              Next page
            </a>
          ) : null}
        </nav>
      ) : null}
    </Layout>
  );
};
