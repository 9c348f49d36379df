import type { FC } from 'hono/jsx';
import type { RepositoryRow } from '../../metrics/report.js';
import { formatNumber, formatShare, keptFilters, keptQuery, rangeQuery, RangePicker, TableWrap, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';

/* Every repository with activity in the range: the API's repositories rows, each opening its own page and its PRs. */

export interface RepositoriesPageProps extends OrgPageFrame {
  processedAt: string | null;
  repositories: RepositoryRow[];
}

/** The API's fields the table shows, with their column titles (distinct, as a screen reader reads them alone). */
const COLUMNS = [
  ['pull_requests_merged', 'PRs merged'],
  ['pull_requests_with_claude_code', 'PRs with Claude Code'],
  ['pull_requests_without_claude_code', 'PRs without Claude Code'],
  ['pull_requests_opened', 'PRs opened'],
  ['lines_committed', 'Lines committed'],
  ['lines_with_claude_code', 'Lines with Claude Code'],
] as const satisfies readonly (readonly [keyof RepositoryRow, string])[];

export const RepositoriesPage: FC<RepositoriesPageProps> = ({ org, role, viewer, range, preset, processedAt, repositories, repository, teams }) => {
  const kept = rangeQuery(range);
  return (
    <Layout title="Repositories" viewer={viewer} org={{ login: org, role, section: 'repositories', query: keptQuery({ range, repository }) }}>
      <h1>Repositories</h1>
      <RangePicker
        path={`/orgs/${org}/repositories`}
        preset={preset}
        startDate={range.startDate}
        endDate={range.endDate}
        processedAt={processedAt}
        extra={keptFilters({ repository })}
        team={range.team}
        teams={repository ? undefined : teams}
      />
      <TableWrap label="Repositories">
        <table>
          <thead>
            <tr>
              <th scope="col">Repository</th>
              {COLUMNS.map(([, title]) => (
                <th scope="col" class="num">
                  {title}
                </th>
              ))}
              <th scope="col" class="num">
                Share of lines with Claude Code
              </th>
            </tr>
          </thead>
          <tbody>
            {repositories.length === 0 ? (
              <tr>
                <td colspan={COLUMNS.length + 2} class="muted">
                  No repository had activity in this range.
                </td>
              </tr>
            ) : (
              repositories.map((r) => (
                <tr data-repository={r.repository} aria-current={r.repository === repository ? 'true' : undefined}>
                  <td>
                    <a href={`/orgs/${org}/repositories/${r.repository}?${kept}`}>{r.repository}</a>{' '}
                    <a class="muted" href={`/orgs/${org}?${keptQuery({ range: { startDate: range.startDate, endDate: range.endDate }, repository: r.repository })}`}>
                      (overview)
                    </a>{' '}
                    <a class="muted" href={`/orgs/${org}/pull-requests?${kept}&${new URLSearchParams({ repository: r.repository }).toString()}`}>
                      (its pull requests)
                    </a>
                  </td>
                  {COLUMNS.map(([field]) => (
                    <td class="num" data-field={field} data-value={String(r[field])}>
                      {formatNumber(r[field])}
                    </td>
                  ))}
                  <td class="num">{formatShare(r.lines_committed === 0 ? null : r.lines_with_claude_code / r.lines_committed)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableWrap>
    </Layout>
  );
};
