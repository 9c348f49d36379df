import { getTableColumns } from 'drizzle-orm';
import { dailyOrgMetrics, type dailyTerminalMetrics, type dailyUserMetrics } from './schema.js';
import type { ModelUsage } from './token-usage.js';

/*
 * The daily metric vocabulary (spec: Metrics), read off the rollup tables of schema.ts: a metric's
 * name, type, SQL column and empty value all come from its column in `dailyMetricColumns()`. A new
 * daily counter is one column there; the type, the empty day, the rollup writes and the range sums
 * follow from it.
 */

// `daily_org_metrics` is the org and the day, then the metric columns every rollup table shares.
const { org: _org, day: _day, ...metricColumns } = getTableColumns(dailyOrgMetrics);

/** One day's metrics (of the org, a person or a repository). Spend is in integer micro-dollars. */
export type DailyMetrics = Omit<typeof dailyOrgMetrics.$inferSelect, 'org' | 'day'>;
export type MetricKey = keyof DailyMetrics;

/** Every metric, in the tables' column order. */
export const METRIC_KEYS = Object.keys(metricColumns) as MetricKey[];

/** Each metric's SQL column (`pullRequestsMerged` → `pull_requests_merged`). */
export const METRIC_COLUMN_NAMES = Object.fromEntries(METRIC_KEYS.map((key) => [key, metricColumns[key].name])) as Readonly<
  Record<MetricKey, string>
>;

// Not frozen: spreading a plain object copies its shape at once, a frozen one field by field.
const EMPTY_METRICS = Object.fromEntries(
  METRIC_KEYS.map((key) => {
    const empty = metricColumns[key].default;
    // The rollup adds into a fresh day: every metric column must start from a number.
    if (typeof empty !== 'number') throw new Error(`Daily metric column ${metricColumns[key].name} has no numeric default`);
    return [key, empty];
  }),
) as DailyMetrics;

/** A day with nothing in it: every metric at its column's default (0). */
export function emptyMetrics(): DailyMetrics {
  return { ...EMPTY_METRICS };
}

/** One person's day as the rollup stores it in `daily_user_metrics`. */
export type UserDay = Pick<typeof dailyUserMetrics.$inferSelect, 'userKey' | 'githubLogin' | 'email' | 'terminalType'> & {
  customerType: 'api' | 'subscription' | null;
  metrics: DailyMetrics;
};

/** One person's telemetry of a day on one terminal, as the rollup stores it in `daily_terminal_metrics`. */
export type TerminalDay = Pick<typeof dailyTerminalMetrics.$inferSelect, 'userKey' | 'terminalType' | 'isRemote'> & { metrics: DailyMetrics };

/** A model's usage by one person on one terminal. */
export type TerminalModelUsage = ModelUsage & { terminalType: string; isRemote: boolean };

/** One UTC day of one org, rolled up: what `replaceDayRollup` stores. */
export interface DayRollup {
  org: DailyMetrics;
  users: Map<string, UserDay>;
  repositories: Map<string, DailyMetrics>;
  models: ModelUsage[];
  /** The people's telemetry split by terminal: each person's rows sum to the person's telemetry metrics. */
  terminals: TerminalDay[];
  terminalModels: TerminalModelUsage[];
  /** The telemetry teams of the day's people (spec: Teams), one row per person and team. */
  teams?: { userKey: string; team: string }[] | undefined;
}
