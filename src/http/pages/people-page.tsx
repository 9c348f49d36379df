import type { FC } from 'hono/jsx';
import type { UserRow } from '../../metrics/report.js';
import {
  formatDay,
  formatNumber,
  formatShare,
  formatUsd,
  filterParams,
  keptFilters,
  keptQuery,
  OrgWideBadge,
  OrgWideNote,
  PersonLink,
  rangeQuery,
  RangePicker,
  RepositoryFilter,
  TableWrap,
  type OrgPageFrame,
} from './components.js';
import { Layout } from './layout.js';

/* Everyone with activity in the range: the API's users rows as a table, sortable by any column and searchable. */

export interface Person {
  key: string;
  row: UserRow;
  /** The last day with Claude Code activity or a merged PR, up to the range's end. */
  lastActive: string | null;
}

/**
 * The columns, in order: their title and the value they sort by (`spend` only for those who may
 * see spend). `orgWide`: a repository filter does not narrow it (telemetry has no repository).
 */
export const PEOPLE_COLUMNS = {
  person: { title: 'Person', value: (p: Person) => (p.row.login ?? p.row.email ?? p.key).toLowerCase(), spend: false, orgWide: false },
  pull_requests_merged: { title: 'PRs merged', value: (p: Person) => p.row.pull_requests_merged, spend: false, orgWide: false },
  pull_requests_with_claude_code: { title: 'PRs with Claude Code', value: (p: Person) => p.row.pull_requests_with_claude_code, spend: false, orgWide: false },
  lines_committed: { title: 'Lines committed', value: (p: Person) => p.row.lines_committed, spend: false, orgWide: false },
  lines_with_claude_code: { title: 'Lines with Claude Code', value: (p: Person) => p.row.lines_with_claude_code, spend: false, orgWide: false },
  lines_accepted: { title: 'Lines accepted', value: (p: Person) => p.row.lines_accepted, spend: false, orgWide: true },
  suggestion_accept_rate: { title: 'Accept rate', value: (p: Person) => p.row.suggestion_accept_rate, spend: false, orgWide: true },
  sessions: { title: 'Sessions', value: (p: Person) => p.row.sessions, spend: false, orgWide: true },
  cost_usd: { title: 'Spend', value: (p: Person) => p.row.cost_usd, spend: true, orgWide: true },
  last_active: { title: 'Last active', value: (p: Person) => p.lastActive, spend: false, orgWide: true },
} as const;

export type PeopleSort = keyof typeof PEOPLE_COLUMNS;
export type SortDirection = 'asc' | 'desc';

export const isPeopleSort = (v: string): v is PeopleSort => Object.hasOwn(PEOPLE_COLUMNS, v);

/** People in the column's order; an unknown value (null) last either way, ties by person. */
export function sortPeople(people: Person[], sort: PeopleSort, dir: SortDirection): Person[] {
  const value = PEOPLE_COLUMNS[sort].value;
  const name = PEOPLE_COLUMNS.person.value;
  const sign = dir === 'asc' ? 1 : -1;
  return [...people].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? name(a).localeCompare(name(b)) : va === null ? 1 : -1;
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return order === 0 ? name(a).localeCompare(name(b)) : sign * order;
  });
}

/** People whose login, email or key contains `q`, any case. */
export const searchPeople = (people: Person[], q: string) => {
  const needle = q.toLowerCase();
  return people.filter((p) => [p.row.login, p.row.email, p.key].some((v) => v?.toLowerCase().includes(needle)));
};

export interface PeoplePageProps extends OrgPageFrame {
  processedAt: string | null;
  people: Person[];
  spend: boolean;
  /** Absent: the order of the API's users list. */
  sort: { by: PeopleSort; dir: SortDirection } | undefined;
  q: string | undefined;
  /** Everyone with activity in the range (with a repository filter: who contributed to it), before the search. */
  everyone: number;
  /** The repositories with activity in the range, for the repository filter. */
  repositories: string[];
  /** The org's members (of the team, when filtered) with no Claude Code telemetry in the range; null: the member list is unknown. */
  notUsing?: { login: string }[] | null | undefined;
}

