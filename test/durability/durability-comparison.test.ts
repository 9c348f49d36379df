import { describe, expect, it } from 'vitest';
import { compareDurability, weightedMedian, type DurabilityPr } from '../../src/durability/durability-comparison.js';

const DAY = 86_400;
const pr = (p: Partial<DurabilityPr>): DurabilityPr => ({
  withClaudeCode: true,
  lines: 10,
  surviving14d: null,
  surviving30d: null,
  surviving90d: null,
  deleted21d: null,
  rewritten21d: null,
  endedLives: [],
  ...p,
});

describe('weightedMedian', () => {
  it('takes the middle value, or the mean of the two middle ones, counting each weight', () => {
    expect(weightedMedian([[10, 3], [50, 1], [10, 1]])).toBe(10);
    expect(weightedMedian([[1, 1], [3, 1]])).toBe(2);
    expect(weightedMedian([[4, 2], [8, 2]])).toBe(6);
    expect(weightedMedian([[7, 0]])).toBeNull();
    expect(weightedMedian([])).toBeNull();
  });
});

describe('compareDurability', () => {
  it('counts only PRs old enough for each horizon, leaves PRs without lines out of rates, and says how many qualified', () => {
    const { withClaudeCode, withoutClaudeCode } = compareDurability([
      pr({ lines: 10, surviving14d: 9, surviving30d: 7, deleted21d: 2, rewritten21d: 1, endedLives: [[3 * DAY, 1, 1], [20 * DAY, 1, 0], [25 * DAY, 1, 0]] }),
      pr({ lines: 4, surviving14d: 4 }),
      pr({ lines: 0, surviving14d: 0, surviving30d: 0, surviving90d: 0, deleted21d: 0 }),
      pr({ withClaudeCode: false, lines: 6 }),
    ]);
    expect(withClaudeCode.survival).toEqual({
      d14: { prs: 2, lines: 14, surviving: 13, rate: 0.9286 },
      d30: { prs: 1, lines: 10, surviving: 7, rate: 0.7 },
      d90: null,
    });
    expect(withClaudeCode.churn21d).toEqual({ prs: 1, lines: 10, deleted: 2, rewritten: 1, rate: 0.2 });
    expect(withClaudeCode.medianLifeDaysOfEndedLines).toBe(20);
    expect(withClaudeCode.pullRequests).toEqual({ merged: 3, d14: 3, d30: 2, d90: 1, churn21d: 2 });
    expect(withoutClaudeCode).toEqual({
      survival: { d14: null, d30: null, d90: null },
      churn21d: null,
      medianLifeDaysOfEndedLines: null,
      endedLines: 0,
      pullRequests: { merged: 1, d14: 0, d30: 0, d90: 0, churn21d: 0 },
    });
  });
});
