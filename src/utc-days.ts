/*
 * UTC days, written `YYYY-MM-DD`: the unit every figure is rolled up, stored and asked for in
 * (spec: "Days are UTC"). Pure functions of plain values; this module imports nothing.
 */

export const DAY_MS = 86_400_000;

/** Whole UTC days from `startDate` to `endDate`, both inclusive. */
export interface DayRange {
  startDate: string;
  endDate: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days a request may name. Day arithmetic writes days of years before 0001 and after 9999 in
 * another form (`-000001-12`, `+010000-01`) that loops stepping day by day or week by week never
 * step past (a request hung the server); no figure exists before 2000 in any case.
 */
export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '9998-12-31';

/** Whether the day (`YYYY-MM-DD`, or the day of an instant written from it) is one a request may name. */
export const isDayInWindow = (s: string): boolean => s.slice(0, 10) >= FIRST_DAY && s.slice(0, 10) <= LAST_DAY;

/** Milliseconds since the epoch of the day's midnight (UTC). */
export const dayStartMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** The day's midnight as RFC 3339 (`2026-11-01T00:00:00Z`). */
export const dayStartInstant = (day: string): string => `${day}T00:00:00Z`;

/** The UTC day of an epoch-milliseconds time. */
export const dayOfMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC day of a moment: today, for `now`. */
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** `day` moved by `n` days (negative: back). */
export const addDays = (day: string, n: number): string => dayOfMs(dayStartMs(day) + n * DAY_MS);

/** Whether `s` is written YYYY-MM-DD and names a day of the calendar (not 2026-02-30). */
export function isCalendarDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const t = dayStartMs(s);
  return !Number.isNaN(t) && dayOfMs(t) === s;
}

/** Days from `from` to `to` (`to − from`; negative when `to` is earlier). */
export const daysApart = (from: string, to: string): number => Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS);

/** How many days the range holds, both ends counted (0 when it ends before it starts). */
export const dayCount = (range: DayRange): number => Math.max(0, daysApart(range.startDate, range.endDate) + 1);

/** Every day of the range, oldest first (empty when it ends before it starts). */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  const end = dayStartMs(range.endDate);
  for (let t = dayStartMs(range.startDate); t <= end; t += DAY_MS) days.push(dayOfMs(t));
  return days;
}

/** The `n` days ending with `today` (inclusive). */
export const lastDays = (today: string, n: number): DayRange => ({ startDate: addDays(today, -(n - 1)), endDate: today });

/** The first day of the month, the quarter and the year `day` is in. */
export function periodStarts(day: string): { month: string; quarter: string; year: string } {
  const year = day.slice(0, 4);
  const month = Number(day.slice(5, 7));
  const quarterMonth = Math.floor((month - 1) / 3) * 3 + 1;
  return { month: `${day.slice(0, 7)}-01`, quarter: `${year}-${String(quarterMonth).padStart(2, '0')}-01`, year: `${year}-01-01` };
}

/** The calendar month before the one `day` is in, whole. */
export function previousMonth(day: string): DayRange {
  const endDate = addDays(periodStarts(day).month, -1);
  return { startDate: periodStarts(endDate).month, endDate };
}
