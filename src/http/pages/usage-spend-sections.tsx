import type { FC } from 'hono/jsx';
import type { Db } from '../../db/client.js';
import {
  activityByDay,
  peopleThisMonth,
  seatUtilization,
  SPEND_PERIODS,
  spendByModelOverLastDays,
  spendToDate,
  topSpenders,
  type Spender,
  type SpendPeriod,
} from '../../db/usage-queries.js';
import { periodStarts, type DayRange } from '../../utc-days.js';
import { periodChange, type PeriodChange } from '../../metrics/report.js';
import { ChartFigure, formatDay, formatNumber, formatShare, formatUsd, OrgWideBadge, PersonLink, TableWrap, Tile, type ChartSpec, type TileChange } from './components.js';

/*
 * The overview's Usage section (who uses Claude Code, how much of the seats) and Spend section
 * (what it costs, by model and person; owners, or members an owner allowed). The same queries
 * answer the `summaries` and cost routes of the API.
 */

const SERIES = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5', '--series-6'];
const PERIOD_LABELS: Record<SpendPeriod, string> = { '1m': '1 month', '3m': '3 months', '1y': '1 year' };

export async function usageModel(db: Db, org: string, range: DayRange, seats: number | null) {
  const days = await activityByDay(db, org, range);
  const last = days.at(-1)!;
  const chart: ChartSpec = {
    kind: 'line',
    labels: days.map((d) => formatDay(d.day).replace(/, \d{4}$/, '')),
    views: {
      active: {
        label: 'Active users',
        datasets: [
          { label: 'Daily active', data: days.map((d) => d.dailyActiveUsers), color: '--series-1' },
          { label: 'Weekly active (7 days)', data: days.map((d) => d.weeklyActiveUsers), color: '--series-2' },
          { label: 'Monthly active (30 days)', data: days.map((d) => d.monthlyActiveUsers), color: '--series-3' },
        ],
      },
    },
  };
  return {
    asOf: last.day,
    dailyActiveUsers: last.dailyActiveUsers,
    weeklyActiveUsers: last.weeklyActiveUsers,
    monthlyActiveUsers: last.monthlyActiveUsers,
    seats,
    utilization: seatUtilization(last.weeklyActiveUsers, seats),
    sessions: days.reduce((n, d) => n + d.sessions, 0),
    activeHours: Math.round((days.reduce((n, d) => n + d.activeTimeSeconds, 0) / 3600) * 10) / 10,
    chart,
  };
}

/** `top`: the range's top spenders when the caller has read them already (`topSpendersAmong`). */
export async function spendModel(db: Db, org: string, range: DayRange, today: string, top?: Spender[]) {
  const toDate = await spendToDate(db, org, today);
  const periods = Object.keys(SPEND_PERIODS) as SpendPeriod[];
  // Models by name (as `[...].sort()` orders them), each with its spend over 1 month, 3 months and 1 year.
  const spend = await spendByModelOverLastDays(db, org, today, periods.map((p) => SPEND_PERIODS[p]));
  const models = spend.map((m) => m.model);
  const chart: ChartSpec = {
    kind: 'bar',
    labels: models,
    views: Object.fromEntries(
      periods.map((p, i) => [
        p,
        {
          label: PERIOD_LABELS[p],
          yLabel: 'USD',
          datasets: [
            {
              label: `Spend, last ${PERIOD_LABELS[p]}`,
              data: spend.map((m) => Math.round(m.costUsd[i]! * 100) / 100),
              color: SERIES[i % SERIES.length]!,
            },
          ],
        },
      ]),
    ),
  };
  return {
    today,
    monthToDate: toDate.monthToDate.costUsd,
    quarterToDate: toDate.quarterToDate.costUsd,
    yearToDate: toDate.yearToDate.costUsd,
    chart,
    top: top ?? (await topSpenders(db, org, range, 10)),
    thisMonth: await peopleThisMonth(db, org, today),
  };
}

