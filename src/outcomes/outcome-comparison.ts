import { mean, median, quantileSorted } from 'simple-statistics';
import { addDays, dayStartMs, type DayRange } from '../utc-days.js';

/*
 * PRs with vs without Claude Code compared (spec: Outcomes): counts, median and p75 of each time,
 * mean size, revert rate, and the same-author comparison with its bootstrap 95% confidence
 * interval, so that early adopters who were fast anyway do not fake an effect. Quantiles are
 * simple-statistics' (linear interpolation, R's type 7); the bootstrap draws from a seeded
 * generator, so the same rows always give the same interval.
 */

/** One merged PR as outcomes compare it (bots are left out before this). */
export interface OutcomePr {
  login: string;
  withClaudeCode: boolean;
  /** Effective lines added (the attribution's `lines_added`). */
  linesAdded: number;
  cycleTimeSeconds: number | null;
  codingTimeSeconds: number | null;
  pickupTimeSeconds: number | null;
  reviewTimeSeconds: number | null;
  reverted: boolean;
  /** Merge → the revert landing, when reverted. */
  timeToRevertSeconds?: number | null;
}

export const OUTCOME_TIMES = {
  cycle_time_hours: 'cycleTimeSeconds',
  coding_time_hours: 'codingTimeSeconds',
  pickup_time_hours: 'pickupTimeSeconds',
  review_time_hours: 'reviewTimeSeconds',
} as const satisfies Record<string, keyof OutcomePr>;

export type OutcomeTime = keyof typeof OUTCOME_TIMES;

export interface SameAuthorOptions {
  /** PRs of each kind a person needs in the range to count (default 3). */
  minPullRequests?: number;
  /** People who must qualify for an answer (default 3): fewer is "not enough data". */
  minPeople?: number;
  resamples?: number;
  seed?: number;
}

export const SAME_AUTHOR_DEFAULTS = { minPullRequests: 3, minPeople: 3, resamples: 2_000, seed: 20_261_201 } as const;

export interface Cohort {
  count: number;
  median: number | null;
  p75: number | null;
}

export interface SameAuthor {
  people: number;
  /** Median over people of (their median with − their median without). */
  median_difference: number;
  ci95: [number, number];
}

const HOUR = 3600;

const round2 = (x: number) => Math.round(x * 100) / 100;

function cohort(values: number[]): Cohort {
  if (values.length === 0) return { count: 0, median: null, p75: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: values.length, median: round2(quantileSorted(sorted, 0.5)), p75: round2(quantileSorted(sorted, 0.75)) };
}

function hoursOf(prs: OutcomePr[], time: OutcomeTime, withClaudeCode: boolean): number[] {
  const key = OUTCOME_TIMES[time];
  const out: number[] = [];
  for (const pr of prs) {
    const s = pr[key];
    if (pr.withClaudeCode === withClaudeCode && s !== null) out.push(s / HOUR);
  }
  return out;
}

/**
 * The medians of `resamples` resamples (with replacement, `values.length` draws each, index
 * `floor(u × n)` in `values`' order, u the next number in [0, 1) of the mulberry32 generator
 * seeded with `seed`, as simple-statistics' `sampleWithReplacement` draws with a given source). Each resample is counted onto the sorted values instead of being
 * sorted itself, and the generator is inlined, so one costs O(n): 2,000 resamples of 1,000 people
 * stay inside the API's budget. The median of the counted resample is the sorted resample's (the
 * middle value, or the mean of the two middle ones).
 */
export function bootstrapMedians(values: readonly number[], resamples: number, seed: number): number[] {
  const n = values.length;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const sorted = Float64Array.from(order, (i) => values[i]!);
  const rankOf = new Int32Array(n);
  order.forEach((i, rank) => (rankOf[i] = rank));
  const counts = new Int32Array(n);
  const lowRank = Math.floor((n - 1) / 2);
  const highRank = Math.ceil((n - 1) / 2);
  const medians: number[] = [];
  let state = seed >>> 0; // mulberry32, inlined: a call per draw would cost more than the rest
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let j = 0; j < n; j++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      counts[rankOf[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n)]!]!++;
    }
    let seen = 0;
    let low = 0;
    let k = 0;
    for (; seen <= lowRank; k++) seen += counts[k]!;
    low = sorted[k - 1]!;
    for (; seen <= highRank; k++) seen += counts[k]!;
    medians.push((low + sorted[k - 1]!) / 2);
  }
  return medians;
}

