import type { FC } from 'hono/jsx';
import type { TeamRow } from '../../metrics/teams-report.js';
import { formatNumber, formatShare, formatUsd, rangeQuery, RangePicker, TableWrap, type OrgPageFrame } from './components.js';
import { Layout } from './layout.js';

/*
 * The org's teams with their headline figures (spec: Teams): the API's `teams` rows as a table,
 * each team opening the overview filtered to it. A person in several teams counts in each, so
 * the rows do not add up to the org's totals.
 */

export interface TeamsPageProps extends OrgPageFrame {
  processedAt: string | null;
  teams: TeamRow[];
  spend: boolean;
}

/** The API's fields the table shows, with their column titles (distinct, as a screen reader reads them alone). */
const COLUMNS = [
  ['members', 'People'],
  ['pull_requests_merged', 'PRs merged'],
  ['pull_requests_with_claude_code', 'PRs with Claude Code'],
  ['pull_requests_without_claude_code', 'PRs without Claude Code'],
  ['lines_committed', 'Lines committed'],
  ['lines_with_claude_code', 'Lines with Claude Code'],
  ['active_users', 'Active Claude Code users'],
] as const satisfies readonly (readonly [keyof TeamRow, string])[];

export const TeamsPage: FC<TeamsPageProps> = ({ org, role, viewer, range, preset, processedAt, teams, spend }) => {
  const period = { startDate: range.startDate, endDate: range.endDate };
  return (
    <Layout title="Teams" viewer={viewer} org={{ login: org, role, section: 'teams', query: rangeQuery(period) }}>
      <h1>Teams</h1>
      <RangePicker path={`/orgs/${org}/teams`} preset={preset} startDate={range.startDate} endDate={range.endDate} processedAt={processedAt} />
      <p class="muted">
        Teams are the org's GitHub teams (read daily, kept current by GitHub's team and membership events) and the teams Claude Code's telemetry
        names in its <code>team</code> resource attribute (<code>OTEL_RESOURCE_ATTRIBUTES=team=…</code>); a telemetry team with a GitHub team's slug is that
        team. A person in several teams counts in each, so the rows do not add up to the org's totals.
      </p>
      <TableWrap label="Teams">
        <table>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Source</th>
              {COLUMNS.map(([, title]) => (
                <th scope="col" class="num">
                  {title}
                </th>
              ))}
              <th scope="col" class="num">
                Share of PRs with Claude Code
              </th>
              {spend ? (
                <th scope="col" class="num">
                  Spend
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {teams.length === 0 ? (
              <tr>
                <td colspan={COLUMNS.length + 3 + (spend ? 1 : 0)} class="muted">
                  No teams yet: the org has no GitHub teams the app has read, and no Claude Code telemetry named a team in this range.
                </td>
              </tr>
            ) : (
              teams.map((t) => (
                <tr data-team={t.slug}>
                  <td>
                    <a href={`/orgs/${org}?${rangeQuery({ ...period, team: t.slug })}`}>{t.name}</a>
                    {t.name === t.slug ? null : <span class="muted"> ({t.slug})</span>}
                  </td>
                  <td>{t.source === 'github' ? 'GitHub team' : 'Telemetry'}</td>
                  {COLUMNS.map(([field]) => (
                    <td class="num" data-field={field} data-value={String(t[field])}>
                      {formatNumber(t[field])}
                    </td>
                  ))}
                  <td class="num">{formatShare(t.pull_requests_merged === 0 ? null : t.pull_requests_with_claude_code / t.pull_requests_merged)}</td>
                  {spend ? (
                    <td class="num" data-field="cost_usd" data-value={String(t.cost_usd)}>
                      {formatUsd(t.cost_usd)}
                    </td>
                  ) : null}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableWrap>
    </Layout>
  );
};
