import { describe, expect, it } from 'vitest';
import { compareOutcomes, sameAuthorComparison, weeklyCycleTimes, weekOf, type OutcomePr } from '../../src/outcomes/outcome-comparison.js';

/*
 * The comparisons checked against references written here, independently of the module: sort-based
 * quantiles (R's type 7, written out) and the bootstrap from its definition, drawing from the same
 * published generator (mulberry32) with the same seed.
 */

const H = 3600;

function pr(login: string, withClaudeCode: boolean, cycleHours: number | null, extra: Partial<OutcomePr> = {}): OutcomePr {
  return {
    login,
    withClaudeCode,
    linesAdded: 10,
    cycleTimeSeconds: cycleHours === null ? null : cycleHours * H,
    codingTimeSeconds: null,
    pickupTimeSeconds: null,
    reviewTimeSeconds: null,
    reverted: false,
    ...extra,
  };
}

// --- the reference, from the definitions -------------------------------------------------------
function refQuantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}
const refMedian = (values: number[]) => refQuantile(values, 0.5);
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function refBootstrap(differences: number[], resamples: number, seed: number): [number, number] {
  const random = mulberry32(seed);
  const medians: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const sample: number[] = [];
    for (let j = 0; j < differences.length; j++) sample.push(differences[Math.floor(random() * differences.length)]!);
    medians.push(refMedian(sample));
  }
  return [refQuantile(medians, 0.025), refQuantile(medians, 0.975)];
}
const round2 = (x: number) => Math.round(x * 100) / 100;

// Twelve people with their own pace: with Claude Code a few hours faster, each differently.
function team(): { prs: OutcomePr[]; differences: Map<string, number> } {
  const prs: OutcomePr[] = [];
  const differences = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const login = `dev${String(i).padStart(2, '0')}`;
    const base = 10 + i * 3;
    const without = [base, base + 2, base + 7, base + 1];
    const withCc = [base - 1 - (i % 5), base + 1 - (i % 3), base - 4];
    for (const h of without) prs.push(pr(login, false, h));
    for (const h of withCc) prs.push(pr(login, true, h));
    differences.set(login, refMedian(withCc) - refMedian(without));
  }
  return { prs, differences };
}

describe('sameAuthorComparison', () => {
  it('matches the reference bootstrap (2,000 resamples of people, fixed seed)', () => {
    const { prs, differences } = team();
    const diffs = [...differences.keys()].sort().map((k) => differences.get(k)!);
    const got = sameAuthorComparison(prs, 'cycle_time_hours', { seed: 7 })!;
    const [low, high] = refBootstrap(diffs, 2000, 7);
    expect(got.people).toBe(12);
    expect(got.median_difference).toBe(round2(refMedian(diffs)));
    expect(got.ci95).toEqual([round2(low), round2(high)]);
    expect(got.ci95[0]).toBeLessThanOrEqual(got.median_difference);
    expect(got.ci95[1]).toBeGreaterThanOrEqual(got.median_difference);
    // The same rows in another order give the same interval.
    expect(sameAuthorComparison([...prs].reverse(), 'cycle_time_hours', { seed: 7 })).toEqual(got);
  });

  it('is "not enough data" (null) at the edge of the minimum: 3 PRs of each kind and 3 people count, 2 do not', () => {
    const people = (n: number, withCount: number) =>
      Array.from({ length: n }, (_, i) => [
        ...Array.from({ length: 3 }, () => pr(`p${i}`, false, 10)),
        ...Array.from({ length: withCount }, () => pr(`p${i}`, true, 8)),
      ]).flat();
    expect(sameAuthorComparison(people(3, 3), 'cycle_time_hours')).toEqual({ people: 3, median_difference: -2, ci95: [-2, -2] });
    expect(sameAuthorComparison(people(3, 2), 'cycle_time_hours')).toBeNull();
    expect(sameAuthorComparison(people(2, 3), 'cycle_time_hours')).toBeNull();
    // A PR whose time is unknown does not count toward the minimum: p0 drops out, two people are left.
    const unknown = people(3, 3).map((p, i) => (i === 3 ? { ...p, cycleTimeSeconds: null } : p));
    expect(sameAuthorComparison(unknown, 'cycle_time_hours')).toBeNull();
    expect(sameAuthorComparison(unknown, 'cycle_time_hours', { minPeople: 2 })?.people).toBe(2);
  });

  it('does not let early adopters who were fast anyway fake an effect', () => {
    // Fast people use Claude Code, slow people do not; each person is exactly as fast either way.
    const prs: OutcomePr[] = [];
    for (let i = 0; i < 6; i++) {
      const pace = i < 3 ? 2 : 20;
      const withShare = i < 3 ? 5 : 3;
      for (let j = 0; j < withShare; j++) prs.push(pr(`u${i}`, true, pace));
      for (let j = 0; j < 8 - withShare; j++) prs.push(pr(`u${i}`, false, pace));
    }
    const c = compareOutcomes(prs).cycle_time_hours;
    expect(c.with_claude_code.median! < c.without_claude_code.median!).toBe(true);
    expect(c.same_author).toEqual({ people: 6, median_difference: 0, ci95: [0, 0] });
  });
});

