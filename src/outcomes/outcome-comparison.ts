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

/**
 * Merged PRs as columns, in the order read: what the comparisons need, without an object per PR
 * (reading 20,000 rows as objects cost more than every comparison together). Unknown values are NaN.
 */
export interface OutcomeColumns {
  count: number;
  login: readonly string[];
  /** The merge day of each PR (only the weekly medians need it). */
  day: readonly (string | undefined)[];
  withClaudeCode: Uint8Array;
  linesAdded: readonly number[];
  times: Record<OutcomeTime, Float64Array>;
  reverted: Uint8Array;
  timeToRevertSeconds: Float64Array;
}

const nanOf = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);

/** The columns of PRs given as objects. */
export function columnsOf(prs: readonly (OutcomePr & { day?: string })[]): OutcomeColumns {
  const n = prs.length;
  const times = {} as Record<OutcomeTime, Float64Array>;
  for (const time of Object.keys(OUTCOME_TIMES) as OutcomeTime[]) times[time] = Float64Array.from(prs, (p) => nanOf(p[OUTCOME_TIMES[time]]));
  return {
    count: n,
    login: prs.map((p) => p.login),
    day: prs.map((p) => p.day),
    withClaudeCode: Uint8Array.from(prs, (p) => (p.withClaudeCode ? 1 : 0)),
    linesAdded: prs.map((p) => p.linesAdded),
    times,
    reverted: Uint8Array.from(prs, (p) => (p.reverted ? 1 : 0)),
    timeToRevertSeconds: Float64Array.from(prs, (p) => nanOf(p.timeToRevertSeconds)),
  };
}

/** Columns read in parts, as one. */
export function concatColumns(parts: readonly OutcomeColumns[]): OutcomeColumns {
  if (parts.length === 1) return parts[0]!;
  const count = parts.reduce((n, c) => n + c.count, 0);
  const joined = <T extends Uint8Array | Float64Array>(into: T, pick: (c: OutcomeColumns) => T): T => {
    let at = 0;
    for (const c of parts) {
      into.set(pick(c), at);
      at += c.count;
    }
    return into;
  };
  const bytes = (pick: (c: OutcomeColumns) => Uint8Array) => joined(new Uint8Array(count), pick);
  const floats = (pick: (c: OutcomeColumns) => Float64Array) => joined(new Float64Array(count), pick);
  const times = {} as Record<OutcomeTime, Float64Array>;
  for (const time of Object.keys(OUTCOME_TIMES) as OutcomeTime[]) times[time] = floats((c) => c.times[time]);
  return {
    count,
    login: parts.flatMap((c) => c.login),
    day: parts.flatMap((c) => c.day),
    withClaudeCode: bytes((c) => c.withClaudeCode),
    linesAdded: parts.flatMap((c) => c.linesAdded),
    times,
    reverted: bytes((c) => c.reverted),
    timeToRevertSeconds: floats((c) => c.timeToRevertSeconds),
  };
}

/** The PRs of `columns` for which `keep` (given a PR's login and merge day) is true, in the same order. */
export function filterColumns(columns: OutcomeColumns, keep: (login: string, day: string | undefined) => boolean): OutcomeColumns {
  const kept: number[] = [];
  for (let i = 0; i < columns.count; i++) if (keep(columns.login[i]!, columns.day[i])) kept.push(i);
  const bytes = (from: Uint8Array) => Uint8Array.from(kept, (i) => from[i]!);
  const floats = (from: Float64Array) => Float64Array.from(kept, (i) => from[i]!);
  const times = {} as Record<OutcomeTime, Float64Array>;
  for (const time of Object.keys(OUTCOME_TIMES) as OutcomeTime[]) times[time] = floats(columns.times[time]);
  return {
    count: kept.length,
    login: kept.map((i) => columns.login[i]!),
    day: kept.map((i) => columns.day[i]),
    withClaudeCode: bytes(columns.withClaudeCode),
    linesAdded: kept.map((i) => columns.linesAdded[i]!),
    times,
    reverted: bytes(columns.reverted),
    timeToRevertSeconds: floats(columns.timeToRevertSeconds),
  };
}

/** Count, median and p75 of hours (already sorted ascending). */
function cohortOfSorted(sorted: Float64Array): Cohort {
  if (sorted.length === 0) return { count: 0, median: null, p75: null };
  return { count: sorted.length, median: round2(quantileSorted(sorted as unknown as number[], 0.5)), p75: round2(quantileSorted(sorted as unknown as number[], 0.75)) };
}

