import type { Child, FC } from 'hono/jsx';
import type { WebSession } from '../../db/web-sessions.js';
import type { PeriodChange, PullRequestRow } from '../../metrics/report.js';
import type { DayRange } from '../../utc-days.js';
import type { OrgRole } from '../auth/org-access.js';

/* Pieces the metrics pages share: the date range picker, tiles, charts with their tables, evidence. */

const integer = new Intl.NumberFormat('en-US');
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatNumber = (n: number) => integer.format(n);
export const formatUsd = (n: number) => usd.format(n);
export const formatShare = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1).replace(/\.0$/, '')}%`);
export const formatDay = (day: string) =>
  new Date(`${day.slice(0, 10)}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

export type RangePreset = '7d' | '30d' | '90d' | 'mtd' | 'custom';

/**
 * What a page's figures are narrowed to besides the range, carried with it (spec: Teams): `team`,
 * a team's slug. The range object of a page carries it, so every link that keeps the range keeps it.
 */
export interface PageFilters {
  team?: string | undefined;
}

/** A team as the team filter offers it. */
export interface TeamOption {
  slug: string;
  name: string;
}

/** What every page of an org's figures is drawn for: the org, who is looking, and the range (with its filters). */
export interface OrgPageFrame {
  org: string;
  role: OrgRole;
  viewer: WebSession | undefined;
  range: DayRange & PageFilters;
  preset: RangePreset;
  /** The repository filter (`repository=owner/name`), kept like the range between pages; a page is narrowed to a team or to a repository, not both. */
  repository?: string | undefined;
  /** The org's teams, for the team filter (none: no filter shown). */
  teams?: TeamOption[] | undefined;
}

/** The page's filters as query parameters (none when unset). */
export const filterParams = (filters: PageFilters): Record<string, string> => (filters.team ? { team: filters.team } : {});

/** A page's range (and filters) as a query string, carried by every link to another page of figures so the range stays chosen. */
export const rangeQuery = (range: DayRange & PageFilters) =>
  new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filterParams(range) }).toString();

/** The filters a page keeps when moving to another (the repository), as query parameters. */
export const keptFilters = (frame: Pick<OrgPageFrame, 'repository'>): Record<string, string> => (frame.repository ? { repository: frame.repository } : {});

/** The range and the filters (the team, the repository), as the query string every link to another page of figures carries. */
export const keptQuery = (frame: Pick<OrgPageFrame, 'range' | 'repository'>) =>
  new URLSearchParams({ start_date: frame.range.startDate, end_date: frame.range.endDate, ...filterParams(frame.range), ...keptFilters(frame) }).toString();

/**
 * The repository filter of the overview and people pages: a select of the org's repositories with
 * activity in the range. `keep` holds the page's other parameters (the range first), sent along.
 */
export const RepositoryFilter: FC<{ path: string; repositories: string[]; repository: string | undefined; keep: Record<string, string>; children?: Child }> = ({
  path,
  repositories,
  repository,
  keep,
  children,
}) => (
  <form method="get" action={path} class="filters" aria-label="Filter by repository" data-filter="repository">
    {Object.entries(keep).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    <label>
      Repository
      <select name="repository">
        <option value="" selected={!repository}>
          All repositories
        </option>
        {[...new Set([...repositories, ...(repository ? [repository.toLowerCase()] : [])])].sort().map((name) => (
          <option value={name} selected={repository?.toLowerCase() === name}>
            {name}
          </option>
        ))}
      </select>
    </label>
    {children}
    <button type="submit">Filter</button>
    {repository ? <a href={`${path}?${new URLSearchParams(keep).toString()}`}>All repositories</a> : null}
  </form>
);

/** Says, on a page narrowed to a repository, which figures are narrowed and which are the whole org's. */
export const OrgWideNote: FC<{ repository: string; what: string }> = ({ repository, what }) => (
  <p class="notice" data-org-wide>
    <strong>Narrowed to {repository}:</strong> pull requests and lines of code are this repository's. {what} are the whole org's, marked{' '}
    <span class="badge">org-wide</span>: Claude Code's telemetry does not say which repository a session worked in.
  </p>
);

/** The "org-wide" label of a figure that a repository filter does not narrow. */
export const OrgWideBadge: FC<{ shown: boolean }> = ({ shown }) =>
  shown ? (
    <>
      {' '}
      <span class="badge" title="Not narrowed to the repository: telemetry has no repository">
        org-wide
      </span>
    </>
  ) : null;

export const RANGE_PRESETS: { id: Exclude<RangePreset, 'custom'>; label: string }[] = [
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: '90d', label: 'Last 90 days' },
  { id: 'mtd', label: 'Month to date' },
];

