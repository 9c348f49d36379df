import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { emptyMetrics, METRIC_COLUMN_NAMES, METRIC_KEYS } from '../../src/db/daily-metrics.js';
import { dailyOrgMetrics, dailyRepositoryMetrics, dailyUserMetrics } from '../../src/db/schema.js';

describe('the daily metric vocabulary', () => {
  it('is every metric column every rollup table shares, in column order', () => {
    expect(METRIC_KEYS).toHaveLength(29);
    expect(METRIC_KEYS.slice(0, 3)).toEqual(['pullRequestsMerged', 'pullRequestsWithClaudeCode', 'pullRequestsWithoutClaudeCode']);
    for (const table of [dailyOrgMetrics, dailyUserMetrics, dailyRepositoryMetrics]) {
      const columns = getTableColumns(table);
      for (const key of METRIC_KEYS) expect(columns[key].name).toBe(METRIC_COLUMN_NAMES[key]);
    }
  });

  it('names each metric by its SQL column', () => {
    expect(METRIC_COLUMN_NAMES.pullRequestsWithClaudeCode).toBe('pull_requests_with_claude_code');
    expect(METRIC_COLUMN_NAMES.costMicroUsd).toBe('cost_micro_usd');
    expect(METRIC_COLUMN_NAMES.activeTimeSeconds).toBe('active_time_seconds');
  });

  it('starts a day with every metric at 0, in a fresh object each time', () => {
    const a = emptyMetrics();
    expect(Object.keys(a)).toEqual(METRIC_KEYS);
    expect(Object.values(a).every((v) => v === 0)).toBe(true);
    a.sessions += 1;
    expect(emptyMetrics().sessions).toBe(0);
  });
});
