import type { FC } from 'hono/jsx';
import type { OutcomesReport } from '../../metrics/outcomes-report.js';
import { ChartFigure, formatDay, formatShare, formatUsd, Tile, type ChartSpec } from './components.js';

/*
 * The Outcomes section (spec: Outcomes): whether PRs with Claude Code merge faster or slower, get
 * reverted more or less, and what one costs, with the uncertainty said in plain words. Every
 * figure is a field of `GET /api/v1/orgs/{org}/outcomes` for the same range and slice; a tile's
 * `data-metric` is `outcomes.` and that field's path.
 */

type SameAuthor = OutcomesReport['cycle_time_hours']['same_author'];

export const formatHours = (h: number | null) => (h === null ? '—' : `${h.toFixed(1)} h`);

/** The same-author difference in plain words: "6.1 h faster" and "(95% CI 2.0–9.8 h, 14 people)". */
export function sameAuthorWords(s: SameAuthor, minimum: OutcomesReport['same_author_minimum']): { headline: string; detail: string } {
  if (s === null) {
    return {
      headline: 'Not enough data',
      detail: `needs ${minimum.people} people with ${minimum.pull_requests_of_each_kind} PRs with and ${minimum.pull_requests_of_each_kind} without Claude Code`,
    };
  }
  const [low, high] = s.ci95;
  const d = s.median_difference;
  const headline = d < 0 ? `${formatHours(-d)} faster` : d > 0 ? `${formatHours(d)} slower` : 'no faster or slower';
  const people = `${s.people} ${s.people === 1 ? 'person' : 'people'}`;
  const interval =
    high <= 0
      ? `95% CI ${(-high).toFixed(1)}–${(-low).toFixed(1)} h faster`
      : low >= 0
        ? `95% CI ${low.toFixed(1)}–${high.toFixed(1)} h slower`
        : `95% CI from ${(-low).toFixed(1)} h faster to ${high.toFixed(1)} h slower: no clear difference`;
  return { headline, detail: `for the same people (${interval}, ${people})` };
}

const weekLabels = (report: OutcomesReport) => report.weekly.map((w) => `Week of ${formatDay(w.week_start).replace(/, \d{4}$/, '')}`);

/** Weekly median cycle time with vs without Claude Code, as a chart spec. */
export function outcomesChart(report: OutcomesReport): ChartSpec {
  return {
    kind: 'line',
    labels: weekLabels(report),
    views: {
      cycle: {
        label: 'Median cycle time',
        yLabel: 'hours',
        datasets: [
          { label: 'With Claude Code', data: report.weekly.map((w) => w.cycle_time_hours.with_claude_code.median), color: '--with' },
          { label: 'Without Claude Code', data: report.weekly.map((w) => w.cycle_time_hours.without_claude_code.median), color: '--without' },
        ],
      },
    },
  };
}

/** Weekly cost per PR merged with Claude Code (the week's spend ÷ its PRs with Claude Code), as a chart spec. */
export function outcomesCostChart(report: OutcomesReport): ChartSpec {
  return {
    kind: 'bar',
    labels: weekLabels(report),
    views: {
      cost: {
        label: 'Cost per PR',
        yLabel: 'USD',
        datasets: [{ label: 'Cost per PR with Claude Code', data: report.weekly.map((w) => w.cost_per_pr_usd), color: '--with' }],
      },
    },
  };
}

/** The Outcomes section's charts by id, for the page's chart data (the cost chart only where spend is shown). */
export function outcomesCharts({ report, chartId, spend }: { report: OutcomesReport; chartId: string; spend: boolean }): Record<string, ChartSpec> {
  return { [chartId]: outcomesChart(report), ...(spend ? { [`${chartId}-cost`]: outcomesCostChart(report) } : {}) };
}

const TIMES = [
  ['cycle_time_hours', 'Cycle time', 'first commit to merge'],
  ['coding_time_hours', 'Coding time', 'first commit to opened'],
  ['pickup_time_hours', 'Pickup time', 'ready for review to the first review by someone else'],
  ['review_time_hours', 'Review time', 'first review to merge'],
] as const;