export const RangePicker: FC<{
  path: string;
  preset: RangePreset;
  startDate: string;
  endDate: string;
  processedAt: string | null;
  extra?: Record<string, string>;
  /** The team filter: the chosen team (kept by the presets) and the teams offered in the form (spec: Teams). */
  team?: string | undefined;
  teams?: TeamOption[] | undefined;
}> = ({ path, preset, startDate, endDate, processedAt, extra: given = {}, team, teams = [] }) => {
  const extra = { ...given, ...filterParams({ team }) };
  const withExtra = (params: Record<string, string>) => `${path}?${new URLSearchParams({ ...extra, ...params }).toString()}`;
  return (
    <div class="range">
      <nav class="presets" aria-label="Date range">
        {RANGE_PRESETS.map((p) => (
          <a href={withExtra({ range: p.id })} aria-current={preset === p.id ? 'true' : undefined}>
            {p.label}
          </a>
        ))}
      </nav>
      <form method="get" action={path} aria-label="Custom date range">
        {Object.entries(teams.length > 0 ? given : extra).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        {teams.length > 0 ? (
          <label>
            Team
            <select name="team" data-team-filter>
              <option value="" selected={!team}>
                All teams
              </option>
              {teams.map((t) => (
                <option value={t.slug} selected={t.slug === team}>
                  {t.name === t.slug ? t.slug : `${t.name} (${t.slug})`}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          From
          <input type="date" name="start_date" value={startDate} required />
        </label>
        <label>
          To
          <input type="date" name="end_date" value={endDate} required />
        </label>
        <button type="submit">Apply</button>
      </form>
      <span class="processed" data-processed-at={processedAt ?? ''} title={processedAt ? `Processed ${processedAt.slice(0, 19).replace('T', ' ')} UTC` : undefined}>
        {startDate === endDate ? formatDay(startDate) : `${formatDay(startDate)} – ${formatDay(endDate)}`} (UTC)
        {processedAt ? ` · updated ${timeAgo(processedAt, Date.now())}` : ' · not processed yet'}
      </span>
    </div>
  );
};

/** How long ago `at` was, as the pages say how fresh their figures are: "40 s ago", "5 min ago", "3 h ago", "2 days ago". */
export function timeAgo(at: string, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - Date.parse(at)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86_400);
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}

/** A tile's change vs the previous period of the same length (`days` long); `hasPrevious`: that period was processed at all. */
export interface TileChange extends PeriodChange {
  days: number;
  hasPrevious: boolean;
}

/**
 * "▲ 12% vs previous 30 days": the arrow is hidden from screen readers, which read "up 12%". The
 * arrow is the text's colour: whether up is good depends on the figure.
 */
export const ChangeNote: FC<{ change: TileChange }> = ({ change: c }) => {
  const period = `vs previous ${formatNumber(c.days)} day${c.days === 1 ? '' : 's'}`;
  if (!c.hasPrevious) {
    return (
      <small class="change" data-change="" data-previous="">
        no previous data (the {formatNumber(c.days)} day{c.days === 1 ? '' : 's'} before)
      </small>
    );
  }
  const previous = c.previous === null ? '' : String(c.previous);
  if (c.change === null) {
    // A count up from 0 (no percentage of 0), or a rate that had no figure then.
    return c.previous === 0 ? (
      <small class="change" data-change="" data-previous={previous}>
        <span aria-hidden="true">▲ </span>up from 0 {period}
      </small>
    ) : (
      <small class="change" data-change="" data-previous={previous}>
        no figure {period}
      </small>
    );
  }
  const size = Math.abs(c.change) * 100;
  const amount = c.kind === 'points' ? `${size.toFixed(1).replace(/\.0$/, '')} pts` : `${Math.round(size)}%`;
  if (amount === '0%' || amount === '0 pts') {
    return (
      <small class="change" data-change={String(c.change)} data-previous={previous}>
        no change {period}
      </small>
    );
  }
  const up = c.change > 0;
  return (
    <small class="change" data-change={String(c.change)} data-previous={previous}>
      <span aria-hidden="true">{up ? '▲' : '▼'} </span>
      <span class="visually-hidden">{up ? 'up ' : 'down '}</span>
      {amount} {period}
    </small>
  );
};

/** A headline figure. `metric` names the API field it shows, `value` carries the raw number. */
export const Tile: FC<{ label: string; metric: string; value: number | null; shown: string; note?: Child; change?: TileChange | undefined; orgWide?: boolean }> = ({
  label,
  metric,
  value,
  shown,
  note,
  change,
  orgWide = false,
}) => (
  <div class="tile" data-metric={metric} data-value={value === null ? '' : String(value)} data-scope={orgWide ? 'org' : undefined}>
    <dt>
      {label}
      <OrgWideBadge shown={orgWide} />
    </dt>
    <dd>
      {shown}
      {note ? <small>{note}</small> : null}
      {change ? <ChangeNote change={change} /> : null}
    </dd>
  </div>
);

export interface ChartDataset {
  label: string;
  data: (number | null)[];
  /** A CSS custom property of the stylesheet (the light or dark scheme picks the color). */
  color: string;
  /** A series of another unit or size (e.g. sessions beside lines) is drawn as a line on its own axis, on the right. */
  axis?: 'right';
}

/** The two stacked series of a "with vs without Claude Code" chart. */
export const withAndWithout = (withData: number[], withoutData: number[]): ChartDataset[] => [
  { label: 'With Claude Code', data: withData, color: '--with' },
  { label: 'Without Claude Code', data: withoutData, color: '--without' },
];

export interface ChartSpec {
  kind: 'bar' | 'line';
  stacked?: boolean;
  labels: string[];
  /** The index of today's label when the chart ends today: a partial day, drawn lighter and marked in the table. */
  partial?: number;
  views: Record<string, { label: string; yLabel?: string; rightLabel?: string; datasets: ChartDataset[] }>;
}

/**
 * The frame of a table that may be wider than the screen: it scrolls, not the page. It is a named,
 * focusable region so keyboard users can scroll it too.
 */
export const TableWrap: FC<{ label: string; children?: Child } & Record<`data-${string}`, string | undefined> & { hidden?: boolean }> = ({ label, children, ...rest }) => (
  <div class="table-wrap" role="region" aria-label={label} tabindex={0} {...rest}>
    {children}
  </div>
);

const cell = (v: number | null, format: (n: number) => string) => (v === null ? '—' : format(v));

/** A chart drawn on a canvas by the page's script, with its numbers as a table for everyone (and screen readers). */
export const ChartFigure: FC<{ id: string; title: string; spec: ChartSpec; format?: (n: number) => string; description: string; rowLabel?: string }> = ({
  id,
  title,
  spec,
  format = formatNumber,
  description,
  rowLabel = 'Day',
}) => {
  const views = Object.entries(spec.views);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption>
        <span id={`${id}-title`}>{title}</span>
        {views.length > 1 ? (
          <div class="toggle" role="group" aria-label={`${title}: show`} data-chart-toggle={id}>
            {views.map(([view, v], i) => (
              <button type="button" data-view={view} aria-pressed={i === 0 ? 'true' : 'false'}>
                {v.label}
              </button>
            ))}
          </div>
        ) : null}
      </figcaption>
      <div class="canvas-box">
        <canvas
          data-chart={id}
          role="img"
          aria-label={`${title}: ${description}.${spec.partial === undefined ? '' : ` The last day is today, still partial.`} The numbers are in the table below.`}
        ></canvas>
      </div>
      {spec.partial === undefined ? null : (
        <p class="muted chart-note" data-partial-note>
          {spec.labels[spec.partial]} is today: its figures are partial until the day ends (drawn lighter).
        </p>
      )}
      <details>
        <summary>Show the numbers</summary>
        {views.map(([, v]) => (
          <TableWrap label={`${title}: ${v.label}`}>
            <table>
              <caption class="visually-hidden">
                {title}: {v.label}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{rowLabel}</th>
                  {v.datasets.map((d) => (
                    <th scope="col" class="num">
                      {d.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {spec.labels.map((label, i) => (
                  <tr data-partial={spec.partial === i ? 'true' : undefined}>
                    <th scope="row">
                      {label}
                      {spec.partial === i ? <span class="partial"> (today, partial)</span> : null}
                    </th>
                    {v.datasets.map((d) => (
                      <td class="num">{cell(d.data[i] ?? null, format)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      </details>
    </figure>
  );
};

/** The charts' numbers, for the page's script; `<` is escaped so nothing in it can end the script element. */
export const ChartData: FC<{ specs: Record<string, ChartSpec> }> = ({ specs }) => (
  <script type="application/json" id="chart-data" dangerouslySetInnerHTML={{ __html: JSON.stringify(specs).replace(/</g, '\\u003c') }}></script>
);

/** GitHub names an app's account `name[bot]`. */
export const isBotLogin = (login: string): boolean => /\[bot\]$/i.test(login);

/** "14 bot PRs not compared": what the with/without figures leave out, so that with + without + bots = all. */
export const botPullRequestsNote = (bots: number): string => `${formatNumber(bots)} bot PR${bots === 1 ? '' : 's'} not compared`;

export const WithBadge: FC<{ with: boolean }> = ({ with: yes }) =>
  yes ? <span class="badge with">with Claude Code</span> : <span class="badge">without</span>;

/** A merged PR as a table row (the PR first: the column that stays in view); its evidence in plain words opens below its title. */
export const PullRequestRowView: FC<{ pr: PullRequestRow; githubWebUrl: string; showAuthor?: boolean; org: string; range: DayRange; kept?: string | undefined }> = ({
  pr,
  githubWebUrl,
  showAuthor = true,
  org,
  range,
  kept = rangeQuery(range),
}) => (
  <tr data-pull-request={`${pr.repository}#${pr.number}`}>
    <td>
      {/* The link stays outside the summary: a link inside the control that opens the evidence would be two controls in one. */}
      <a href={`${githubWebUrl}/${pr.repository}/pull/${pr.number}`}>
        {pr.repository}#{pr.number}
      </a>{' '}
      {pr.title}
      <details class="evidence">
        <summary>Why {pr.with_claude_code ? 'with' : 'without'} Claude Code</summary>
        {pr.explanation.length > 0 ? (
          <ul>
            {pr.explanation.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        ) : (
          <p class="muted">No Claude Code activity of the author or linked sessions in the attribution window.</p>
        )}
      </details>
    </td>
    <td class="date">{formatDay(pr.merged_at)}</td>
    {showAuthor ? (
      <td>
        <a href={`/orgs/${org}/users/${encodeURIComponent(pr.author.toLowerCase())}?${kept}`}>{pr.author}</a>
        {pr.author_is_bot ? (
          <>
            {' '}
            <span class="badge bot" title="A bot's PR: set apart from the with/without comparison">
              bot
            </span>
          </>
        ) : null}
      </td>
    ) : null}
    <td class="num">{formatNumber(pr.lines_added)}</td>
    <td class="num">{formatNumber(pr.lines_with_claude_code)}</td>
    <td>
      <WithBadge with={pr.with_claude_code} />
    </td>
  </tr>
);

export const PullRequestTable: FC<{ rows: PullRequestRow[]; githubWebUrl: string; showAuthor?: boolean; org: string; range: DayRange; kept?: string | undefined }> = ({
  rows,
  githubWebUrl,
  showAuthor = true,
  org,
  range,
  kept,
}) => (
  <TableWrap label="Merged pull requests">
    <table>
      <thead>
        <tr>
          <th scope="col">Pull request</th>
          <th scope="col">Merged</th>
          {showAuthor ? <th scope="col">Author</th> : null}
          <th scope="col" class="num">
            Lines added
          </th>
          <th scope="col" class="num">
            With Claude Code
          </th>
          <th scope="col">Counts as</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((pr) => (
          <PullRequestRowView pr={pr} githubWebUrl={githubWebUrl} showAuthor={showAuthor} org={org} range={range} kept={kept} />
        ))}
      </tbody>
    </table>
  </TableWrap>
);

/** The index of today among a chart's days when the chart ends today (a partial day), else undefined. */
export const partialDay = (days: string[], today: string): number | undefined => (days.at(-1) === today ? days.length - 1 : undefined);

/** Every merged PR is with, without, or a bot's: the line that adds them up, as the PR list, the repository and person pages show it. */
export const PullRequestSplit: FC<{ counts: { with: number; without: number; bots: number }; note?: boolean }> = ({ counts, note = true }) => (
  <p class="muted" data-split={`${counts.with} ${counts.without} ${counts.bots}`}>
    {formatNumber(counts.with)} with Claude Code + {formatNumber(counts.without)} without + {formatNumber(counts.bots)} bot PR{counts.bots === 1 ? '' : 's'} not compared ={' '}
    {formatNumber(counts.with + counts.without + counts.bots)} merged.{note ? " Bots' PRs are set apart: nobody chose whether to use Claude Code for them." : ''}
  </p>
);

/**
 * A person named as everywhere on the pages: their login (else their email, else their key),
 * linking to their page with the kept range and filters; the email on hover when the login shows.
 */
export const PersonLink: FC<{ org: string; userKey: string; login: string | null; email: string | null; kept: string }> = ({ org, userKey, login, email, kept }) => (
  <a href={`/orgs/${org}/users/${encodeURIComponent(userKey)}?${kept}`} title={login && email ? email : undefined}>
    {login ?? email ?? userKey}
  </a>
);
