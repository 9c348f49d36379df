import { matchSimilarLines, SketchCache } from '../attribution/match-similar-lines.js';
import type { SketchLookup } from '../attribution/line-sketch.js';
import { DAY_MS } from '../utc-days.js';

/*
 * Line lives (spec: Outcomes, "Durability"). Every effective line a merged change adds starts a
 * life in its file; the life ends when a later merged change (a PR or a direct push to the default
 * branch) deletes a line with its fingerprint from that file, or from the path the file was renamed
 * to, or removes the file. Only fingerprints are known, never positions, so:
 *  - one deleted line ends one life, the oldest with that fingerprint in that file (a file's copies
 *    of one line are interchangeable, and the oldest is the one a full history would have seen
 *    first);
 *  - a line one change deletes and adds back in the same file was moved within it: it is still
 *    there, and its life goes on;
 *  - a line rewritten by a later change ends (however small the edit: the spec's 20% rule decides
 *    who wrote a line, not whether it is still the same line), and the rewritten line starts its own
 *    life with the later change. An ending is called "rewritten" when the change that ended it added,
 *    in the same file, a line within the attribution's similarity threshold of it (the sketches and
 *    `matchSimilarLines` of attribution), and "deleted" otherwise.
 */

/** One file of a merged change, as enrichment stored it: fingerprints and counts, never lines. */
export interface ChangeFile {
  path: string;
  /** The path before a rename (GitHub's `previous_filename`). */
  previousPath: string | null;
  /** GitHub's file status: `removed` ends every life in the file, whatever its patch showed. */
  status: string;
  added: Map<number, number>;
  deleted: Map<number, number>;
  /** Keyed sketches of the added lines, to tell a rewrite from a deletion. */
  sketches?: SketchLookup | undefined;
}

/** A merged PR or a direct push of one repository, at its merge (or push) time. */
export interface MergedChange {
  /** `pull_request:<id>` or `commit:<id>`. */
  subject: string;
  /** Epoch milliseconds of the merge or push. */
  at: number;
  files: ChangeFile[];
}

/** How one group of a change's lines ended: after how long, how many, and how many of those were rewritten. */
export interface LineEnd {
  lifeMs: number;
  lines: number;
  rewritten: number;
}

/** The lives a change started: how many lines, and how each one that ended, ended. */
export interface ChangeLives {
  subject: string;
  at: number;
  lines: number;
  ends: LineEnd[];
}

interface Life {
  owner: ChangeLives;
  fingerprint: number;
  lines: number;
  sketches: SketchLookup | undefined;
}

/** The horizons the spec names: survival at 14, 30 and 90 days, churn within 21. */
export const SURVIVAL_DAYS = [14, 30, 90] as const;
export const CHURN_DAYS = 21;
/** The longest horizon: fingerprints of changes this recent are kept whatever RETENTION_DAYS says. */
export const LONGEST_HORIZON_DAYS = 90;
/**
 * Days processing replays: the longest horizon, and two weeks more so a PR whose 90th day fell
 * while processing did not run still gets its final figures. Retention keeps the added and deleted
 * fingerprints of changes this recent whatever RETENTION_DAYS says.
 */
export const DURABILITY_WINDOW_DAYS = LONGEST_HORIZON_DAYS + 14;

/**
 * Replays the merged changes of one repository, oldest first, and answers the lives each change
 * started. `minSimilarity` is the attribution's threshold (0.8 by default), used to call an ending
 * a rewrite. Changes are ordered by time, then subject, so the answer never depends on input order.
 */
export function lineLives(changes: readonly MergedChange[], options: { minSimilarity?: number } = {}): ChangeLives[] {
  return replayLineLives(changes, options).lives;
}