export const OutcomesSection: FC<{ report: OutcomesReport; chartId: string; spend: boolean; who: string; repositories?: { name: string; href: string }[] }> = ({
  report: r,
  chartId,
  spend,
  who,
  repositories = [],
}) => {
  const cycle = r.cycle_time_hours;
  const same = sameAuthorWords(cycle.same_author, r.same_author_minimum);
  const reverts = r.reverts;
  return (
    <section aria-labelledby={`${chartId}-heading`} data-outcomes>
      <h2 id={`${chartId}-heading`}>Outcomes: is Claude Code worth it?</h2>
      <p class="muted">
        Merged PRs of {who} in the range, bots apart. Medians in hours; the same-people comparison takes, for each person with enough PRs of both kinds,
        the difference of their own medians, so that people who were fast anyway do not make Claude Code look fast.
      </p>
      <dl class="tiles" aria-label="Outcomes for the range">
        <Tile
          label="Median cycle time with Claude Code"
          metric="outcomes.cycle_time_hours.with_claude_code.median"
          value={cycle.with_claude_code.median}
          shown={formatHours(cycle.with_claude_code.median)}
          note={`${formatHours(cycle.without_claude_code.median)} without · first commit to merge, ${cycle.with_claude_code.count} and ${cycle.without_claude_code.count} PRs`}
        />
        <Tile
          label="With Claude Code, same people"
          metric="outcomes.cycle_time_hours.same_author.median_difference"
          value={cycle.same_author?.median_difference ?? null}
          shown={same.headline}
          note={same.detail}
        />
        <Tile
          label="Reverted, with Claude Code"
          metric="outcomes.reverts.with_claude_code.rate"
          value={reverts.with_claude_code.rate}
          shown={formatShare(reverts.with_claude_code.rate)}
          note={`${formatShare(reverts.without_claude_code.rate)} without · ${reverts.with_claude_code.reverted} of ${reverts.with_claude_code.prs} and ${reverts.without_claude_code.reverted} of ${reverts.without_claude_code.prs} PRs`}
        />
        {spend ? (
          <Tile
            label="Cost per PR with Claude Code"
            metric="outcomes.cost_per_pr_usd"
            value={r.cost_per_pr_usd}
            shown={r.cost_per_pr_usd === null ? '—' : formatUsd(r.cost_per_pr_usd)}
            note={r.cost_per_pr_usd === null ? 'no spend or no PR with Claude Code' : `${r.cost_per_line_usd === null ? '—' : `$${r.cost_per_line_usd.toFixed(4)}`} per line with Claude Code`}
          />
        ) : null}
      </dl>
      <div class="table-wrap">
        <table data-outcome-times>
          <caption>Times with vs without Claude Code (median, and 75th percentile in brackets)</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col" class="num">With Claude Code</th>
              <th scope="col" class="num">Without</th>
              <th scope="col">Same people</th>
            </tr>
          </thead>
          <tbody>
            {TIMES.map(([key, label, what]) => {
              const t = r[key];
              const words = sameAuthorWords(t.same_author, r.same_author_minimum);
              return (
                <tr data-outcome-time={key}>
                  <th scope="row">
                    {label} <span class="muted">({what})</span>
                  </th>
                  <td class="num">
                    {formatHours(t.with_claude_code.median)} ({formatHours(t.with_claude_code.p75)}) · {t.with_claude_code.count} PRs
                  </td>
                  <td class="num">
                    {formatHours(t.without_claude_code.median)} ({formatHours(t.without_claude_code.p75)}) · {t.without_claude_code.count} PRs
                  </td>
                  <td>
                    {words.headline} {words.detail}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="charts">
        <ChartFigure
          id={chartId}
          title="Median cycle time per week, with vs without Claude Code"
          spec={outcomesChart(r)}
          description="median hours from first commit to merge of the PRs merged each week"
          format={(n) => n.toFixed(1)}
          rowLabel="Week"
        />
        {spend ? (
          <ChartFigure
            id={`${chartId}-cost`}
            title="Cost per PR with Claude Code, per week"
            spec={outcomesCostChart(r)}
            description="the week's Claude Code spend divided by its PRs merged with Claude Code; empty for a week without any"
            format={formatUsd}
            rowLabel="Week"
          />
        ) : null}
      </div>
      {repositories.length > 0 ? (
        <p data-outcome-repositories>
          Outcomes by repository:{' '}
          {repositories.map((repo, i) => (
            <>
              {i > 0 ? ' · ' : null}
              <a href={repo.href}>{repo.name}</a>
            </>
          ))}
        </p>
      ) : null}
    </section>
  );
};