export const PeoplePage: FC<PeoplePageProps> = ({ org, role, viewer, range, preset, processedAt, people, spend, sort, q, everyone, repository, repositories, teams, notUsing }) => {
  const kept = keptQuery({ range, repository });
  const filters = { ...filterParams(range), ...keptFilters({ repository }) };
  const base = `/orgs/${org}/users`;
  const columns = (Object.entries(PEOPLE_COLUMNS) as [PeopleSort, (typeof PEOPLE_COLUMNS)[PeopleSort]][]).filter(([, c]) => spend || !c.spend);
  const sortHref = (by: PeopleSort) => {
    // A text column starts A→Z; a figure or a day starts with the largest or latest.
    const first: SortDirection = by === 'person' ? 'asc' : 'desc';
    const dir = sort?.by === by ? (sort.dir === 'asc' ? 'desc' : 'asc') : first;
    return `${base}?${new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filters, sort: by, dir, ...(q ? { q } : {}) }).toString()}`;
  };
  const sorted: Record<string, string> = sort ? { sort: sort.by, dir: sort.dir } : {};
  return (
    <Layout title="People" viewer={viewer} org={{ login: org, role, section: 'people', query: kept }}>
      <h1>People</h1>
      <RangePicker
        path={base}
        preset={preset}
        startDate={range.startDate}
        endDate={range.endDate}
        processedAt={processedAt}
        extra={{ ...keptFilters({ repository }), ...sorted, ...(q ? { q } : {}) }}
        team={range.team}
        teams={repository ? undefined : teams}
      />
      <RepositoryFilter path={base} repositories={repositories} repository={repository} keep={{ start_date: range.startDate, end_date: range.endDate, ...sorted, ...(q ? { q } : {}) }} />
      {repository ? <OrgWideNote repository={repository} what="Lines accepted, the accept rate, sessions, spend and the last active day" /> : null}
      <p>
        <a class="button" href={`/orgs/${org}/users.csv?${rangeQuery(range)}`} download>
          Export all users (CSV{repository ? ', all repositories' : ''})
        </a>{' '}
        <span class="muted">Claude Code users not yet linked to a GitHub login are listed by email.</span>
      </p>
      <form method="get" action={base} class="filters" role="search" aria-label="Search people">
        {Object.entries({ start_date: range.startDate, end_date: range.endDate, ...filters, ...sorted }).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <label>
          Login or email
          <input type="search" name="q" value={q ?? ''} maxlength={100} />
        </label>
        <button type="submit">Search</button>
        {q ? <a href={`${base}?${new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filters, ...sorted }).toString()}`}>Show everyone</a> : null}
      </form>
      {q ? (
        <p class="total" data-total={String(people.length)}>
          {formatNumber(people.length)} of {formatNumber(everyone)} people match "{q}".
        </p>
      ) : null}
      <TableWrap label="People">
        <table>
          <thead>
            <tr>
              {columns.map(([id, c]) => (
                <th scope="col" class={id === 'person' || id === 'last_active' ? undefined : 'num'} aria-sort={sort?.by === id ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined} data-sort={id}>
                  <a href={sortHref(id)}>{c.title}</a>
                  <OrgWideBadge shown={Boolean(repository) && c.orgWide} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {people.length === 0 ? (
              <tr>
                <td colspan={columns.length} class="muted">
                  {q ? 'Nobody with activity in this range matches.' : repository ? `Nobody merged, opened or committed in ${repository} in this range.` : 'Nobody had activity in this range.'}
                </td>
              </tr>
            ) : (
              people.map(({ key, row, lastActive }) => (
                <tr data-person={key}>
                  <td>
                    <PersonLink org={org} userKey={key} login={row.login} email={row.email} kept={kept} />
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
                  <td class="date" data-last-active={lastActive ?? ''}>
                    {lastActive ? formatDay(lastActive) : '—'}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableWrap>
      {notUsing === undefined ? null : <NotUsingSection notUsing={notUsing} team={range.team} />}
    </Layout>
  );
};

/**
 * "Not using Claude Code yet": the org's members (from the member list the app reads from GitHub
 * daily) with no Claude Code telemetry in the range. With a team: its GitHub members only.
 */
export const NotUsingSection: FC<{ notUsing: { login: string }[] | null; team: string | undefined }> = ({ notUsing, team }) => (
  <section aria-labelledby="not-using-title" data-not-using={notUsing === null ? 'unknown' : String(notUsing.length)}>
    <h2 id="not-using-title">Not using Claude Code yet</h2>
    {notUsing === null ? (
      <p class="muted">
        The org's member list is not known yet. The app reads it from GitHub once a day with its installation (the <code>members: read</code> permission);
        this server has not read it yet, or has no GitHub App credentials to read it with.
      </p>
    ) : notUsing.length === 0 ? (
      <p>Every member{team ? ` of team ${team}` : ''} sent Claude Code telemetry in this range.</p>
    ) : (
      <>
        <p>
          {formatNumber(notUsing.length)} member{notUsing.length === 1 ? '' : 's'}
          {team ? ` of team ${team}` : ' of the org'} sent no Claude Code telemetry in this range (from the org's member list on GitHub).
        </p>
        <ul class="logins">
          {notUsing.map((m) => (
            <li data-login={m.login}>{m.login}</li>
          ))}
        </ul>
      </>
    )}
  </section>
);
