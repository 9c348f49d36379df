import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.js';
import { pruneExpired } from '../../src/db/retention.js';
import {
  currentReplayMark,
  orgRepositoryIds,
  replayMarksOf,
  storedLivesOf,
  storedLivesOfMany,
  storedReplayMark,
} from '../../src/db/pull-request-durability.js';
import { pullRequestDurability } from '../../src/db/schema.js';
import { metricsApi } from '../../src/http/api/metrics-api.js';
import { runProcessing } from '../../src/processing/run-processing.js';
import { updateDurability } from '../../src/processing/update-durability.js';
import { lineSurvival } from '../../src/durability/line-lives.js';
import { DAY, deliverDurabilityHistory, HISTORY_NOW, HISTORY_RANGE } from '../helpers/durability-history.js';
import { createTestDb } from '../helpers/test-db.js';

/*
 * The end-to-end history of test/helpers/durability-history.ts (made with git, delivered as GitHub
 * would, enriched and processed): each merged PR's durability, computed by hand there.
 */

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  t = await createTestDb();
  await deliverDurabilityHistory(t.db);
  await runProcessing(t.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
}, 60_000);
afterAll(async () => {
  await t.cleanup();
});

const rowOf = async (number: number) => (await t.db.select().from(pullRequestDurability).where(eq(pullRequestDurability.pullRequestId, 500_000 + number)).limit(1))[0];
const figures = async (number: number) => {
  const r = (await rowOf(number))!;
  return [r.lines, r.surviving14d, r.surviving30d, r.surviving90d, r.deleted21d, r.rewritten21d];
};
/** Every PR's durability row, in one order on both engines. */
const allRows = () => t.db.select().from(pullRequestDurability).orderBy(pullRequestDurability.pullRequestId);

