import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
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
export async function activityByDay(db: Db, org: string, range: DayRange): Promise<ActivityDay[]> {
  const from = addDays(range.startDate, -(MONTH_DAYS - 1));
  // One row per person with their active days: tens of times faster than a row per (day, person),
  // whose row objects cost more than the query. The partial index of active rows covers it.
  const people = await db.all<{ days: string }>(
    sql`SELECT ${db.dialect.stringAgg(sql`day`, ',')} AS days FROM daily_user_metrics ${db.dialect.indexHint('daily_user_metrics_active_org_user_key_day_idx')}
        WHERE org = ${org} AND day >= ${from} AND day <= ${range.endDate} AND active_users > 0 GROUP BY user_key`,
  );
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
      await db.all<{ day: string; sessions: number; activeTimeSeconds: number }>(
        sql`SELECT day, sessions, active_time_seconds AS "activeTimeSeconds" FROM daily_org_metrics
            WHERE org = ${org} AND day >= ${range.startDate} AND day <= ${range.endDate}`,
      )
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

/** Where the number of seats comes from when `SEATS` is not configured (e.g. the org's GitHub member count, read from the store). */
export interface SeatSource {
  memberCount(org: string): number | null | Promise<number | null>;
}

/**
 * The org's seats: the configured number when set, else what `source` knows (the org's GitHub
 * member count, once it is stored), else null (unknown: utilization is then null too).
 */
export async function seatsFor(_db: Db, org: string, configuredSeats: number | null | undefined, source?: SeatSource): Promise<number | null> {
  if (configuredSeats !== null && configuredSeats !== undefined && configuredSeats > 0) return configuredSeats;
  const members = (await source?.memberCount(org)) ?? null;
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
async function orgCost(db: Db, org: string, range: DayRange): Promise<number> {
  return (await db.get<{ cost: number }>(
    sql`SELECT coalesce(sum(cost_micro_usd), 0) / 1e6 AS cost FROM daily_org_metrics WHERE org = ${org} AND day >= ${range.startDate} AND day <= ${range.endDate}`,
  ))!.cost;
}

/** Spend month to date, quarter to date and year to date, through `today` (inclusive). */
export async function spendToDate(db: Db, org: string, today: string): Promise<{ monthToDate: SpendTotal; quarterToDate: SpendTotal; yearToDate: SpendTotal }> {
  const starts = periodStarts(today);
  const total = async (startDate: string): Promise<SpendTotal> => ({ startDate, endDate: today, costUsd: await orgCost(db, org, { startDate, endDate: today }) });
  return { monthToDate: await total(starts.month), quarterToDate: await total(starts.quarter), yearToDate: await total(starts.year) };
}

/** The lookback periods of "spend by model": 1 month, 3 months and 1 year, as 30, 90 and 365 days ending today. */
export const SPEND_PERIODS = { '1m': 30, '3m': 90, '1y': 365 } as const;
export type SpendPeriod = keyof typeof SPEND_PERIODS;

/** Requests, tokens and spend (in US dollars) summed over a range. */
export type UsageSums = Omit<TokenUsage, 'costMicroUsd'> & { requests: number; costUsd: number };

/** A model's spend (US dollars) over each of the last-days windows asked for, in their order. */
export interface ModelSpendOverWindows {
  model: string;
  costUsd: number[];
}

const MODEL_SUMS_TEXT = `coalesce(sum(requests), 0) AS requests, coalesce(sum(input_tokens), 0) AS "inputTokens",
  coalesce(sum(output_tokens), 0) AS "outputTokens", coalesce(sum(cache_read_tokens), 0) AS "cacheReadTokens",
  coalesce(sum(cache_creation_tokens), 0) AS "cacheCreationTokens", coalesce(sum(cost_micro_usd), 0) / 1e6 AS "costUsd"`;

/**
 * Each model's spend over the last `days[i]` days up to `today` (windows ending today, like
 * `lastDays`), read in one pass over the widest window: the models are those with usage in it,
 * by name, with 0 for a window they had none in.
 */
export async function spendByModelOverLastDays(db: Db, org: string, today: string, days: readonly number[]): Promise<ModelSpendOverWindows[]> {
  if (days.length === 0) return [];
  const starts = days.map((n) => lastDays(today, n).startDate);
  const widest = starts.reduce((a, b) => (b < a ? b : a));
  const sums = sql.join(
    starts.map((start, i) => sql`coalesce(sum(CASE WHEN day >= ${start} THEN cost_micro_usd ELSE 0 END), 0) AS ${sql.raw(`w${i}`)}`),
    sql`, `,
  );
  const rows = await db.all<Record<string, number> & { model: string }>(
    sql`SELECT model, ${sums} FROM daily_model_usage WHERE org = ${org} AND day >= ${widest} AND day <= ${today} GROUP BY model`,
  );
  // By name in code-unit order (the engines' collations differ on punctuation).
  return rows
    .map((r) => ({ model: r.model, costUsd: days.map((_, i) => Number(r[`w${i}`]) / 1e6) }))
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
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

const personSelect = (org: string, range: DayRange) => sql`SELECT user_key AS "userKey", max(github_login) AS "githubLogin", max(email) AS email,
    max(customer_type) AS "customerType", coalesce(sum(cost_micro_usd), 0) / 1e6 AS "costUsd",
    coalesce(sum(lines_accepted), 0) AS "linesAccepted", coalesce(sum(lines_committed), 0) AS "linesCommitted"
  FROM daily_user_metrics WHERE org = ${org} AND day >= ${range.startDate} AND day <= ${range.endDate} GROUP BY user_key`;

// HAVING repeats the aggregates: PostgreSQL's HAVING does not see the select list's aliases.

/** Who a top-spenders list names, and what they spent. */
export type Spender = Pick<PersonSpend, 'userKey' | 'githubLogin' | 'email' | 'costUsd'>;

/** `topSpenders` from everyone's totals over the range, already read (the same order: most spent first, ties by user key). */
export function topSpendersAmong(people: readonly { userKey: string; githubLogin: string | null; email: string | null; costMicroUsd: number }[], limit = 10): Spender[] {
  return people
    .filter((p) => p.costMicroUsd > 0)
    .sort((a, b) => b.costMicroUsd - a.costMicroUsd || (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : 0))
    .slice(0, limit)
    .map((p) => ({ userKey: p.userKey, githubLogin: p.githubLogin, email: p.email, costUsd: p.costMicroUsd / 1e6 }));
}

/** The people who spent most over the range (ties by user key). */
export async function topSpenders(db: Db, org: string, range: DayRange, limit = 10): Promise<PersonSpend[]> {
  return db.all<PersonSpend>(sql`${personSelect(org, range)} HAVING coalesce(sum(cost_micro_usd), 0) > 0 ORDER BY "costUsd" DESC, "userKey" LIMIT ${limit}`);
}

/** Everyone with spend or lines this month (month start through `today`), most spent first. */
export async function peopleThisMonth(db: Db, org: string, today: string): Promise<PersonSpend[]> {
  return db.all<PersonSpend>(
    sql`${personSelect(org, { startDate: periodStarts(today).month, endDate: today })}
        HAVING coalesce(sum(cost_micro_usd), 0) > 0 OR coalesce(sum(lines_accepted), 0) > 0 OR coalesce(sum(lines_committed), 0) > 0
        ORDER BY "costUsd" DESC, "userKey"`,
  );
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

/** The model and person filters of a usage read over `daily_model_usage m` (nothing when absent). */
function usageFilters(db: Db, f: UsageFilter): SQL {
  return sql`${f.models ? sql`AND ${db.dialect.anyOf(sql`m.model`, f.models)}` : sql``} ${f.userKeys ? sql`AND ${db.dialect.anyOf(sql`m.user_key`, f.userKeys)}` : sql``}`;
}
const MODEL_SUMS_M = sql.raw(MODEL_SUMS_TEXT.replace(/sum\((\w+)\)/g, 'sum(m.$1)'));
// The sums again rather than their aliases: PostgreSQL's HAVING does not see the select list's aliases.
const HAS_USAGE = sql.raw(`HAVING coalesce(sum(m.requests), 0) > 0
  OR coalesce(sum(m.input_tokens), 0) + coalesce(sum(m.output_tokens), 0) + coalesce(sum(m.cache_read_tokens), 0) + coalesce(sum(m.cache_creation_tokens), 0) > 0
  OR coalesce(sum(m.cost_micro_usd), 0) <> 0`);

/** Each person's usage over the range (one row per person, or per person and model), in user-key order. */
export async function usageByPerson(db: Db, org: string, range: DayRange, filter: UsageFilter = {}): Promise<PersonUsage[]> {
  // Not by model: no model term in GROUP BY / ORDER BY (PostgreSQL refuses a constant NULL there).
  // `p` has one row per user key, so grouping by its columns too keeps the groups; PostgreSQL
  // refuses a selected column that is neither grouped nor aggregated.
  const byModel = filter.byModel === true;
  return db.all<PersonUsage>(
    sql`SELECT m.user_key AS "userKey", p."githubLogin", p.email, ${sql.raw(byModel ? 'm.model' : 'NULL')} AS model, ${MODEL_SUMS_M}
        FROM daily_model_usage m
        LEFT JOIN (SELECT user_key, max(github_login) AS "githubLogin", max(email) AS email FROM daily_user_metrics
                   WHERE org = ${org} AND day >= ${range.startDate} AND day <= ${range.endDate} GROUP BY user_key) p ON p.user_key = m.user_key
        WHERE m.org = ${org} AND m.day >= ${range.startDate} AND m.day <= ${range.endDate} ${usageFilters(db, filter)}
        GROUP BY m.user_key, p."githubLogin", p.email${sql.raw(byModel ? ', m.model' : '')} ${HAS_USAGE}
        ORDER BY m.user_key${sql.raw(byModel ? ', m.model' : '')}`,
  );
}

export interface DayUsage extends UsageSums {
  day: string;
  /** Null unless `byModel`. */
  model: string | null;
}

/** Usage per day of the range (days without usage left out), optionally per model. */
export async function usageByDay(db: Db, org: string, range: DayRange, filter: UsageFilter = {}): Promise<DayUsage[]> {
  // Not by model: no model term in GROUP BY / ORDER BY (PostgreSQL refuses a constant NULL there).
  const byModel = filter.byModel === true;
  return db.all<DayUsage>(
    sql`SELECT m.day AS day, ${sql.raw(byModel ? 'm.model' : 'NULL')} AS model, ${MODEL_SUMS_M}
        FROM daily_model_usage m WHERE m.org = ${org} AND m.day >= ${range.startDate} AND m.day <= ${range.endDate} ${usageFilters(db, filter)}
        GROUP BY m.day${sql.raw(byModel ? ', m.model' : '')} ${HAS_USAGE} ORDER BY m.day${sql.raw(byModel ? ', m.model' : '')}`,
  );
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
export async function accountUuidOf(db: Db, org: string, userKey: string, email: string | null): Promise<string | null> {
  if (userKey.startsWith('unlinked:account:')) return userKey.slice('unlinked:account:'.length);
  const login = userKey.startsWith('unlinked') ? null : userKey;
  const lowerEmail = email?.toLowerCase() ?? null;
  const row = await db.get<{ uuid: string }>(
    sql`SELECT uuid FROM (
          SELECT value AS uuid, created_at AS at FROM identity_links
          WHERE org = ${org} AND kind = 'account_uuid' AND lower(github_login) = ${login}
          UNION ALL
          SELECT user_account_uuid AS uuid, last_seen_at AS at FROM claude_sessions
          WHERE user_email = ${lowerEmail} AND org = ${org} AND user_account_uuid IS NOT NULL
          UNION ALL
          SELECT s.user_account_uuid AS uuid, s.last_seen_at AS at
          FROM identity_links l JOIN claude_sessions s ON s.user_email = l.value AND s.org = l.org
          WHERE l.org = ${org} AND l.kind = 'email' AND lower(l.github_login) = ${login} AND s.user_account_uuid IS NOT NULL
        ) AS accounts ORDER BY at DESC LIMIT 1`,
  );
  return row?.uuid ?? null;
}

/** Gross (list) to net spend with a discount in percent (0 ≤ d ≤ 100), rounded to micro-dollars. */
export function netSpend(grossUsd: number, discountPercent = 0): number {
  return Math.round(grossUsd * (1 - discountPercent / 100) * 1e6) / 1e6;
}

/** The spend report of the range: by day, then person (user key), then model. */
export async function spendReportRows(
  db: Db,
  org: string,
  range: DayRange,
  options: { discountPercent?: number | undefined } = {},
): Promise<SpendReportRow[]> {
  const rows = await db.all<UsageSums & { day: string; userKey: string; model: string; email: string | null; githubLogin: string | null }>(
    sql`SELECT m.day, m.user_key AS "userKey", m.model, m.requests, m.input_tokens AS "inputTokens", m.output_tokens AS "outputTokens",
               m.cache_read_tokens AS "cacheReadTokens", m.cache_creation_tokens AS "cacheCreationTokens", m.cost_micro_usd / 1e6 AS "costUsd",
               coalesce(p.email, (SELECT max(email) FROM daily_user_metrics WHERE org = m.org AND user_key = m.user_key)) AS email,
               coalesce(p.github_login, (SELECT max(github_login) FROM daily_user_metrics WHERE org = m.org AND user_key = m.user_key)) AS "githubLogin"
        FROM daily_model_usage m
        LEFT JOIN daily_user_metrics p ON p.org = m.org AND p.day = m.day AND p.user_key = m.user_key
        WHERE m.org = ${org} AND m.day >= ${range.startDate} AND m.day <= ${range.endDate}
          AND (m.requests > 0 OR m.input_tokens + m.output_tokens + m.cache_read_tokens + m.cache_creation_tokens > 0 OR m.cost_micro_usd <> 0)
        ORDER BY m.day, m.user_key, m.model`,
  );
  const uuids = new Map<string, string | null>();
  const uuidOf = async (userKey: string, email: string | null) => {
    const key = `${userKey}\u0000${email ?? ''}`;
    if (!uuids.has(key)) uuids.set(key, await accountUuidOf(db, org, userKey, email));
    return uuids.get(key)!;
  };
  const out: SpendReportRow[] = [];
  for (const r of rows) {
    const gross = Math.round(r.costUsd * 1e6) / 1e6;
    out.push({
      date: r.day,
      org,
      userKey: r.userKey,
      githubLogin: r.githubLogin,
      userEmail: r.email,
      accountUuid: await uuidOf(r.userKey, r.email),
      product: 'claude_code',
      model: r.model,
      requestCount: r.requests,
      promptTokens: r.inputTokens + r.cacheReadTokens + r.cacheCreationTokens,
      completionTokens: r.outputTokens,
      netSpendUsd: netSpend(r.costUsd, options.discountPercent),
      grossSpendUsd: gross,
    });
  }
  return out;
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
