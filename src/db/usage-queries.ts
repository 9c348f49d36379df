import type { Db } from './client.js';
import { statement } from './statement-cache.js';
import { addDays, lastDays, periodStarts, previousMonth, type DayRange } from '../utc-days.js';
import type { TokenUsage } from './token-usage.js';

/*
 * Usage and spend reads (issue 8): active users over rolling windows, spend totals and rankings,
 * per-model usage and the spend report, all computed from the daily rollups already stored
 * (`daily_org_metrics`, `daily_user_metrics`, `daily_model_usage`). Nothing new is collected.
 *
 * Requests, tokens and cost per model come from Claude Code's `api_request` events for sessions
 * that sent them, else from its `token.usage` / `cost.usage` metrics (no request counts): one source
 * per session (see processing/daily-rollup.ts). Days are UTC.
 */

// ---------------------------------------------------------------------------------------------
// Activity: daily, weekly and monthly active users.

/** A person is active on a day with any Claude Code telemetry (`active_users > 0` in the rollup). */
export interface ActivityDay {
  day: string;
  /** Distinct people active that day. */
  dailyActiveUsers: number;
  /** Distinct people active in the 7 days ending that day. */
  weeklyActiveUsers: number;
  /** Distinct people active in the 30 days ending that day. */
  monthlyActiveUsers: number;
  sessions: number;
  activeTimeSeconds: number;
}

export const WEEK_DAYS = 7;
export const MONTH_DAYS = 30;

/**
 * Active users for every day of the range. One read of the (day, person) pairs from 29 days
 * before the range through its end; the rolling windows are counted while walking the days.
 */
