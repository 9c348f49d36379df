import { describe, expect, it } from 'vitest';
import {
  addDays,
  DAY_MS,
  dayCount,
  dayOf,
  dayOfMs,
  daysApart,
  daysOf,
  dayStartInstant,
  dayStartMs,
  isCalendarDate,
  lastDays,
  periodStarts,
  previousMonth,
} from '../src/utc-days.js';

describe('UTC days', () => {
  it('names the day of a moment in UTC, whatever the time of day', () => {
    expect(DAY_MS).toBe(86_400_000);
    expect(dayOf(new Date('2026-11-01T23:59:59.999Z'))).toBe('2026-11-01');
    expect(dayOfMs(Date.parse('2026-11-02T00:00:00Z'))).toBe('2026-11-02');
    expect(dayStartMs('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
    expect(dayStartInstant('2026-11-01')).toBe('2026-11-01T00:00:00Z');
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-10-31', 1)).toBe('2026-11-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -29)).toBe('2026-01-31');
    expect(addDays('2026-03-01', 0)).toBe('2026-03-01');
  });

  it('accepts only calendar dates written YYYY-MM-DD', () => {
    expect(isCalendarDate('2026-11-01')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
    expect(isCalendarDate('2026-11-01T00:00:00Z')).toBe(false);
    expect(isCalendarDate('yesterday')).toBe(false);
  });

  it('counts days apart and the days of a range', () => {
    expect(daysApart('2026-11-01', '2026-11-01')).toBe(0);
    expect(daysApart('2026-11-01', '2026-12-01')).toBe(30);
    expect(daysApart('2026-12-01', '2026-11-01')).toBe(-30);
    expect(dayCount({ startDate: '2026-11-01', endDate: '2026-11-30' })).toBe(30);
    expect(dayCount({ startDate: '2026-01-01', endDate: '2026-12-31' })).toBe(365);
    expect(dayCount({ startDate: '2026-11-02', endDate: '2026-11-01' })).toBe(0);
  });

  it('lists the days of a range, oldest first', () => {
    expect(daysOf({ startDate: '2026-02-27', endDate: '2026-03-02' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(daysOf({ startDate: '2026-11-01', endDate: '2026-11-01' })).toEqual(['2026-11-01']);
    expect(daysOf({ startDate: '2026-11-02', endDate: '2026-11-01' })).toEqual([]);
  });

  it('gives the last N days through today', () => {
    expect(lastDays('2026-10-20', 1)).toEqual({ startDate: '2026-10-20', endDate: '2026-10-20' });
    expect(lastDays('2026-10-20', 30)).toEqual({ startDate: '2026-09-21', endDate: '2026-10-20' });
    expect(lastDays('2026-03-01', 90)).toEqual({ startDate: '2025-12-02', endDate: '2026-03-01' });
  });

  it('gives the starts of the month, quarter and year, and the previous month', () => {
    expect(periodStarts('2026-10-10')).toEqual({ month: '2026-10-01', quarter: '2026-10-01', year: '2026-01-01' });
    expect(periodStarts('2026-09-30')).toEqual({ month: '2026-09-01', quarter: '2026-07-01', year: '2026-01-01' });
    expect(previousMonth('2026-03-15')).toEqual({ startDate: '2026-02-01', endDate: '2026-02-28' });
    expect(previousMonth('2026-01-01')).toEqual({ startDate: '2025-12-01', endDate: '2025-12-31' });
  });
});
