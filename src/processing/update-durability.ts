import { DURABILITY_WINDOW_DAYS, lineSurvival, replayLineLives, type ChangeLives } from '../durability/line-lives.js';
import type { Db } from '../db/client.js';
import {
  mergedChangesOf,
  orgRepositoryIds,
  saveDurability,
  saveReplayMark,
  replayMarksOf,
  replayStands,
  storedLivesOfMany,
  type DurabilityRow,
  type StoredReplay,
} from '../db/pull-request-durability.js';
import { readAskedSketches, readSketchesOf } from '../db/processing-inputs.js';
import { withAskedRead } from './with-asked-read.js';
import { DAY_MS } from '../utc-days.js';

/*
 * The durability step of a processing run (spec: Outcomes, "Durability"), after attribution and
 * outcomes: replays each repository's merged changes of the last 104 days and stores, per merged PR,
 * how many of its lines were still there 14, 30 and 90 days after the merge. A PR's figures keep
 * changing until it is 90 days old, so every run covers the whole window, whatever range it
 * attributes; PRs older than that keep their last (final) row. A repository whose changes are the
 * same as at its last replay, but for the oldest leaving the window while its lives stand without
 * them (`replayStands`), is not replayed again: its PRs' stored endings are moved past the horizons
 * they reached since, which is what a replay would give.
 */

export async function updateDurability(
  db: Db,
  { org, now, minSimilarity, write }: { org: string; now: Date; minSimilarity?: number | undefined; write: <T>(w: () => T | Promise<T>) => Promise<T> },
): Promise<{ /** PRs whose figures were written. */ pullRequests: number; replayed: number }> {
  const since = new Date(now.getTime() - DURABILITY_WINDOW_DAYS * DAY_MS).toISOString();
  const asOf = now.toISOString();
  let pullRequests = 0;
  let replayed = 0;
  const repositoryIds = await orgRepositoryIds(db, org);
  // Every repository's marks, and the stored lives of those not replayed, in a few statements.
  const marks = await replayMarksOf(db, repositoryIds, since);
  const stands = (id: number) => replayStands(marks.get(id)!, since);
  // Of a repository not replayed, only the rows whose figures time moves are read and computed again.
  const storedLives = await storedLivesOfMany(db, repositoryIds.filter(stands), since, { reachingBy: now });
  for (const repositoryId of repositoryIds) {
    const { current, stored } = marks.get(repositoryId)!;
    let lives: ChangeLives[];
    /** The mark saved with the rows: the window's files now, and until when the lives stand. */
    let mark: StoredReplay;
    /** The figures already stored, by PR, when the repository is not replayed: only changed rows are written. */
    let before: Map<number, Omit<DurabilityRow, 'asOf'>> | undefined;
    if (stands(repositoryId)) {
      // Nothing merged or enriched since the last replay, and no change left the window whose
      // leaving moves an ending: the endings stand; only the horizons the PRs reached since move
      // their figures. The mark follows the window once it moved a day (to keep its count short).
      const rows = storedLives.get(repositoryId)!;
      const moved = Date.parse(since) - Date.parse(stored!.windowStart!) >= DAY_MS;
      mark = moved ? { ...current, windowStart: since, standsUntil: stored!.standsUntil } : stored!;
      before = new Map(rows.map((r) => [r.pullRequestId, r]));
      lives = rows.map((r) => ({
        subject: `pull_request:${r.pullRequestId}`,
        at: Date.parse(r.mergedAt),
        lines: r.lines,
        ends: r.endedLives.map(([seconds, lines, rewritten]) => ({ lifeMs: seconds * 1000, lines, rewritten })),
      }));
    } else {
      if (current.changedFiles === 0) continue;
      const changes = await mergedChangesOf(db, repositoryId, since);
      const files = changes.flatMap((c) => c.files);
      // The replay asks for sketches synchronously: it runs again once those it asked for are read.
      // A rewrite asks for the ended lines' sketches first and only then for those of the file that
      // ended them, so those files (lines both added and deleted) are read with the first, which
      // saves a third replay.
      const endingFiles = files.filter((f) => f.added.size > 0 && f.deleted.size > 0);
      const replay = await withAskedRead(
        () => replayLineLives(changes, minSimilarity !== undefined ? { minSimilarity } : {}),
        async () => {
          if (!(await readAskedSketches(files))) return false;
          await readSketchesOf(endingFiles);
          return true;
        },
      );
      lives = replay.lives;
      const standsUntil = replay.standsUntil === Infinity ? null : new Date(replay.standsUntil).toISOString();
      mark = { ...current, windowStart: since, standsUntil };
      replayed++;
    }
    const rows: DurabilityRow[] = [];
    for (const life of lives) {
      if (!life.subject.startsWith('pull_request:')) continue;
      const { lines, surviving14d, surviving30d, surviving90d, deleted21d, rewritten21d } = lineSurvival(life, now.getTime());
      const pullRequestId = Number(life.subject.slice('pull_request:'.length));
      const old = before?.get(pullRequestId);
      if (
        old &&
        old.surviving14d === surviving14d &&
        old.surviving30d === surviving30d &&
        old.surviving90d === surviving90d &&
        old.deleted21d === deleted21d &&
        old.rewritten21d === rewritten21d
      ) {
        continue;
      }
      rows.push({
        pullRequestId,
        org,
        day: new Date(life.at).toISOString().slice(0, 10),
        lines,
        surviving14d,
        surviving30d,
        surviving90d,
        deleted21d,
        rewritten21d,
        endedLives: life.ends.map((e) => [Math.round(e.lifeMs / 1000), e.lines, e.rewritten]),
        asOf,
      });
    }
    if (rows.length > 0 || !before || mark !== stored) {
      await write(() =>
        db.transaction(async (tx) => {
          await saveDurability(tx, rows);
          await saveReplayMark(tx, repositoryId, mark, asOf);
        }),
      );
    }
    pullRequests += rows.length;
    // Let requests in between repositories when processing runs inside the server.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { pullRequests, replayed };
}
