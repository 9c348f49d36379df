import { describe, expect, it } from 'vitest';
import { emptyMetrics } from '../../src/db/daily-metrics.js';
import { DailyRowSchema, RepositoryRowSchema, UserRowSchema } from '../../src/http/api/schemas.js';
import { dailyRow, repositoryRow, USER_COLUMNS, userRow } from '../../src/metrics/report.js';

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