/** A member of a spend list, named as on the leaderboard: the login (the email on hover), linking to their page. */
const Member: FC<{ org: string; p: Spender; kept: string }> = ({ org, p, kept }) => <PersonLink org={org} userKey={p.userKey} login={p.githubLogin} email={p.email} kept={kept} />;

/** "of 12 seats · " before an adoption tile's note, where the seat count is known (SEATS, else the org's members). */
export const ofSeats = (seats: number | null): string => (seats === null ? '' : `of ${formatNumber(seats)} seats · `);

/** The Usage figures of the period before, for each tile's change; `processed`: any of its days was. */
export interface UsageBefore {
  usage: Awaited<ReturnType<typeof usageModel>>;
  days: number;
  processed: boolean;
}

export const UsageSection: FC<{ org: string; range: DayRange; usage: Awaited<ReturnType<typeof usageModel>>; orgWide?: boolean; before?: UsageBefore | undefined; today?: string }> = ({
  usage: u,
  orgWide = false,
  before,
  today,
}) => {
  const change = (current: number | null, previous: (b: Awaited<ReturnType<typeof usageModel>>) => number | null, kind: PeriodChange['kind'] = 'relative'): TileChange | undefined =>
    before ? { ...periodChange(current, previous(before.usage), kind), days: before.days, hasPrevious: before.processed } : undefined;
  return (
    <section aria-labelledby="usage-title" data-section="usage">
      <h2 id="usage-title">
        Usage
        <OrgWideBadge shown={orgWide} />
      </h2>
      <dl class="tiles" aria-label="Usage">
        <Tile
          label="Daily active users"
          metric="usage.daily_active_users"
          value={u.dailyActiveUsers}
          shown={formatNumber(u.dailyActiveUsers)}
          note={`${ofSeats(u.seats)}on ${formatDay(u.asOf)}${u.asOf === today ? ' (today, partial)' : ''}`}
          change={change(u.dailyActiveUsers, (b) => b.dailyActiveUsers)}
        />
        <Tile
          label="Weekly active users"
          metric="usage.weekly_active_users"
          value={u.weeklyActiveUsers}
          shown={formatNumber(u.weeklyActiveUsers)}
          note={`${ofSeats(u.seats)}7 days to the range's end`}
          change={change(u.weeklyActiveUsers, (b) => b.weeklyActiveUsers)}
        />
        <Tile
          label="Monthly active users"
          metric="usage.monthly_active_users"
          value={u.monthlyActiveUsers}
          shown={formatNumber(u.monthlyActiveUsers)}
          note={`${ofSeats(u.seats)}30 days to the range's end`}
          change={change(u.monthlyActiveUsers, (b) => b.monthlyActiveUsers)}
        />
        <Tile
          label="Seat utilization"
          metric="usage.seat_utilization"
          value={u.utilization}
          shown={formatShare(u.utilization)}
          note={u.seats === null ? 'seats unknown: set SEATS' : `weekly active ÷ ${formatNumber(u.seats)} seats`}
          change={change(u.utilization, (b) => b.utilization, 'points')}
        />
        <Tile label="Sessions" metric="usage.sessions" value={u.sessions} shown={formatNumber(u.sessions)} note="in the range" change={change(u.sessions, (b) => b.sessions)} />
        <Tile
          label="Active time"
          metric="usage.active_hours"
          value={u.activeHours}
          shown={`${u.activeHours.toLocaleString('en-US')} h`}
          note="in the range"
          change={change(u.activeHours, (b) => b.activeHours)}
        />
      </dl>
      <div class="charts">
        <ChartFigure id="active-users" title="Daily, weekly and monthly active users" spec={u.chart} description="people with Claude Code activity in the day, the 7 days and the 30 days ending each day" />
      </div>
    </section>
  );
};

