import { describe, expect, it } from 'vitest';
import { timeAgo } from '../../src/http/pages/components.js';

describe('timeAgo (how fresh the pages say their figures are)', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('counts seconds, then minutes, hours and days, rounding down', () => {
    expect(timeAgo('2026-12-02T11:59:20.000Z', now)).toBe('40 s ago');
    expect(timeAgo('2026-12-02T11:59:00.001Z', now)).toBe('59 s ago');
    expect(timeAgo('2026-12-02T11:59:00.000Z', now)).toBe('1 min ago');
    expect(timeAgo('2026-12-02T11:55:00.000Z', now)).toBe('5 min ago');
    expect(timeAgo('2026-12-02T09:00:00.000Z', now)).toBe('3 h ago');
    expect(timeAgo('2026-12-01T11:00:00.000Z', now)).toBe('1 day ago');
    expect(timeAgo('2026-11-29T12:00:00.000Z', now)).toBe('3 days ago');
  });
  it('says 0 s for a time a little ahead of the clock (another replica’s)', () => {
    expect(timeAgo('2026-12-02T12:00:02.000Z', now)).toBe('0 s ago');
  });
});
