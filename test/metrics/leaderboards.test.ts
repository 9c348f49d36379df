import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userTotals } from '../../src/db/metrics-queries.js';
import { topSpenders } from '../../src/db/usage-queries.js';
import { dailyUserMetrics } from '../../src/db/schema.js';
import { overviewModel } from '../../src/http/pages/overview-page.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/* The overview's leaderboards and top spenders sum only the figures they rank by: the same lists as from everyone's full totals. */

let t: TestDb;
const range = { startDate: '2026-11-01', endDate: '2026-11-21' };

beforeEach(async () => {
  t = await createTestDb();
  const day = (userKey: string, d: string, m: Partial<typeof dailyUserMetrics.$inferInsert>) => t.db.insert(dailyUserMetrics).values({ org: 'acme', day: d, userKey, ...m });
  // Ana: 3 PRs, 2 with Claude Code; her login is known on one day only.
  await day('ana', '2026-11-02', { githubLogin: null, email: 'ana@acme.example', pullRequestsMerged: 1, pullRequestsWithClaudeCode: 1, linesCommitted: 40, linesWithClaudeCode: 30 });
  await day('ana', '2026-11-09', { githubLogin: 'ana', pullRequestsMerged: 2, pullRequestsWithClaudeCode: 1, linesCommitted: 10, linesWithClaudeCode: 2 });
  // Bo: direct pushes only (lines, no PR); Cy: as many PRs as Ana, no Claude Code (ties by login).
  await day('bo', '2026-11-03', { githubLogin: 'bo', linesCommitted: 70 });
  await day('cy', '2026-11-04', { githubLogin: 'cy', pullRequestsMerged: 3, linesCommitted: 5, costMicroUsd: 2_000_000 });
  await day('ana', '2026-11-10', { githubLogin: 'ana', costMicroUsd: 500_000 });
  // Di: Claude Code sessions and spend, nothing committed: on no board.
  await day('di', '2026-11-05', { githubLogin: 'di', sessions: 4, activeUsers: 1, linesAccepted: 12, costMicroUsd: 2_000_000 });
  // Ed: a PR before the range only.
  await day('ed', '2026-10-20', { githubLogin: 'ed', pullRequestsMerged: 5, pullRequestsWithClaudeCode: 5, linesCommitted: 500, linesWithClaudeCode: 500 });
});
afterEach(async () => {
  await t.cleanup();
});

describe('the overview leaderboards', () => {
  it('rank by the four figures, as everyone’s full totals would', async () => {
    const { boards, spend } = await overviewModel(t.db, 'acme', range, { spend: true, seats: null, today: '2026-11-21' });
    expect(boards['prs-all']).toEqual([
      { key: 'ana', login: 'ana', email: 'ana@acme.example', value: 3 },
      { key: 'cy', login: 'cy', email: null, value: 3 },
    ]);
    expect(boards['prs-with'].map((b) => [b.key, b.value])).toEqual([['ana', 2]]);
    expect(boards['lines-all'].map((b) => [b.key, b.value])).toEqual([['bo', 70], ['ana', 50], ['cy', 5]]);
    expect(boards['lines-with'].map((b) => [b.key, b.value])).toEqual([['ana', 32]]);

    // The same ranking from the full totals of everyone (the people page's and the API's rows).
    const everyone = await userTotals(t.db, 'acme', range.startDate, range.endDate, { limit: 100 });
    const rank = (value: (u: (typeof everyone)[number]) => number) =>
      everyone
        .filter((u) => value(u) > 0)
        .sort((a, b) => value(b) - value(a) || (a.githubLogin ?? a.userKey).localeCompare(b.githubLogin ?? b.userKey))
        .map((u) => ({ key: u.userKey, login: u.githubLogin, email: u.email, value: value(u) }));
    expect(boards['prs-all']).toEqual(rank((u) => u.pullRequestsMerged));
    expect(boards['prs-with']).toEqual(rank((u) => u.pullRequestsWithClaudeCode));
    expect(boards['lines-all']).toEqual(rank((u) => u.linesCommitted));
    expect(boards['lines-with']).toEqual(rank((u) => u.linesWithClaudeCode));

    // Top spenders from the same read: Cy and Di tie at $2 (by user key), then Ana; Ed spent before the range.
    expect(spend!.top).toEqual([
      { userKey: 'cy', githubLogin: 'cy', email: null, costUsd: 2 },
      { userKey: 'di', githubLogin: 'di', email: null, costUsd: 2 },
      { userKey: 'ana', githubLogin: 'ana', email: 'ana@acme.example', costUsd: 0.5 },
    ]);
    const queried = await topSpenders(t.db, 'acme', range, 10);
    expect(spend!.top).toEqual(queried.map(({ userKey, githubLogin, email, costUsd }) => ({ userKey, githubLogin, email, costUsd })));
  });
});