export const SpendSection: FC<{ org: string; range: DayRange; spend: Awaited<ReturnType<typeof spendModel>>; perDay: ChartSpec; orgWide?: boolean; kept: string }> = ({
  org,
  range,
  spend: s,
  perDay,
  orgWide = false,
  kept,
}) => (
  <section aria-labelledby="spend-title" data-section="spend">
    <h2 id="spend-title">
      Spend
      <OrgWideBadge shown={orgWide} />
    </h2>
    <dl class="tiles" aria-label="Spend to date">
      <Tile label="Month to date" metric="spend.month_to_date" value={Math.round(s.monthToDate * 1e6) / 1e6} shown={formatUsd(s.monthToDate)} note={`through ${formatDay(s.today)}`} />
      <Tile label="Quarter to date" metric="spend.quarter_to_date" value={Math.round(s.quarterToDate * 1e6) / 1e6} shown={formatUsd(s.quarterToDate)} />
      <Tile label="Year to date" metric="spend.year_to_date" value={Math.round(s.yearToDate * 1e6) / 1e6} shown={formatUsd(s.yearToDate)} />
    </dl>
    <div class="charts">
      <ChartFigure id="spend" title="Spend per day by model" spec={perDay} description="USD per day of the range, stacked by model" format={formatUsd} />
      <ChartFigure id="spend-by-model" title="Spend by model" spec={s.chart} description="USD per model over the last month, 3 months or year" format={formatUsd} />
      <figure class="chart" aria-labelledby="top-spenders-title">
        <figcaption id="top-spenders-title">
          Top {s.top.length === 0 ? 10 : s.top.length} by spend, {formatDay(range.startDate)} – {formatDay(range.endDate)}
        </figcaption>
        <TableWrap label="Top spenders">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Member</th>
                <th scope="col" class="num">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {s.top.length === 0 ? (
                <tr>
                  <td colspan={3} class="muted">
                    No spend in this range.
                  </td>
                </tr>
              ) : (
                s.top.map((p, i) => (
                  <tr data-spender={p.userKey}>
                    <td>{i + 1}</td>
                    <td>
                      <Member org={org} p={p} kept={kept} />
                    </td>
                    <td class="num">{formatUsd(p.costUsd)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableWrap>
      </figure>
    </div>
    <h3 id="this-month-title">This calendar month, per member</h3>
    <p class="muted" data-calendar-month={`${periodStarts(s.today).month} ${s.today}`}>
      {formatDay(periodStarts(s.today).month)} – {formatDay(s.today)} (UTC): the calendar month to date, whichever range is chosen above.
    </p>
    <TableWrap label="This calendar month, per member">
      <table data-table="this-month">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Account</th>
            <th scope="col" class="num">
              Spend this month
            </th>
            <th scope="col" class="num">
              Lines this month (accepted)
            </th>
            <th scope="col" class="num">
              Lines committed
            </th>
          </tr>
        </thead>
        <tbody>
          {s.thisMonth.length === 0 ? (
            <tr>
              <td colspan={5} class="muted">
                Nothing this month yet.
              </td>
            </tr>
          ) : (
            s.thisMonth.map((p) => (
              <tr data-member={p.userKey}>
                <td>
                  <Member org={org} p={p} kept={kept} />
                </td>
                <td>{p.customerType === 'subscription' ? 'Claude account' : p.customerType === 'api' ? 'API key' : '—'}</td>
                <td class="num">{formatUsd(p.costUsd)}</td>
                <td class="num">{formatNumber(p.linesAccepted)}</td>
                <td class="num">{formatNumber(p.linesCommitted)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableWrap>
    <form method="get" action={`/orgs/${org}/spend-report.csv`} class="row" aria-label="Export the spend report">
      <label>
        Spend report
        <select name="period">
          <option value="month_to_date">Month to date</option>
          <option value="last_month">Last month</option>
          <option value="last_90_days">Last 90 days</option>
          <option value="custom">Custom (the dates beside)</option>
        </select>
      </label>
      <label>
        From
        <input type="date" name="start_date" value={range.startDate} />
      </label>
      <label>
        To
        <input type="date" name="end_date" value={range.endDate} />
      </label>
      <button type="submit">Export spend report (CSV)</button>
    </form>
  </section>
);
