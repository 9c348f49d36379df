import type { FC } from 'hono/jsx';
import type { DurabilityReport } from '../../metrics/durability-report.js';
import { ChartFigure, formatNumber, formatShare, TableWrap, Tile, type ChartSpec } from './components.js';

/*
 * The Durability section (spec: Outcomes, "Durability"): whether the lines written with Claude Code
 * last as long as the others, with the sample sizes said. Every figure is a field of
 * `GET /api/v1/orgs/{org}/durability` for the same range and slice; a tile's `data-metric` is
 * `durability.` and that field's path.
 */

const HORIZONS = [
  ['d14', '14 days'],
  ['d30', '30 days'],
  ['d90', '90 days'],
] as const;

type Curve = DurabilityReport['survival']['with_claude_code'];
const percent = (rate: number | null | undefined) => (rate == null ? null : Math.round(rate * 1000) / 10);

/** Share of lines still there 14, 30 and 90 days after the merge, with vs without Claude Code, as a chart spec (percent). */
export function durabilityChart(report: DurabilityReport): ChartSpec {
  const curve = (c: Curve) => HORIZONS.map(([key]) => percent(c[key]?.rate));
  return {
    kind: 'line',
    labels: HORIZONS.map(([, label]) => `After ${label}`),
    views: {
      survival: {
        label: 'Lines still there',
        yLabel: '% of lines added',
        datasets: [
          { label: 'With Claude Code', data: curve(report.survival.with_claude_code), color: '--with' },
          { label: 'Without Claude Code', data: curve(report.survival.without_claude_code), color: '--without' },
        ],
      },
    },
  };
}

/** The section's chart by id, for the page's chart data. */
export function durabilityCharts({ report, chartId }: { report: DurabilityReport; chartId: string }): Record<string, ChartSpec> {
  return { [chartId]: durabilityChart(report) };
}

const days = (d: number | null) => (d === null ? '—' : `${d.toFixed(1)} days`);

/** "412 of 500 lines, 12 PRs", or why there is no figure. */
function sample(c: Curve[keyof Curve]): string {
  return c === null ? 'no PR old enough yet' : `${formatNumber(c.surviving)} of ${formatNumber(c.lines)} lines, ${formatNumber(c.prs)} PRs`;
}

export const DurabilitySection: FC<{ report: DurabilityReport; chartId: string; who: string }> = ({ report: r, chartId, who }) => {
  const w = r.survival.with_claude_code;
  const wo = r.survival.without_claude_code;
  const churn = r.churn_21d;
  const life = r.median_life_days_of_deleted_lines;
  return (
    <section aria-labelledby={`${chartId}-heading`} data-durability>
      <h2 id={`${chartId}-heading`}>Durability: do the lines last?</h2>
      <p class="muted">
        Of the lines the PRs of {who} merged in the range added (bots apart), the share still there 14, 30 and 90 days after the merge: a later merged change
        that deletes or rewrites a line, in its file or after a rename, ends it. Only PRs that old count towards a figure; each says how many did.
      </p>
      <dl class="tiles" aria-label="Durability for the range">
        <Tile
          label="Lines still there after 30 days, with Claude Code"
          metric="durability.survival.with_claude_code.d30.rate"
          value={w.d30?.rate ?? null}
          shown={formatShare(w.d30?.rate ?? null)}
          note={`${formatShare(wo.d30?.rate ?? null)} without · ${sample(w.d30)}; ${sample(wo.d30)} without`}
        />
        <Tile
          label="Deleted within 21 days, with Claude Code"
          metric="durability.churn_21d.with_claude_code.rate"
          value={churn.with_claude_code?.rate ?? null}
          shown={formatShare(churn.with_claude_code?.rate ?? null)}
          note={`${formatShare(churn.without_claude_code?.rate ?? null)} without · ${churn.with_claude_code ? `${formatNumber(churn.with_claude_code.deleted)} of ${formatNumber(churn.with_claude_code.lines)} lines` : 'no PR 21 days old yet'}`}
        />
        <Tile
          label="Median life of deleted lines, with Claude Code"
          metric="durability.median_life_days_of_deleted_lines.with_claude_code"
          value={life.with_claude_code}
          shown={days(life.with_claude_code)}
          note={`${days(life.without_claude_code)} without · ${formatNumber(r.deleted_lines.with_claude_code)} and ${formatNumber(r.deleted_lines.without_claude_code)} lines ended`}
        />
      </dl>
      <TableWrap label="Lines still there, with vs without Claude Code" data-durability-table="">
        <table>
          <caption>Lines still there after each horizon (PRs old enough for it)</caption>
          <thead>
            <tr>
              <th scope="col">After</th>
              <th scope="col" class="num">With Claude Code</th>
              <th scope="col" class="num">Without</th>
            </tr>
          </thead>
          <tbody>
            {HORIZONS.map(([key, label]) => (
              <tr data-durability-horizon={key}>
                <th scope="row">{label}</th>
                <td class="num">
                  {formatShare(w[key]?.rate ?? null)} · {sample(w[key])}
                </td>
                <td class="num">
                  {formatShare(wo[key]?.rate ?? null)} · {sample(wo[key])}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <div class="charts">
        <ChartFigure
          id={chartId}
          title="Lines still there after 14, 30 and 90 days, with vs without Claude Code"
          spec={durabilityChart(r)}
          description="the percentage of the lines merged PRs added that were still there that long after the merge; empty where no PR is that old"
          format={(n) => `${n.toFixed(1)}%`}
          rowLabel="Since the merge"
        />
      </div>
    </section>
  );
};
