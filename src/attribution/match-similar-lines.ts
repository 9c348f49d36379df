import { decodeSketch, sketchLength, sketchSimilarity, type DecodedSketch, type SketchLookup } from './line-sketch.js';

/*
 * The edited-line half of a line match (spec: Attribution, `line_match`): among the added lines of
 * one PR file and the lines one session wrote into that file that no exact match took, pairs whose
 * similarity reaches the threshold. Each line Claude Code wrote matches at most one added line (a
 * line it wrote n times, at most n); the most similar pairs are taken first.
 */

/** Lines still unmatched on one side: fingerprint → how many, and each fingerprint's sketch. */
export interface UnmatchedLines {
  left: Map<number, number>;
  sketches: SketchLookup | undefined;
}

export interface SimilarMatch {
  addedFingerprint: number;
  claudeFingerprint: number;
  lines: number;
  similarity: number;
}

/** Decodes each sketch once per attribution (the same session lines can meet several PR files). */
export class SketchCache {
  readonly #decoded = new Map<SketchLookup, Map<number, DecodedSketch | null>>();

  get(sketches: SketchLookup, fingerprint: number): DecodedSketch | null {
    let of = this.#decoded.get(sketches);
    if (!of) this.#decoded.set(sketches, (of = new Map()));
    let d = of.get(fingerprint);
    if (d === undefined) {
      const bytes = sketches.get(fingerprint);
      of.set(fingerprint, (d = bytes ? decodeSketch(bytes) : null));
    }
    return d;
  }
}

interface Candidate {
  fingerprint: number;
  sketch: DecodedSketch;
}

/** Index of the first candidate whose similarity form is at least `length` long. */
function firstAtLeast(sorted: Candidate[], length: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.sketch.total < length) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Matches `added` against `claude` at `threshold` and takes the matched lines out of both `left`
 * maps. Pairs are taken by similarity, highest first; ties go to the lower added fingerprint, then
 * the lower Claude fingerprint, so the answer never depends on the order rows were read in.
 */
export function matchSimilarLines(added: UnmatchedLines, claude: UnmatchedLines, threshold: number, cache: SketchCache): SimilarMatch[] {
  if (threshold >= 1 || !added.sketches || !claude.sketches) return [];
  const claudeLines: Candidate[] = [];
  for (const [fingerprint, n] of claude.left) {
    if (n <= 0) continue;
    const sketch = cache.get(claude.sketches, fingerprint);
    if (sketch) claudeLines.push({ fingerprint, sketch });
  }
  if (claudeLines.length === 0) return [];
  claudeLines.sort((a, b) => a.sketch.total - b.sketch.total || a.fingerprint - b.fingerprint);

  const pairs: { addedFingerprint: number; claudeFingerprint: number; similarity: number }[] = [];
  for (const [fingerprint, n] of added.left) {
    if (n <= 0) continue;
    const bytes = added.sketches.get(fingerprint);
    if (!bytes) continue;
    // |la − lb| ≤ (1 − t)·max(la, lb) means lb lies in [t·la, la ÷ t]; most lines have no Claude
    // line of a fitting length, and are not even decoded.
    const length = sketchLength(bytes);
    const from = firstAtLeast(claudeLines, Math.ceil(length * threshold - 1e-9));
    const upTo = Math.floor(length / threshold + 1e-9);
    if (from >= claudeLines.length || claudeLines[from]!.sketch.total > upTo) continue;
    const a = cache.get(added.sketches, fingerprint);
    if (!a) continue;
    for (let i = from; i < claudeLines.length && claudeLines[i]!.sketch.total <= upTo; i++) {
      const c = claudeLines[i]!;
      const similarity = sketchSimilarity(a, c.sketch, threshold);
      if (similarity !== null) pairs.push({ addedFingerprint: fingerprint, claudeFingerprint: c.fingerprint, similarity });
    }
  }
  pairs.sort(
    (x, y) => y.similarity - x.similarity || x.addedFingerprint - y.addedFingerprint || x.claudeFingerprint - y.claudeFingerprint,
  );

  const matches: SimilarMatch[] = [];
  for (const p of pairs) {
    const lines = Math.min(added.left.get(p.addedFingerprint) ?? 0, claude.left.get(p.claudeFingerprint) ?? 0);
    if (lines <= 0) continue;
    added.left.set(p.addedFingerprint, added.left.get(p.addedFingerprint)! - lines);
    claude.left.set(p.claudeFingerprint, claude.left.get(p.claudeFingerprint)! - lines);
    matches.push({ ...p, lines });
  }
  return matches;
}
