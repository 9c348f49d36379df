import type { FC } from 'hono/jsx';
import type { UserRow } from '../../metrics/report.js';
import { formatNumber, formatShare, formatUsd, RangePicker, TableWrap, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';

/* Everyone with activity in the range: the API's users rows as a table. */

export interface PeoplePageProps extends OrgPageFrame {
  processedAt: string | null;
  people: { key: string; row: UserRow }[];
  spend: boolean;
}

export const PeoplePage: FC<PeoplePageProps> = ({ org, role, viewer, range, preset, processedAt, people, spend }) => {
  const rangeQuery = `start_date=${range.startDate}&end_date=${range.endDate}`;
  return (
    <Layout title="People" viewer={viewer} org={{ login: org, role, section: 'people', query: rangeQuery }}>
      <h1>People</h1>
      <RangePicker path={`/orgs/${org}/users`} preset={preset} startDate={range.startDate} endDate={range.endDate} processedAt={processedAt} />
      <p>
        <a class="button" href={`/orgs/${org}/users.csv?${rangeQuery}`} download>
          Export all users (CSV)
        </a>{' '}
        <span class="muted">Claude Code users not yet linked to a GitHub login are listed by email.</span>
      </p>
      <TableWrap label="People">
        <table>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col" class="num">PRs merged</th>
              <th scope="col" class="num">with Claude Code</th>
              <th scope="col" class="num">Lines committed</th>
              <th scope="col" class="num">with Claude Code</th>
              <th scope="col" class="num">Lines accepted</th>
              <th scope="col" class="num">Accept rate</th>
              <th scope="col" class="num">Sessions</th>
              {spend ? <th scope="col" class="num">Spend</th> : null}
            </tr>
          </thead>
          <tbody>
            {people.length === 0 ? (
              <tr>
                <td colspan={spend ? 9 : 8} class="muted">
                  Nobody had activity in this range.
                </td>
              </tr>
            ) : (
              people.map(({ key, row }) => (
                <tr data-person={key}>
                  <td>
                    <a href={`/orgs/${org}/users/${encodeURIComponent(key)}?${rangeQuery}`}>{row.login ?? row.email ?? key}</a>
                    {row.login ? null : <span class="muted"> (not linked)</span>}
                  </td>
                  <td class="num">{formatNumber(row.pull_requests_merged)}</td>
                  <td class="num">{formatNumber(row.pull_requests_with_claude_code)}</td>
                  <td class="num">{formatNumber(row.lines_committed)}</td>
                  <td class="num">{formatNumber(row.lines_with_claude_code)}</td>
                  <td class="num">{formatNumber(row.lines_accepted)}</td>
                  <td class="num">{formatShare(row.suggestion_accept_rate)}</td>
                  <td class="num">{formatNumber(row.sessions)}</td>
                  {spend ? <td class="num">{formatUsd(row.cost_usd)}</td> : null}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableWrap>
    </Layout>
  );
};