/**
 * The same-author comparison of one time: for each person with at least `minPullRequests` PRs of
 * each kind with that time known, their median with minus their median without; the headline is
 * the median of those differences, with the 2.5th and 97.5th percentiles of the medians of
 * `resamples` resamples of the people (with replacement). Null below `minPeople` people.
 */
export function sameAuthorComparison(prs: OutcomePr[], time: OutcomeTime, options: SameAuthorOptions = {}): SameAuthor | null {
  const { minPullRequests, minPeople, resamples, seed } = { ...SAME_AUTHOR_DEFAULTS, ...options };
  const key = OUTCOME_TIMES[time];
  const byPerson = new Map<string, { with: number[]; without: number[] }>();
  for (const pr of prs) {
    const s = pr[key];
    if (s === null) continue;
    const login = pr.login.toLowerCase();
    let p = byPerson.get(login);
    if (!p) byPerson.set(login, (p = { with: [], without: [] }));
    (pr.withClaudeCode ? p.with : p.without).push(s / HOUR);
  }
  // In login order, so the resamples do not depend on the order rows were read in.
  const differences = [...byPerson]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .filter(([, p]) => p.with.length >= minPullRequests && p.without.length >= minPullRequests)
    .map(([, p]) => median(p.with) - median(p.without));
  if (differences.length < Math.max(1, minPeople)) return null;
  const medians = bootstrapMedians(differences, resamples, seed);
  medians.sort((a, b) => a - b);
  return {
    people: differences.length,
    median_difference: round2(median(differences)),
    ci95: [round2(quantileSorted(medians, 0.025)), round2(quantileSorted(medians, 0.975))],
  };
}

/** One time compared: each kind's count, median and p75 (hours), and the same-author comparison. */
export function compareTime(prs: OutcomePr[], time: OutcomeTime, options: SameAuthorOptions = {}) {
  return {
    with_claude_code: cohort(hoursOf(prs, time, true)),
    without_claude_code: cohort(hoursOf(prs, time, false)),
    same_author: sameAuthorComparison(prs, time, options),
  };
}

function sizeOf(prs: OutcomePr[]) {
  const lines = prs.map((p) => p.linesAdded);
  return { count: lines.length, mean: lines.length ? round2(mean(lines)) : null, median: lines.length ? round2(median(lines)) : null };
}

function revertsOf(prs: OutcomePr[]) {
  const reverted = prs.filter((p) => p.reverted);
  const hours = reverted.flatMap((p) => (p.timeToRevertSeconds != null ? [p.timeToRevertSeconds / HOUR] : []));
  return {
    prs: prs.length,
    reverted: reverted.length,
    rate: prs.length ? Math.round((reverted.length / prs.length) * 10_000) / 10_000 : null,
    median_time_to_revert_hours: hours.length ? round2(median(hours)) : null,
  };
}

/** Every comparison of the spec over a set of merged PRs (bots already left out). */
export function compareOutcomes(prs: OutcomePr[], options: SameAuthorOptions = {}) {
  const withClaudeCode = prs.filter((p) => p.withClaudeCode);
  const without = prs.filter((p) => !p.withClaudeCode);
  return {
    cycle_time_hours: compareTime(prs, 'cycle_time_hours', options),
    coding_time_hours: compareTime(prs, 'coding_time_hours', options),
    pickup_time_hours: compareTime(prs, 'pickup_time_hours', options),
    review_time_hours: compareTime(prs, 'review_time_hours', options),
    size_lines: { with_claude_code: sizeOf(withClaudeCode), without_claude_code: sizeOf(without) },
    reverts: { with_claude_code: revertsOf(withClaudeCode), without_claude_code: revertsOf(without) },
  };
}

export type OutcomeComparison = ReturnType<typeof compareOutcomes>;

/** The Monday (UTC) of a day's week. */
export function weekOf(day: string): string {
  const weekday = new Date(dayStartMs(day)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Median cycle time (hours) per week of the range (weeks start on Monday) with and without Claude Code, in week order. */
export function weeklyCycleTimes(prs: (OutcomePr & { day: string })[], range: DayRange) {
  const weeks = new Map<string, OutcomePr[]>();
  for (let week = weekOf(range.startDate); week <= range.endDate; week = addDays(week, 7)) weeks.set(week, []);
  for (const pr of prs) {
    const week = weekOf(pr.day);
    const list = weeks.get(week);
    if (list) list.push(pr);
    else weeks.set(week, [pr]);
  }
  return [...weeks]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, list]) => ({
      week,
      with_claude_code: cohort(hoursOf(list, 'cycle_time_hours', true)),
      without_claude_code: cohort(hoursOf(list, 'cycle_time_hours', false)),
    }));
}