describe('compareOutcomes', () => {
  it('counts, median and p75 per kind, mean size and revert rate, against the reference quantiles', () => {
    const withH = [1, 2, 4, 8, 16];
    const withoutH = [3, 5, 30];
    const prs = [
      ...withH.map((h, i) => pr('a', true, h, { linesAdded: 10 * (i + 1), reverted: i === 0 })),
      ...withoutH.map((h) => pr('b', false, h, { linesAdded: 7 })),
      pr('b', false, null, { linesAdded: 7, reverted: true }),
    ];
    const c = compareOutcomes(prs);
    expect(c.cycle_time_hours.with_claude_code).toEqual({ count: 5, median: refMedian(withH), p75: refQuantile(withH, 0.75) });
    expect(c.cycle_time_hours.without_claude_code).toEqual({ count: 3, median: refMedian(withoutH), p75: round2(refQuantile(withoutH, 0.75)) });
    expect(c.cycle_time_hours.same_author).toBeNull();
    expect(c.pickup_time_hours.with_claude_code).toEqual({ count: 0, median: null, p75: null });
    expect(c.size_lines).toEqual({ with_claude_code: { count: 5, mean: 30, median: 30 }, without_claude_code: { count: 4, mean: 7, median: 7 } });
    expect(c.reverts).toEqual({
      with_claude_code: { prs: 5, reverted: 1, rate: 0.2, median_time_to_revert_hours: null },
      without_claude_code: { prs: 4, reverted: 1, rate: 0.25, median_time_to_revert_hours: null },
    });
    const timed = compareOutcomes([pr('a', true, 1, { reverted: true, timeToRevertSeconds: 5 * H }), pr('a', true, 1, { reverted: true, timeToRevertSeconds: 9 * H })]);
    expect(timed.reverts.with_claude_code).toEqual({ prs: 2, reverted: 2, rate: 1, median_time_to_revert_hours: 7 });
  });

  it('weekly medians cover every week of the range, Monday first', () => {
    expect(weekOf('2026-11-04')).toBe('2026-11-02');
    expect(weekOf('2026-11-02')).toBe('2026-11-02');
    expect(weekOf('2026-11-01')).toBe('2026-10-26');
    const weeks = weeklyCycleTimes([{ ...pr('a', true, 4), day: '2026-11-10' }], { startDate: '2026-11-01', endDate: '2026-11-15' });
    expect(weeks.map((w) => [w.week, w.with_claude_code.median, w.without_claude_code.count])).toEqual([
      ['2026-10-26', null, 0],
      ['2026-11-02', null, 0],
      ['2026-11-09', 4, 0],
    ]);
  });
});