describe('an end-to-end history made with git', () => {
  it('gives each merged PR the lines that survived 14, 30 and 90 days and those that ended within 21', async () => {
    // [lines, 14 d, 30 d, 90 d, ended within 21 d, of which rewritten]
    expect(await figures(1)).toEqual([8, 5, 5, 4, 3, 1]); // 3 ended on day 10 (1 rewritten), 1 on day 50 after the move
    expect(await figures(2)).toEqual([3, 3, 1, 1, 2, 0]); // 2 ended by the direct push on day 20
    expect(await figures(3)).toEqual([1, 1, 1, 1, 0, 0]); // the rewritten loop line lives on as PR #3's
    expect(await figures(4)).toEqual([1, 0, 0, null, 1, 0]); // 60 days old: no 90-day figure yet
    expect(await figures(5)).toEqual([1, 1, 1, null, 0, 0]); // its `return items.length;`
    const day = 86_400;
    expect((await rowOf(1))!.endedLives).toEqual([
      [10 * day, 3, 1],
      [50 * day, 1, 0],
    ]);
    expect(await rowOf(1)).toMatchObject({ org: 'acme', day: '2026-08-03', asOf: HISTORY_NOW.toISOString() });
  });

  it('answers the org’s durability in the API: with vs without Claude Code, bots apart, with sample sizes', async () => {
    const api = metricsApi({ db: t.db, now: () => HISTORY_NOW });
    const headers = { 'x-api-key': (await createApiKey(t.db, { org: 'acme' })).key };
    const range = `start_date=${HISTORY_RANGE.fromDay}&end_date=${HISTORY_RANGE.toDay}`;
    const res = await api.request(`/orgs/acme/durability?${range}`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    // With: PRs #1 (8 lines) and #4 (1); without: #2 (3), #3 (1), #5 (1). Only #1, #2, #3 are 90 days old.
    expect(body.survival).toEqual({
      with_claude_code: {
        d14: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d30: { prs: 2, lines: 9, surviving: 5, rate: 0.5556 },
        d90: { prs: 1, lines: 8, surviving: 4, rate: 0.5 },
      },
      without_claude_code: {
        d14: { prs: 3, lines: 5, surviving: 5, rate: 1 },
        d30: { prs: 3, lines: 5, surviving: 3, rate: 0.6 },
        d90: { prs: 2, lines: 4, surviving: 2, rate: 0.5 },
      },
    });
    expect(body.churn_21d).toEqual({
      with_claude_code: { prs: 2, lines: 9, deleted: 4, rewritten: 1, rate: 0.4444 },
      without_claude_code: { prs: 3, lines: 5, deleted: 2, rewritten: 0, rate: 0.4 },
    });
    // With: 4 lines ended after 10 days, 1 after 50; without: 2 after 20.
    expect(body.median_life_days_of_deleted_lines).toEqual({ with_claude_code: 10, without_claude_code: 20 });
    expect(body.deleted_lines).toEqual({ with_claude_code: 5, without_claude_code: 2 });
    expect(body.pull_requests).toEqual({
      with_claude_code: { merged: 2, old_enough: { d14: 2, d30: 2, d90: 1, churn_21d: 2 } },
      without_claude_code: { merged: 3, old_enough: { d14: 3, d30: 3, d90: 2, churn_21d: 3 } },
    });

    // One person, one repository.
    const lee = (await (await api.request(`/orgs/acme/durability?${range}&login=lee`, { headers })).json()) as typeof body;
    expect(lee.survival).toMatchObject({ with_claude_code: { d14: null, d30: null, d90: null }, without_claude_code: { d90: { prs: 2, lines: 4, surviving: 2 } } });
    const other = (await (await api.request(`/orgs/acme/durability?${range}&repository=acme/gadgets`, { headers })).json()) as typeof body;
    expect(other.pull_requests).toEqual({
      with_claude_code: { merged: 0, old_enough: { d14: 0, d30: 0, d90: 0, churn_21d: 0 } },
      without_claude_code: { merged: 0, old_enough: { d14: 0, d30: 0, d90: 0, churn_21d: 0 } },
    });
    expect((await api.request(`/orgs/acme/durability?${range}&repository=gadgets`, { headers })).status).toBe(400);

    // Per PR, in JSON and CSV.
    const prs = (await (await api.request(`/orgs/acme/pull-requests?${range}`, { headers })).json()) as { data: Record<string, unknown>[] };
    expect(prs.data.map((p) => [p.number, p.with_claude_code, p.lines_surviving_14d, p.lines_surviving_30d, p.lines_surviving_90d])).toEqual([
      [1, true, 5, 5, 4],
      [2, false, 3, 1, 1],
      [6, false, 2, 2, 2],
      [3, false, 1, 1, 1],
      [4, true, 0, 0, null],
      [5, false, 1, 1, null],
    ]);
    const csv = await (await api.request(`/orgs/acme/pull-requests?${range}&format=csv`, { headers })).text();
    const [header, first] = csv.trim().split('\n');
    expect(header!.split(',').slice(-3)).toEqual(['lines_surviving_14d', 'lines_surviving_30d', 'lines_surviving_90d']);
    expect(first!.split(',').slice(-3)).toEqual(['5', '5', '4']);
  });

  it('is the same when processed again', async () => {
    const before = await allRows();
    await runProcessing(t.db, { org: 'acme', ...HISTORY_RANGE, now: () => HISTORY_NOW });
    expect(await allRows()).toEqual(before);
  });

  it('replays a repository only when its changes changed; otherwise moves the stored endings past the horizons reached', async () => {
    const replayed = await allRows();
    const step = (now: Date) => updateDurability(t.db, { org: 'acme', now, write: async (w) => w() });
    // A day earlier, PR #3 (merged on day 10) was not 90 days old: no 90-day figure, and nothing replayed.
    // Only its row is written.
    expect(await step(new Date(HISTORY_NOW.getTime() - DAY))).toEqual({ pullRequests: 1, replayed: 0 });
    expect(await figures(3)).toEqual([1, 1, 1, null, 0, 0]);
    // Back at day 100, from the stored endings alone: exactly what the replay wrote.
    expect(await step(HISTORY_NOW)).toEqual({ pullRequests: 1, replayed: 0 });
    expect(await allRows()).toEqual(replayed);
  });

  it('does not replay a repository the next days for changes only leaving the window: its rows are still what a replay writes', async () => {
    const replayed = await allRows();
    const step = (now: Date) => updateDurability(t.db, { org: 'acme', now, write: async (w) => w() });
    const withoutAsOf = (rows: typeof replayed) => rows.map(({ asOf, ...row }) => row);
    // Days 104 and 105: PRs #1 and #2 (day 0) have left the 104 days replayed, and the lives of the others
    // stand without them (nothing deleted took a day-0 line where a later one's was in the running).
    expect(await storedReplayMark(t.db, (await orgRepositoryIds(t.db, 'acme'))[0]!)).toMatchObject({ standsUntil: null });
    for (const days of [4, 5]) {
      const now = new Date(HISTORY_NOW.getTime() + days * DAY);
      expect(await step(now)).toEqual({ pullRequests: 0, replayed: 0 });
      const kept = await allRows();
      // A replay from scratch at the same time writes the same figures.
      await t.db.run(sql`DELETE FROM repository_durability_replays`);
      expect(await step(now)).toMatchObject({ replayed: 1 });
      expect(withoutAsOf(await allRows())).toEqual(withoutAsOf(kept));
    }
    // Back at day 100: the window reaches the day-0 PRs again, which the stored mark does not count.
    expect(await step(HISTORY_NOW)).toMatchObject({ replayed: 1 });
    expect(withoutAsOf(await allRows())).toEqual(withoutAsOf(replayed));
  });

  it('reads every repository’s replay marks and stored lives at once, the same as one repository at a time', async () => {
    const since = new Date(HISTORY_NOW.getTime() - 104 * DAY).toISOString();
    const ids = [...(await orgRepositoryIds(t.db, 'acme')), 999_999];
    const marks = await replayMarksOf(t.db, ids, since);
    const lives = await storedLivesOfMany(t.db, ids, since);
    const byPullRequest = <R extends { pullRequestId: number }>(rows: R[]) => [...rows].sort((a, b) => a.pullRequestId - b.pullRequestId);
    for (const id of ids) {
      const stored = await storedReplayMark(t.db, id);
      const seenSince = stored?.windowStart && stored.windowStart < since ? stored.windowStart : since;
      expect(marks.get(id)).toEqual({ current: await currentReplayMark(t.db, id, since), stored, seen: await currentReplayMark(t.db, id, seenSince) });
      expect(byPullRequest(lives.get(id)!)).toEqual(byPullRequest(await storedLivesOf(t.db, id, since)));
    }
    // The history's one repository: its six merged PRs (Dependabot's too) have rows, and it was replayed; the unknown one has nothing.
    expect(lives.get(ids[0]!)).toHaveLength(6);
    expect(marks.get(ids[0]!)!.stored).toEqual({ ...marks.get(ids[0]!)!.current, windowStart: since, standsUntil: null });
    expect(marks.get(999_999)).toEqual({ current: { lastChangedFileId: 0, changedFiles: 0 }, stored: undefined, seen: { lastChangedFileId: 0, changedFiles: 0 } });

    // Asked for the rows a later (or earlier) time can change, it reads exactly those whose figures
    // that time gives differently from the stored ones.
    const all = [...lives.values()].flat();
    for (const days of [-1, 0, 5, 12, 30, 60, 85]) {
      const at = new Date(HISTORY_NOW.getTime() + days * DAY);
      const read = [...(await storedLivesOfMany(t.db, ids, since, { reachingBy: at })).values()].flat().map((r) => r.pullRequestId);
      const changed = all.filter((r) => {
        const life = { subject: '', at: Date.parse(r.mergedAt), lines: r.lines, ends: r.endedLives.map(([s, lines, rewritten]) => ({ lifeMs: s * 1000, lines, rewritten })) };
        const { surviving14d, surviving30d, surviving90d, deleted21d, rewritten21d } = lineSurvival(life, at.getTime());
        return [surviving14d, surviving30d, surviving90d, deleted21d, rewritten21d].join() !== [r.surviving14d, r.surviving30d, r.surviving90d, r.deleted21d, r.rewritten21d].join();
      });
      expect(read.sort(), `${days} days on`).toEqual(changed.map((r) => r.pullRequestId).sort());
      if (days === 0) expect(read).toEqual([]);
      if (days === -1) expect(read).toEqual([500_003]);
      if (days === 60) expect(read.length).toBeGreaterThan(0);
    }
  });

  it('keeps the fingerprints the 90-day figures need when RETENTION_DAYS is shorter, and final rows stay as they were', async () => {
    const fingerprintsOf = async (number: number) =>
      (await t.db.get<{ n: number }>(
        sql`SELECT (SELECT count(*) FROM added_line_fingerprints a JOIN changed_files f ON f.id = a.changed_file_id WHERE f.pull_request_id = ${500_000 + number})
                 + (SELECT count(*) FROM deleted_line_fingerprints d JOIN changed_files f ON f.id = d.changed_file_id WHERE f.pull_request_id = ${500_000 + number}) AS n`,
      ))!.n;
    // PR #1 added 8 distinct lines; PR #3 added 1 and deleted 3.
    expect([await fingerprintsOf(1), await fingerprintsOf(3)]).toEqual([8, 4]);
    // RETENTION_DAYS=30 at day 100: everything is younger than the 104 days durability replays.
    await pruneExpired(t.db, { now: HISTORY_NOW, retentionDays: 30 });
    expect([await fingerprintsOf(1), await fingerprintsOf(3)]).toEqual([8, 4]);
    // Five days later the day-0 PRs are past it, the day-10 one is not.
    const later = new Date(HISTORY_NOW.getTime() + 5 * DAY);
    await pruneExpired(t.db, { now: later, retentionDays: 30 });
    expect([await fingerprintsOf(1), await fingerprintsOf(3)]).toEqual([0, 4]);
    // PR #1's figures were final at 90 days; a later run leaves its row as it was.
    const final = await rowOf(1);
    await runProcessing(t.db, { org: 'acme', fromDay: later.toISOString().slice(0, 10), toDay: later.toISOString().slice(0, 10), now: () => later });
    expect(await rowOf(1)).toEqual(final);
    expect(await figures(3)).toEqual([1, 1, 1, 1, 0, 0]);
  });
});