/** The hours of one time of the PRs of one kind (of those listed in `only`, when given), sorted. */
function sortedHours(c: OutcomeColumns, time: OutcomeTime, withClaudeCode: boolean, only?: readonly number[]): Float64Array {
  const seconds = c.times[time];
  const kind = withClaudeCode ? 1 : 0;
  const out = new Float64Array(only ? only.length : c.count);
  let n = 0;
  const take = (i: number) => {
    const s = seconds[i]!;
    if (c.withClaudeCode[i] === kind && s === s) out[n++] = s / HOUR;
  };
  if (only) for (const i of only) take(i);
  else for (let i = 0; i < c.count; i++) take(i);
  return out.subarray(0, n).sort();
}

/**
 * Each PR's person (logins compared without case) as an index into the people in login order, so
 * the resamples do not depend on the order rows were read in.
 */
function peopleOf(c: OutcomeColumns): { personOf: Int32Array; people: number } {
  const indexOf = new Map<string, number>();
  const raw = new Int32Array(c.count);
  for (let i = 0; i < c.count; i++) {
    const login = c.login[i]!.toLowerCase();
    let k = indexOf.get(login);
    if (k === undefined) indexOf.set(login, (k = indexOf.size));
    raw[i] = k;
  }
  const rankOf = new Int32Array(indexOf.size);
  [...indexOf.keys()]
    .map((login, k) => [login, k] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .forEach(([, k], rank) => (rankOf[k] = rank));
  return { personOf: raw.map((k) => rankOf[k]!), people: indexOf.size };
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
  const columns = columnsOf(prs);
  return sameAuthorOfColumns(columns, peopleOf(columns), time, options);
}

function sameAuthorOfColumns(
  c: OutcomeColumns,
  { personOf, people }: { personOf: Int32Array; people: number },
  time: OutcomeTime,
  options: SameAuthorOptions,
): SameAuthor | null {
  const { minPullRequests, minPeople, resamples, seed } = { ...SAME_AUTHOR_DEFAULTS, ...options };
  const seconds = c.times[time];
  const withHours: number[][] = Array.from({ length: people }, () => []);
  const withoutHours: number[][] = Array.from({ length: people }, () => []);
  for (let i = 0; i < c.count; i++) {
    const s = seconds[i]!;
    if (s !== s) continue;
    (c.withClaudeCode[i] ? withHours : withoutHours)[personOf[i]!]!.push(s / HOUR);
  }
  const differences: number[] = [];
  for (let k = 0; k < people; k++) {
    const w = withHours[k]!;
    const wo = withoutHours[k]!;
    if (w.length >= minPullRequests && wo.length >= minPullRequests && w.length > 0 && wo.length > 0) differences.push(median(w) - median(wo));
  }
  if (differences.length < Math.max(1, minPeople)) return null;
  const medians = Float64Array.from(bootstrapMedians(differences, resamples, seed)).sort() as unknown as number[];
  return {
    people: differences.length,
    median_difference: round2(median(differences)),
    ci95: [round2(quantileSorted(medians, 0.025)), round2(quantileSorted(medians, 0.975))],
  };
}

export interface TimeComparison {
  with_claude_code: Cohort;
  without_claude_code: Cohort;
  same_author: SameAuthor | null;
}

function compareTimeOfColumns(c: OutcomeColumns, people: ReturnType<typeof peopleOf>, time: OutcomeTime, options: SameAuthorOptions): TimeComparison {
  return {
    with_claude_code: cohortOfSorted(sortedHours(c, time, true)),
    without_claude_code: cohortOfSorted(sortedHours(c, time, false)),
    same_author: sameAuthorOfColumns(c, people, time, options),
  };
}

/** One time compared: each kind's count, median and p75 (hours), and the same-author comparison. */
export function compareTime(prs: OutcomePr[], time: OutcomeTime, options: SameAuthorOptions = {}) {
  const columns = columnsOf(prs);
  return compareTimeOfColumns(columns, peopleOf(columns), time, options);
}

function sizeOf(c: OutcomeColumns, withClaudeCode: boolean) {
  const lines: number[] = [];
  for (let i = 0; i < c.count; i++) if (c.withClaudeCode[i] === (withClaudeCode ? 1 : 0)) lines.push(c.linesAdded[i]!);
  return { count: lines.length, mean: lines.length ? round2(mean(lines)) : null, median: lines.length ? round2(median(lines)) : null };
}

function revertsOf(c: OutcomeColumns, withClaudeCode: boolean) {
  let prs = 0;
  let reverted = 0;
  const hours: number[] = [];
  for (let i = 0; i < c.count; i++) {
    if (c.withClaudeCode[i] !== (withClaudeCode ? 1 : 0)) continue;
    prs++;
    if (!c.reverted[i]) continue;
    reverted++;
    const s = c.timeToRevertSeconds[i]!;
    if (s === s) hours.push(s / HOUR);
  }
  return {
    prs,
    reverted,
    rate: prs ? Math.round((reverted / prs) * 10_000) / 10_000 : null,
    median_time_to_revert_hours: hours.length ? round2(median(hours)) : null,
  };
}

/**
 * Every comparison of the spec over PRs as columns (bots already left out), step by step: it yields
 * between the costly steps (each time's bootstrap), so that a caller on a server can let other
 * requests in between them (`runSteps` runs it through at once).
 */
export function* compareOutcomesInSteps(c: OutcomeColumns, options: SameAuthorOptions = {}): Generator<void, OutcomeComparison> {
  const people = peopleOf(c);
  const times = {} as Record<OutcomeTime, ReturnType<typeof compareTimeOfColumns>>;
  for (const time of Object.keys(OUTCOME_TIMES) as OutcomeTime[]) {
    yield;
    times[time] = compareTimeOfColumns(c, people, time, options);
  }
  return {
    cycle_time_hours: times.cycle_time_hours,
    coding_time_hours: times.coding_time_hours,
    pickup_time_hours: times.pickup_time_hours,
    review_time_hours: times.review_time_hours,
    size_lines: { with_claude_code: sizeOf(c, true), without_claude_code: sizeOf(c, false) },
    reverts: { with_claude_code: revertsOf(c, true), without_claude_code: revertsOf(c, false) },
  };
}

/** The result of a step-by-step computation, computed at once. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Every comparison of the spec over a set of merged PRs (bots already left out). */
export function compareOutcomes(prs: OutcomePr[], options: SameAuthorOptions = {}): OutcomeComparison {
  return runSteps(compareOutcomesInSteps(columnsOf(prs), options));
}

export interface OutcomeComparison {
  cycle_time_hours: TimeComparison;
  coding_time_hours: TimeComparison;
  pickup_time_hours: TimeComparison;
  review_time_hours: TimeComparison;
  size_lines: { with_claude_code: ReturnType<typeof sizeOf>; without_claude_code: ReturnType<typeof sizeOf> };
  reverts: { with_claude_code: ReturnType<typeof revertsOf>; without_claude_code: ReturnType<typeof revertsOf> };
}

/** The Monday (UTC) of a day's week. */
export function weekOf(day: string): string {
  const weekday = new Date(dayStartMs(day)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Median cycle time (hours) per week of the range (weeks start on Monday) with and without Claude Code, in week order. */
export function weeklyCycleTimesOfColumns(c: OutcomeColumns, range: DayRange) {
  const weeks = new Map<string, number[]>();
  for (let week = weekOf(range.startDate); week <= range.endDate; week = addDays(week, 7)) weeks.set(week, []);
  const weekOfDay = new Map<string, string>(); // a few dozen days for thousands of PRs
  for (let i = 0; i < c.count; i++) {
    const day = c.day[i]!;
    let week = weekOfDay.get(day);
    if (week === undefined) weekOfDay.set(day, (week = weekOf(day)));
    const list = weeks.get(week);
    if (list) list.push(i);
    else weeks.set(week, [i]);
  }
  return [...weeks]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week, list]) => ({
      week,
      with_claude_code: cohortOfSorted(sortedHours(c, 'cycle_time_hours', true, list)),
      without_claude_code: cohortOfSorted(sortedHours(c, 'cycle_time_hours', false, list)),
    }));
}

/** Median cycle time (hours) per week of the range (weeks start on Monday) with and without Claude Code, in week order. */
export function weeklyCycleTimes(prs: (OutcomePr & { day: string })[], range: DayRange) {
  return weeklyCycleTimesOfColumns(columnsOf(prs), range);
}