export function activityByDay(db: Db, org: string, range: DayRange): ActivityDay[] {
  const from = addDays(range.startDate, -(MONTH_DAYS - 1));
  // One row per person with their active days: tens of times faster than a row per (day, person),
  // whose row objects cost more than the query. The partial index of active rows covers it.
  const people = statement(
    db,
    `SELECT group_concat(day) AS days FROM daily_user_metrics INDEXED BY daily_user_metrics_active_org_user_key_day_idx
     WHERE org = ? AND day >= ? AND day <= ? AND active_users > 0 GROUP BY user_key`,
  ).all(org, from, range.endDate) as { days: string }[];
  const byDay = new Map<string, number[]>();
  people.forEach((p, person) => {
    for (const day of p.days.split(',')) {
      const list = byDay.get(day);
      if (list) list.push(person);
      else byDay.set(day, [person]);
    }
  });
  const totals = new Map(
    (
      statement(
        db,
        'SELECT day, sessions, active_time_seconds AS activeTimeSeconds FROM daily_org_metrics WHERE org = ? AND day >= ? AND day <= ?',
      ).all(org, range.startDate, range.endDate) as { day: string; sessions: number; activeTimeSeconds: number }[]
    ).map((r) => [r.day, r]),
  );

  // How many days of each window a person was active on; a person leaves the window at zero.
  const week = new Map<number, number>();
  const month = new Map<number, number>();
  const enter = (window: Map<number, number>, users: number[]) => {
    for (const u of users) window.set(u, (window.get(u) ?? 0) + 1);
  };
  const leave = (window: Map<number, number>, users: number[]) => {
    for (const u of users) {
      const n = window.get(u)! - 1;
      if (n === 0) window.delete(u);
      else window.set(u, n);
    }
  };
  const out: ActivityDay[] = [];
  for (let day = from; day <= range.endDate; day = addDays(day, 1)) {
    const today = byDay.get(day) ?? [];
    enter(week, today);
    enter(month, today);
    const weekGone = byDay.get(addDays(day, -WEEK_DAYS));
    if (weekGone) leave(week, weekGone);
    const monthGone = byDay.get(addDays(day, -MONTH_DAYS));
    if (monthGone) leave(month, monthGone);
    if (day < range.startDate) continue;
    const t = totals.get(day);
    out.push({
      day,
      dailyActiveUsers: today.length,
      weeklyActiveUsers: week.size,
      monthlyActiveUsers: month.size,
      sessions: t?.sessions ?? 0,
      activeTimeSeconds: t?.activeTimeSeconds ?? 0,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seats.

/** Where the number of seats comes from when `SEATS` is not configured (e.g. the org's GitHub member count). */
export interface SeatSource {
  memberCount(org: string): number | null;
}

/**
 * The org's seats: the configured number when set, else what `source` knows (the org's GitHub
 * member count, once it is stored), else null (unknown: utilization is then null too).
 */
export function seatsFor(_db: Db, org: string, configuredSeats: number | null | undefined, source?: SeatSource): number | null {
  if (configuredSeats !== null && configuredSeats !== undefined && configuredSeats > 0) return configuredSeats;
  const members = source?.memberCount(org) ?? null;
  return members !== null && members > 0 ? members : null;
}

/** Seat utilization = weekly active users ÷ seats (a fraction, 4 decimals); null when seats are unknown. */
export function seatUtilization(weeklyActiveUsers: number, seats: number | null): number | null {
  return seats === null || seats <= 0 ? null : Math.round((weeklyActiveUsers / seats) * 10_000) / 10_000;
}

// ---------------------------------------------------------------------------------------------
// Spend.

export interface SpendTotal extends DayRange {
  costUsd: number;
}

/** The first day of `today`'s month, quarter and year (UTC). */
function orgCost(db: Db, org: string, range: DayRange): number {
  return (
    statement(db, 'SELECT coalesce(sum(cost_micro_usd), 0) / 1e6 AS cost FROM daily_org_metrics WHERE org = ? AND day >= ? AND day <= ?').get(
      org,
      range.startDate,
      range.endDate,
    ) as { cost: number }
  ).cost;
}

/** Spend month to date, quarter to date and year to date, through `today` (inclusive). */
export function spendToDate(db: Db, org: string, today: string): { monthToDate: SpendTotal; quarterToDate: SpendTotal; yearToDate: SpendTotal } {
  const starts = periodStarts(today);
  const total = (startDate: string): SpendTotal => ({ startDate, endDate: today, costUsd: orgCost(db, org, { startDate, endDate: today }) });
  return { monthToDate: total(starts.month), quarterToDate: total(starts.quarter), yearToDate: total(starts.year) };
}

/** The lookback periods of "spend by model": 1 month, 3 months and 1 year, as 30, 90 and 365 days ending today. */
export const SPEND_PERIODS = { '1m': 30, '3m': 90, '1y': 365 } as const;
export type SpendPeriod = keyof typeof SPEND_PERIODS;

/** Requests, tokens and spend (in US dollars) summed over a range. */
export type UsageSums = Omit<TokenUsage, 'costMicroUsd'> & { requests: number; costUsd: number };

export interface ModelSpend extends UsageSums {
  model: string;
}

const MODEL_SUMS = `coalesce(sum(requests), 0) AS requests, coalesce(sum(input_tokens), 0) AS inputTokens,
  coalesce(sum(output_tokens), 0) AS outputTokens, coalesce(sum(cache_read_tokens), 0) AS cacheReadTokens,
  coalesce(sum(cache_creation_tokens), 0) AS cacheCreationTokens, coalesce(sum(cost_micro_usd), 0) / 1e6 AS costUsd`;

/** Spend (and tokens, requests) per model over the range, most spent first. */
export function spendByModel(db: Db, org: string, range: DayRange): ModelSpend[] {
  return statement(
    db,
    `SELECT model, ${MODEL_SUMS} FROM daily_model_usage WHERE org = ? AND day >= ? AND day <= ?
     GROUP BY model ORDER BY costUsd DESC, model`,
  ).all(org, range.startDate, range.endDate) as ModelSpend[];
}

export interface PersonSpend {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
  /** `subscription` (signed in to a Claude account) or `api` (API key), when known. */
  customerType: string | null;
  costUsd: number;
  /** Lines Claude Code wrote that the person accepted (`lines_of_code.count{type=added}`). */
  linesAccepted: number;
  /** Effective lines of the person's merged PRs and direct pushes. */
  linesCommitted: number;
}

const PERSON_SELECT = `SELECT user_key AS userKey, max(github_login) AS githubLogin, max(email) AS email, max(customer_type) AS customerType,
    coalesce(sum(cost_micro_usd), 0) / 1e6 AS costUsd, coalesce(sum(lines_accepted), 0) AS linesAccepted, coalesce(sum(lines_committed), 0) AS linesCommitted
  FROM daily_user_metrics WHERE org = ? AND day >= ? AND day <= ? GROUP BY user_key`;

/** The people who spent most over the range (ties by user key). */
export function topSpenders(db: Db, org: string, range: DayRange, limit = 10): PersonSpend[] {
  return statement(db, `${PERSON_SELECT} HAVING costUsd > 0 ORDER BY costUsd DESC, userKey LIMIT ?`).all(
    org,
    range.startDate,
    range.endDate,
    limit,
  ) as PersonSpend[];
}

/** Everyone with spend or lines this month (month start through `today`), most spent first. */
export function peopleThisMonth(db: Db, org: string, today: string): PersonSpend[] {
  return statement(db, `${PERSON_SELECT} HAVING costUsd > 0 OR linesAccepted > 0 OR linesCommitted > 0 ORDER BY costUsd DESC, userKey`).all(
    org,
    periodStarts(today).month,
    today,
  ) as PersonSpend[];
}

// ---------------------------------------------------------------------------------------------
// Usage and cost reports (per person, or per day), optionally per model.

export interface UsageFilter {
  /** Only these models. */
  models?: string[] | undefined;
  /** Only these people (user keys). */
  userKeys?: string[] | undefined;
  /** One row per model instead of one per person (or day). */
  byModel?: boolean | undefined;
}

export interface PersonUsage extends UsageSums {
  userKey: string;
  githubLogin: string | null;
  email: string | null;
  /** Null unless `byModel`. */
  model: string | null;
}

const FILTERS = `(@models IS NULL OR m.model IN (SELECT value FROM json_each(@models))) AND (@users IS NULL OR m.user_key IN (SELECT value FROM json_each(@users)))`;
const MODEL_SUMS_M = MODEL_SUMS.replace(/sum\((\w+)\)/g, 'sum(m.$1)');
const HAS_USAGE = 'HAVING requests > 0 OR inputTokens + outputTokens + cacheReadTokens + cacheCreationTokens > 0 OR costUsd <> 0';
const params = (org: string, range: DayRange, f: UsageFilter) => ({
  org,
  from: range.startDate,
  to: range.endDate,
  models: f.models ? JSON.stringify(f.models) : null,
  users: f.userKeys ? JSON.stringify(f.userKeys) : null,
});

/** Each person's usage over the range (one row per person, or per person and model), in user-key order. */
export function usageByPerson(db: Db, org: string, range: DayRange, filter: UsageFilter = {}): PersonUsage[] {
  const model = filter.byModel ? 'm.model' : 'NULL';
  return statement(
    db,
    `SELECT m.user_key AS userKey, p.githubLogin, p.email, ${model} AS model, ${MODEL_SUMS_M}
     FROM daily_model_usage m
     LEFT JOIN (SELECT user_key, max(github_login) AS githubLogin, max(email) AS email FROM daily_user_metrics
                WHERE org = @org AND day >= @from AND day <= @to GROUP BY user_key) p ON p.user_key = m.user_key
     WHERE m.org = @org AND m.day >= @from AND m.day <= @to AND ${FILTERS}
     GROUP BY m.user_key, ${model} ${HAS_USAGE} ORDER BY m.user_key, ${model}`,
  ).all(params(org, range, filter)) as PersonUsage[];
}

export interface DayUsage extends UsageSums {
  day: string;
  /** Null unless `byModel`. */
  model: string | null;
}

/** Usage per day of the range (days without usage left out), optionally per model. */
export function usageByDay(db: Db, org: string, range: DayRange, filter: UsageFilter = {}): DayUsage[] {
  const model = filter.byModel ? 'm.model' : 'NULL';
  return statement(
    db,
    `SELECT m.day AS day, ${model} AS model, ${MODEL_SUMS_M}
     FROM daily_model_usage m WHERE m.org = @org AND m.day >= @from AND m.day <= @to AND ${FILTERS}
     GROUP BY m.day, ${model} ${HAS_USAGE} ORDER BY m.day, ${model}`,
  ).all(params(org, range, filter)) as DayUsage[];
}

// ---------------------------------------------------------------------------------------------
// The spend report: one row per person, model and day.

export interface SpendReportRow {
  date: string;
  org: string;
  userKey: string;
  githubLogin: string | null;
  userEmail: string | null;
  /** The Claude account UUID of the person's sessions (`user.account_uuid`); null for API-key users. */
  accountUuid: string | null;
  product: 'claude_code';
  model: string;
  requestCount: number;
  /** Every token sent as prompt: uncached input + cache reads + cache writes. */
  promptTokens: number;
  /** Output tokens. */
  completionTokens: number;
  /** Gross spend after the discount: gross × (1 − discount). */
  netSpendUsd: number;
  /** List-price spend: the `cost_usd` of Claude Code's `api_request` events (else its `cost.usage`). */
  grossSpendUsd: number;
}

/**
 * The Claude account UUID behind a person's sessions, most recently seen first: from the user key
 * itself (`unlinked:account:<uuid>`), an `account_uuid` identity link to the person's login (made
 * when a session carried both, or by an admin), or the org's sessions with the person's email or an
 * email linked to the login. Null when every session used an API key (no `user.account_uuid`).
 */
export function accountUuidOf(db: Db, org: string, userKey: string, email: string | null): string | null {
  if (userKey.startsWith('unlinked:account:')) return userKey.slice('unlinked:account:'.length);
  const login = userKey.startsWith('unlinked') ? null : userKey;
  const row = statement(
    db,
    `SELECT uuid FROM (
       SELECT value AS uuid, created_at AS at FROM identity_links
       WHERE org = @org AND kind = 'account_uuid' AND lower(github_login) = @login
       UNION ALL
       SELECT user_account_uuid AS uuid, last_seen_at AS at FROM claude_sessions
       WHERE user_email = @email AND org = @org AND user_account_uuid IS NOT NULL
       UNION ALL
       SELECT s.user_account_uuid AS uuid, s.last_seen_at AS at
       FROM identity_links l JOIN claude_sessions s ON s.user_email = l.value AND s.org = l.org
       WHERE l.org = @org AND l.kind = 'email' AND lower(l.github_login) = @login AND s.user_account_uuid IS NOT NULL
     ) ORDER BY at DESC LIMIT 1`,
  ).get({ org, login, email: email?.toLowerCase() ?? null }) as { uuid: string } | undefined;
  return row?.uuid ?? null;
}

/** Gross (list) to net spend with a discount in percent (0 ≤ d ≤ 100), rounded to micro-dollars. */
export function netSpend(grossUsd: number, discountPercent = 0): number {
  return Math.round(grossUsd * (1 - discountPercent / 100) * 1e6) / 1e6;
}

/** The spend report of the range: by day, then person (user key), then model. */
export function spendReportRows(db: Db, org: string, range: DayRange, options: { discountPercent?: number | undefined } = {}): SpendReportRow[] {
  const rows = statement(
    db,
    `SELECT m.day, m.user_key AS userKey, m.model, m.requests, m.input_tokens AS inputTokens, m.output_tokens AS outputTokens,
            m.cache_read_tokens AS cacheReadTokens, m.cache_creation_tokens AS cacheCreationTokens, m.cost_micro_usd / 1e6 AS costUsd,
            coalesce(p.email, (SELECT max(email) FROM daily_user_metrics WHERE org = m.org AND user_key = m.user_key)) AS email,
            coalesce(p.github_login, (SELECT max(github_login) FROM daily_user_metrics WHERE org = m.org AND user_key = m.user_key)) AS githubLogin
     FROM daily_model_usage m
     LEFT JOIN daily_user_metrics p ON p.org = m.org AND p.day = m.day AND p.user_key = m.user_key
     WHERE m.org = ? AND m.day >= ? AND m.day <= ?
       AND (m.requests > 0 OR m.input_tokens + m.output_tokens + m.cache_read_tokens + m.cache_creation_tokens > 0 OR m.cost_micro_usd <> 0)
     ORDER BY m.day, m.user_key, m.model`,
  ).all(org, range.startDate, range.endDate) as (UsageSums & { day: string; userKey: string; model: string; email: string | null; githubLogin: string | null })[];
  const uuids = new Map<string, string | null>();
  const uuidOf = (userKey: string, email: string | null) => {
    const key = `${userKey}\u0000${email ?? ''}`;
    if (!uuids.has(key)) uuids.set(key, accountUuidOf(db, org, userKey, email));
    return uuids.get(key)!;
  };
  return rows.map((r) => {
    const gross = Math.round(r.costUsd * 1e6) / 1e6;
    return {
      date: r.day,
      org,
      userKey: r.userKey,
      githubLogin: r.githubLogin,
      userEmail: r.email,
      accountUuid: uuidOf(r.userKey, r.email),
      product: 'claude_code',
      model: r.model,
      requestCount: r.requests,
      promptTokens: r.inputTokens + r.cacheReadTokens + r.cacheCreationTokens,
      completionTokens: r.outputTokens,
      netSpendUsd: netSpend(r.costUsd, options.discountPercent),
      grossSpendUsd: gross,
    };
  });
}

/** The ranges the spend export offers, relative to `today` (UTC). */
export type SpendReportPeriod = 'month_to_date' | 'last_month' | 'last_90_days';

export function spendReportRange(period: SpendReportPeriod, today: string): DayRange {
  switch (period) {
    case 'month_to_date':
      return { startDate: periodStarts(today).month, endDate: today };
    case 'last_month':
      return previousMonth(today);
    case 'last_90_days':
      return lastDays(today, 90);
  }
}
