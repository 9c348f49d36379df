import { describe, expect, it } from 'vitest';
import { emptyMetrics } from '../../src/db/daily-metrics.js';
import { DailyRowSchema, RepositoryRowSchema, UserRowSchema } from '../../src/http/api/schemas.js';
import { dailyRow, narrowedToRepository, periodChange, previousPeriod, repositoryRow, USER_COLUMNS, userRow } from '../../src/metrics/report.js';

describe('metric rows', () => {
  const m = { ...emptyMetrics(), pullRequestsMerged: 4, pullRequestsWithClaudeCode: 3, editToolAccepted: 3, writeToolRejected: 1, costMicroUsd: 1_250_000 };

  it('have the fields of their API schema, in its order, valid against it', () => {
    const day = dailyRow('2026-11-02', m);
    expect(Object.keys(day)).toEqual(Object.keys(DailyRowSchema.shape));
    expect(DailyRowSchema.parse(day)).toEqual(day);
    const user = userRow({ ...m, userKey: 'dana', githubLogin: 'dana', email: null });
    expect(Object.keys(user)).toEqual(Object.keys(UserRowSchema.shape));
    expect(USER_COLUMNS).toEqual(Object.keys(UserRowSchema.shape));
    const repository = repositoryRow({ ...m, repository: 'acme/widgets' });
    expect(Object.keys(repository)).toEqual(Object.keys(RepositoryRowSchema.shape));
  });

  it('compute the derived fields from the metrics', () => {
    expect(dailyRow('2026-11-02', m)).toMatchObject({
      pull_requests_merged_with_claude_code: 3,
      decisions_accepted: 3,
      decisions_rejected: 1,
      suggestion_accept_rate: 0.75,
      cost_usd: 1.25,
    });
    expect(dailyRow('2026-11-02', emptyMetrics()).suggestion_accept_rate).toBeNull();
  });
});

describe('the period before and the change from it', () => {
  it('the period before is as long and ends the day before the range starts', () => {
    expect(previousPeriod({ startDate: '2026-11-20', endDate: '2026-11-22' })).toEqual({ startDate: '2026-11-17', endDate: '2026-11-19' });
    // Across a month's end, and one day.
    expect(previousPeriod({ startDate: '2026-03-01', endDate: '2026-03-30' })).toEqual({ startDate: '2026-01-30', endDate: '2026-02-28' });
    expect(previousPeriod({ startDate: '2026-01-01', endDate: '2026-01-01' })).toEqual({ startDate: '2025-12-31', endDate: '2025-12-31' });
  });

  it('counts change relatively, shares and rates in points; nothing from 0 or from no figure', () => {
    expect(periodChange(12, 10, 'relative')).toEqual({ kind: 'relative', change: 0.2, previous: 10 });
    expect(periodChange(5, 10, 'relative')).toEqual({ kind: 'relative', change: -0.5, previous: 10 });
    expect(periodChange(0, 0, 'relative')).toEqual({ kind: 'relative', change: 0, previous: 0 });
    expect(periodChange(3, 0, 'relative')).toEqual({ kind: 'relative', change: null, previous: 0 });
    expect(periodChange(0.5, 0.25, 'points')).toEqual({ kind: 'points', change: 0.25, previous: 0.25 });
    expect(periodChange(0.5, null, 'points')).toEqual({ kind: 'points', change: null, previous: null });
    expect(periodChange(null, 0.5, 'points')).toEqual({ kind: 'points', change: null, previous: 0.5 });
  });

  it('narrowing to a repository replaces PRs and lines only', () => {
    const org = { ...emptyMetrics(), pullRequestsMerged: 10, linesCommitted: 500, linesAccepted: 70, sessions: 9, costMicroUsd: 5 };
    const narrowed = narrowedToRepository(org, { ...emptyMetrics(), pullRequestsMerged: 2, linesCommitted: 40 });
    expect(narrowed).toMatchObject({ pullRequestsMerged: 2, linesCommitted: 40, linesAccepted: 70, sessions: 9, costMicroUsd: 5 });
    expect(org.pullRequestsMerged).toBe(10);
  });
});