/**
 * `lineLives`, and until when its answer stands as the oldest changes leave the replay: replaying
 * only the changes at or after a time no later than `standsUntil` (epoch milliseconds; Infinity
 * when every time) gives every remaining change exactly the lives it has here. Dropping the oldest
 * changes can only move an ending when a deletion took one of their lines where lines of a later
 * change were in the running too (the oldest line goes first; without it the later change's would),
 * or when a change rewrote one of their lines while also ending a later change's (the added line
 * matched to theirs might match the later one's). `standsUntil` is the earliest time of a change
 * whose leaving could do that.
 */
export function replayLineLives(
  changes: readonly MergedChange[],
  { minSimilarity = 0.8 }: { minSimilarity?: number } = {},
): { lives: ChangeLives[]; standsUntil: number } {
  let standsUntil = Infinity;
  const ordered = [...changes].sort((a, b) => a.at - b.at || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  /** path → fingerprint → lives, oldest first. */
  const files = new Map<string, Map<number, Life[]>>();
  const out: ChangeLives[] = [];
  const cache = new SketchCache();

  for (const change of ordered) {
    const lives: ChangeLives = { subject: change.subject, at: change.at, lines: 0, ends: [] };
    out.push(lives);
    const endsAt = new Map<ChangeLives, Map<number, LineEnd>>();
    const end = (life: Life, lines: number, rewritten: number) => {
      let byLife = endsAt.get(life.owner);
      if (!byLife) endsAt.set(life.owner, (byLife = new Map()));
      const lifeMs = change.at - life.owner.at;
      const e = byLife.get(lifeMs);
      if (e) {
        e.lines += lines;
        e.rewritten += rewritten;
      } else byLife.set(lifeMs, { lifeMs, lines, rewritten });
    };

    // 1. Renames first: the lives move with their file, then the rename's own patch applies.
    for (const file of change.files) {
      if (!file.previousPath || file.previousPath === file.path || file.status === 'copied') continue;
      const moving = files.get(file.previousPath);
      if (!moving) continue;
      files.delete(file.previousPath);
      const into = files.get(file.path);
      if (!into) files.set(file.path, moving);
      else for (const [fp, list] of moving) into.set(fp, mergeByAge(into.get(fp) ?? [], list));
    }

    for (const file of change.files) {
      const current = files.get(file.path);
      // 2. What the change took out of the file: every life when the file was removed; otherwise one
      //    life per deleted line, oldest first, except lines it added back (moved within the file).
      const ended: { life: Life; lines: number }[] = [];
      if (file.status === 'removed') {
        if (current) for (const list of current.values()) for (const life of list) ended.push({ life, lines: life.lines });
        files.delete(file.path);
      } else if (current) {
        for (const [fp, deleted] of file.deleted) {
          let left = deleted - (file.added.get(fp) ?? 0);
          const list = current.get(fp);
          // The oldest goes first: without it (and those as old), a later one in the list would.
          if (left > 0 && list && list.length > 0 && list[0]!.owner.at < list[list.length - 1]!.owner.at) standsUntil = Math.min(standsUntil, list[0]!.owner.at);
          while (left > 0 && list && list.length > 0) {
            const life = list[0]!;
            const n = Math.min(left, life.lines);
            ended.push({ life, lines: n });
            left -= n;
            life.lines -= n;
            if (life.lines === 0) list.shift();
          }
          if (list && list.length === 0) current.delete(fp);
        }
      }
      if (ended.length > 0) {
        const rewrittenOf = rewrites(ended, file, minSimilarity, cache);
        // A rewrite matched to an older change's ended line could go to a later change's without it.
        if (rewrittenOf.size > 0) {
          let newest = -Infinity;
          for (const { life } of ended) newest = Math.max(newest, life.owner.at);
          for (const [life, n] of rewrittenOf) if (n > 0 && life.owner.at < newest) standsUntil = Math.min(standsUntil, life.owner.at);
        }
        for (const { life, lines } of ended) {
          const rewritten = Math.min(lines, rewrittenOf.get(life) ?? 0);
          rewrittenOf.set(life, (rewrittenOf.get(life) ?? 0) - rewritten);
          end(life, lines, rewritten);
        }
      }

      // 3. What it added starts new lives (a line moved within the file keeps its old one).
      if (file.status === 'removed') continue;
      let into = files.get(file.path);
      for (const [fp, added] of file.added) {
        const born = added - Math.min(added, file.deleted.get(fp) ?? 0);
        if (born <= 0) continue;
        if (!into) files.set(file.path, (into = new Map()));
        const list = into.get(fp);
        const life: Life = { owner: lives, fingerprint: fp, lines: born, sketches: file.sketches };
        if (list) list.push(life);
        else into.set(fp, [life]);
        lives.lines += born;
      }
    }
    for (const [owner, byLife] of endsAt) owner.ends.push(...byLife.values());
  }
  return { lives: out, standsUntil };
}

/** Two lists of lives of one fingerprint, oldest first. */
function mergeByAge(a: Life[], b: Life[]): Life[] {
  return [...a, ...b].sort((x, y) => x.owner.at - y.owner.at);
}

/**
 * How many of each ended life's lines the change rewrote: matched, at the attribution's threshold,
 * to a line the change added to the same file. Ended lines whose sketch is unknown count as deleted.
 */
function rewrites(ended: { life: Life; lines: number }[], file: ChangeFile, threshold: number, cache: SketchCache): Map<Life, number> {
  const out = new Map<Life, number>();
  if (!file.sketches || file.added.size === 0) return out;
  // Group the ended lines by the sketches they were born with (one lookup per birth file).
  const bySource = new Map<SketchLookup, Map<number, number>>();
  for (const { life, lines } of ended) {
    if (!life.sketches) continue;
    let left = bySource.get(life.sketches);
    if (!left) bySource.set(life.sketches, (left = new Map()));
    left.set(life.fingerprint, (left.get(life.fingerprint) ?? 0) + lines);
  }
  // Only lines the change really added (not those it moved within the file) can be a rewrite.
  const born = new Map<number, number>();
  for (const [fp, n] of file.added) if (n > (file.deleted.get(fp) ?? 0)) born.set(fp, n - (file.deleted.get(fp) ?? 0));
  const added = { left: born, sketches: file.sketches };
  for (const [sketches, left] of bySource) {
    const matches = matchSimilarLines(added, { left, sketches }, threshold, cache);
    const matched = new Map<number, number>();
    for (const m of matches) matched.set(m.claudeFingerprint, (matched.get(m.claudeFingerprint) ?? 0) + m.lines);
    for (const { life } of ended) {
      if (life.sketches !== sketches) continue;
      const n = matched.get(life.fingerprint) ?? 0;
      if (n > 0) {
        out.set(life, n);
        matched.delete(life.fingerprint);
      }
    }
  }
  return out;
}

/** A change's durability figures as of `asOf`: null for a horizon it has not reached yet. */
export interface LineSurvival {
  lines: number;
  surviving14d: number | null;
  surviving30d: number | null;
  surviving90d: number | null;
  /** Lines that ended within 21 days of the merge (churn); null until 21 days have passed. */
  deleted21d: number | null;
  /** Of those, how many were rewritten rather than deleted. */
  rewritten21d: number | null;
}

export function lineSurvival(lives: ChangeLives, asOf: number): LineSurvival {
  const endedWithin = (days: number) => {
    let n = 0;
    for (const e of lives.ends) if (e.lifeMs <= days * DAY_MS) n += e.lines;
    return n;
  };
  const reached = (days: number) => asOf >= lives.at + days * DAY_MS;
  const surviving = (days: number) => (reached(days) ? lives.lines - endedWithin(days) : null);
  let rewritten = 0;
  for (const e of lives.ends) if (e.lifeMs <= CHURN_DAYS * DAY_MS) rewritten += e.rewritten;
  return {
    lines: lives.lines,
    surviving14d: surviving(14),
    surviving30d: surviving(30),
    surviving90d: surviving(90),
    deleted21d: reached(CHURN_DAYS) ? endedWithin(CHURN_DAYS) : null,
    rewritten21d: reached(CHURN_DAYS) ? rewritten : null,
  };
}
