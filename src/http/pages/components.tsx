import type { Child, FC } from 'hono/jsx';
import type { WebSession } from '../../db/web-sessions.js';
import type { PullRequestRow } from '../../metrics/report.js';
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
  /** The org's teams, for the team filter (none: no filter shown). */
  teams?: TeamOption[] | undefined;
}

/** The page's filters as query parameters (none when unset). */
export const filterParams = (filters: PageFilters): Record<string, string> => (filters.team ? { team: filters.team } : {});

/** A page's range (and filters) as a query string, carried by every link to another page of figures so the range stays chosen. */
export const rangeQuery = (range: DayRange & PageFilters) =>
  new URLSearchParams({ start_date: range.startDate, end_date: range.endDate, ...filterParams(range) }).toString();

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
      <span class="processed" data-processed-at={processedAt ?? ''}>
        {startDate === endDate ? formatDay(startDate) : `${formatDay(startDate)} – ${formatDay(endDate)}`} (UTC)
        {processedAt ? ` · processed ${processedAt.slice(0, 16).replace('T', ' ')} UTC` : ' · not processed yet'}
      </span>
    </div>
  );
};

/** A headline figure. `metric` names the API field it shows, `value` carries the raw number. */
export const Tile: FC<{ label: string; metric: string; value: number | null; shown: string; note?: Child }> = ({ label, metric, value, shown, note }) => (
  <div class="tile" data-metric={metric} data-value={value === null ? '' : String(value)}>
    <dt>{label}</dt>
    <dd>
      {shown}
      {note ? <small>{note}</small> : null}
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
        <canvas data-chart={id} role="img" aria-label={`${title}: ${description}. The numbers are in the table below.`}></canvas>
      </div>
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
                  <tr>
                    <th scope="row">{label}</th>
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
export const PullRequestRowView: FC<{ pr: PullRequestRow; githubWebUrl: string; showAuthor?: boolean; org: string; range: DayRange }> = ({ pr, githubWebUrl, showAuthor = true, org, range }) => (
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
        <a href={`/orgs/${org}/users/${encodeURIComponent(pr.author.toLowerCase())}?${rangeQuery(range)}`}>{pr.author}</a>
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

export const PullRequestTable: FC<{ rows: PullRequestRow[]; githubWebUrl: string; showAuthor?: boolean; org: string; range: DayRange }> = ({ rows, githubWebUrl, showAuthor = true, org, range }) => (
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
          <PullRequestRowView pr={pr} githubWebUrl={githubWebUrl} showAuthor={showAuthor} org={org} range={range} />
        ))}
      </tbody>
    </table>
  </TableWrap>
);
