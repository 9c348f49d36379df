import { DURABILITY_WINDOW_DAYS, lineLives, lineSurvival } from '../durability/line-lives.js';
import type { Db } from '../db/client.js';
import { mergedChangesOf, orgRepositoryIds, saveDurability, type DurabilityRow } from '../db/pull-request-durability.js';
import { DAY_MS } from '../utc-days.js';

/*
 * The durability step of a processing run (spec: Outcomes, "Durability"), after attribution and
 * outcomes: replays each repository's merged changes of the last 104 days and stores, per merged PR,
 * how many of its lines were still there 14, 30 and 90 days after the merge. A PR's figures keep
 * changing until it is 90 days old, so every run recomputes the whole window, whatever range it
 * attributes; PRs older than that keep their last (final) row.
 */

export async function updateDurability(
  db: Db,
  { org, now, minSimilarity, write }: { org: string; now: Date; minSimilarity?: number | undefined; write: <T>(w: () => T) => Promise<T> },
): Promise<{ pullRequests: number }> {
  const since = new Date(now.getTime() - DURABILITY_WINDOW_DAYS * DAY_MS).toISOString();
  const asOf = now.toISOString();
  let pullRequests = 0;
  for (const repositoryId of orgRepositoryIds(db, org)) {
    const changes = mergedChangesOf(db, repositoryId, since);
    if (changes.length === 0) continue;
    const rows: DurabilityRow[] = [];
    for (const lives of lineLives(changes, minSimilarity !== undefined ? { minSimilarity } : {})) {
      if (!lives.subject.startsWith('pull_request:')) continue;
      const { lines, surviving14d, surviving30d, surviving90d, deleted21d, rewritten21d } = lineSurvival(lives, now.getTime());
      rows.push({
        pullRequestId: Number(lives.subject.slice('pull_request:'.length)),
        org,
        day: new Date(lives.at).toISOString().slice(0, 10),
        lines,
        surviving14d,
        surviving30d,
        surviving90d,
        deleted21d,
        rewritten21d,
        endedLives: lives.ends.map((e) => [Math.round(e.lifeMs / 1000), e.lines, e.rewritten]),
        asOf,
      });
    }
    await write(() => saveDurability(db, rows));
    pullRequests += rows.length;
    // Let requests in between repositories when processing runs inside the server.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { pullRequests };
}
