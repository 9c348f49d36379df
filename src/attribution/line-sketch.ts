import { createHmac } from 'node:crypto';

/*
 * Keyed token sketches of normalized lines (spec: Attribution, "differs from it by at most 20%";
 * "Never store code"). The similarity rule needs both lines, but Claude Code's lines arrive at hook
 * time and the PR's at enrichment time, and neither may be stored. So each line is stored as a
 * sketch: its tokens, each as a short keyed hash and its length. docs/attribution.md gives the
 * argument why a similarity computed from two sketches is never higher than the lines' own, and
 * what someone holding the database without the key could learn from a sketch.
 *
 * The similarity form of a normalized line drops its spaces (a formatter's spacing is no edit) and
 * a final run of `;` and `,` (prettier's semicolons, black's and rustfmt's trailing commas).
 */

/** Bytes per token in a sketch: a 16-bit keyed hash, then the token's length (1-255). */
const TOKEN_BYTES = 3;
/** Longer tokens (a long string or number) are cut into pieces of this many characters. */
const MAX_TOKEN_LENGTH = 255;
/**
 * Runs of letters (and `$`) are one token, runs of digits another; every other non-space character
 * is a token of its own (`_` too, so `max_rate` → `max_rate_limit` costs the part added, not the
 * whole name). Digits stay in runs although single digits would price a changed constant more
 * finely: ten one-digit hashes would be a cipher anyone could break by frequency (docs/attribution.md).
 */
const TOKEN = /[\p{L}\p{M}$]+|\p{N}+|[^\s]/gu;
const TRAILING_SEPARATORS = /[\s;,]+$/u;
const UPPER = /^[\p{Lu}\p{Lt}]$/u;
const LOWER = /^\p{Ll}$/u;

/**
 * Where a run of letters, as written, breaks into its parts: before an uppercase letter that follows
 * a lowercase one (`taxFor` → `tax` `For`), and before the last of several uppercase letters when a
 * lowercase one follows it (`HTTPServer` → `HTTP` `Server`). Offsets in UTF-16 units of `word`.
 */
export function identifierPartStarts(word: string): number[] {
  const chars = Array.from(word);
  const starts: number[] = [];
  let offset = 0;
  for (let k = 0; k < chars.length; k++) {
    if (k > 0 && UPPER.test(chars[k]!)) {
      const before = chars[k - 1]!;
      const after = chars[k + 1];
      if (LOWER.test(before) || (UPPER.test(before) && after !== undefined && LOWER.test(after))) starts.push(offset);
    }
    offset += chars[k]!.length;
  }
  return starts;
}

/**
 * The tokens of a line's similarity form, as the sketch sees them (for tests and docs). `line` is
 * the normalized line before lowercasing (`casedLine`): the tokens are those of the lowercased line,
 * each run of letters cut into its parts where the line as written changes case, so the tokens
 * always concatenate to the lowercased similarity form. A line given already lowercased keeps its
 * names whole (the sketches made before names were split).
 */
export function similarityTokens(line: string): string[] {
  const cased = line.replace(TRAILING_SEPARATORS, '');
  const lower = cased.toLowerCase();
  // Lowercasing keeps the length of almost every line; where it does not (`İ` → `i̇`) the offsets
  // of the two forms differ, and names stay whole.
  const split = lower.length === cased.length && lower !== cased;
  const tokens: string[] = [];
  const push = (token: string) => {
    const chars = Array.from(token);
    for (let i = 0; i < chars.length; i += MAX_TOKEN_LENGTH) tokens.push(chars.slice(i, i + MAX_TOKEN_LENGTH).join(''));
  };
  for (const match of lower.matchAll(TOKEN)) {
    const token = match[0];
    const at = match.index;
    const written = split && token.length > 1 ? cased.slice(at, at + token.length) : token;
    const starts = written !== token ? identifierPartStarts(written) : [];
    let from = 0;
    for (const start of starts) {
      push(token.slice(from, start));
      from = start;
    }
    push(token.slice(from));
  }
  return tokens;
}

/**
 * Sketches lines with one key. Tokens repeat a lot (`(`, `const`, `return`), so each distinct
 * token's hash is computed once per sketcher (the memo is bounded).
 */
export class LineSketcher {
  readonly #key: Buffer;
  readonly #memo = new Map<string, number>();

  constructor(fingerprintKey: string | Buffer) {
    // A key of its own, so a token's hash never equals the fingerprint of a line made of that token.
    this.#key = createHmac('sha256', fingerprintKey).update('claude-code-metrics line sketch v1').digest();
  }

  tokenHash(token: string): number {
    let h = this.#memo.get(token);
    if (h === undefined) {
      h = createHmac('sha256', this.#key).update(token, 'utf8').digest().readUInt16BE(0);
      if (this.#memo.size >= 50_000) this.#memo.clear();
      this.#memo.set(token, h);
    }
    return h;
  }

  /**
   * The sketch of a line in its cased form (`casedLine`; a lowercased line sketches its names
   * whole): 3 bytes per token (hash, hash, length).
   */
  sketch(line: string): Uint8Array {
    const tokens = similarityTokens(line);
    const out = new Uint8Array(tokens.length * TOKEN_BYTES);
    tokens.forEach((token, i) => {
      const h = this.tokenHash(token);
      out[i * TOKEN_BYTES] = h >>> 8;
      out[i * TOKEN_BYTES + 1] = h & 0xff;
      out[i * TOKEN_BYTES + 2] = Array.from(token).length;
    });
    return out;
  }
}

/** A sketch made from tokens already hashed (the benchmark's synthetic lines). */
export function encodeSketch(tokens: { hash: number; length: number }[]): Uint8Array {
  const out = new Uint8Array(tokens.length * TOKEN_BYTES);
  tokens.forEach((t, i) => {
    out[i * TOKEN_BYTES] = (t.hash >>> 8) & 0xff;
    out[i * TOKEN_BYTES + 1] = t.hash & 0xff;
    out[i * TOKEN_BYTES + 2] = Math.max(1, Math.min(MAX_TOKEN_LENGTH, t.length));
  });
  return out;
}

/** Sketches by fingerprint: a `Map`, or the packed form processing keeps in memory. */
export interface SketchLookup {
  get(fingerprint: number): Uint8Array | undefined;
}

/**
 * Many sketches in one buffer, found by fingerprint through a sorted index: two typed arrays per
 * file instead of an object (or a map entry) per line, so the sessions processing keeps cached
 * cost little more than their fingerprints.
 */
export class PackedSketches implements SketchLookup {
  /** The sketches, one after another. */
  readonly #bytes: Uint8Array;
  /** Sorted by fingerprint: fingerprint, then offset × 65536 + length, per sketch. */
  readonly #index: Float64Array;

  constructor(sketches: Iterable<readonly [number, Uint8Array]>) {
    const entries = [...sketches].filter(([, s]) => s.length > 0 && s.length < 65536).sort((a, b) => a[0] - b[0]);
    this.#bytes = new Uint8Array(entries.reduce((n, [, s]) => n + s.length, 0));
    this.#index = new Float64Array(entries.length * 2);
    let used = 0;
    entries.forEach(([fingerprint, sketch], i) => {
      this.#bytes.set(sketch, used);
      this.#index[i * 2] = fingerprint;
      this.#index[i * 2 + 1] = used * 65536 + sketch.length;
      used += sketch.length;
    });
  }

  get(fingerprint: number): Uint8Array | undefined {
    let lo = 0;
    let hi = this.#index.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#index[mid * 2]! < fingerprint) lo = mid + 1;
      else hi = mid;
    }
    if (lo * 2 >= this.#index.length || this.#index[lo * 2] !== fingerprint) return undefined;
    const at = this.#index[lo * 2 + 1]!;
    const offset = Math.floor(at / 65536);
    return this.#bytes.subarray(offset, offset + (at % 65536));
  }

  get size(): number {
    return this.#index.length / 2;
  }
}

/** A sketch ready for comparison. */
export interface DecodedSketch {
  /** Per token: hash and length together (two tokens are equal when these are). */
  ids: Int32Array;
  lengths: Uint8Array;
  /** Characters of the similarity form: the sum of the token lengths. */
  total: number;
  /** `ids` sorted, for the shared-token bound. */
  sorted: Int32Array;
}

/** Characters of a sketched line's similarity form, read without decoding the sketch. */
export function sketchLength(bytes: Uint8Array): number {
  let total = 0;
  for (let i = TOKEN_BYTES - 1; i < bytes.length; i += TOKEN_BYTES) total += bytes[i]!;
  return total;
}

/** Null when the bytes are not a sketch (a damaged or foreign value matches nothing). */
export function decodeSketch(bytes: Uint8Array): DecodedSketch | null {
  if (bytes.length === 0 || bytes.length % TOKEN_BYTES !== 0) return null;
  const n = bytes.length / TOKEN_BYTES;
  const ids = new Int32Array(n);
  const lengths = new Uint8Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const len = bytes[i * TOKEN_BYTES + 2]!;
    if (len === 0) return null;
    ids[i] = (bytes[i * TOKEN_BYTES]! << 16) | (bytes[i * TOKEN_BYTES + 1]! << 8) | len;
    lengths[i] = len;
    total += len;
  }
  return { ids, lengths, total, sorted: ids.slice().sort() };
}

/**
 * Characters of `a` and `b` covered by tokens they share (as multisets, weighted by length).
 * Every alignment leaves at least max(total) − shared characters unmatched, so
 * `shared / max(total)` bounds the similarity from above without the edit distance.
 */
function sharedCharacters(a: DecodedSketch, b: DecodedSketch): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  const x = a.sorted;
  const y = b.sorted;
  while (i < x.length && j < y.length) {
    if (x[i]! === y[j]!) {
      shared += x[i]! & 0xff;
      i++;
      j++;
    } else if (x[i]! < y[j]!) i++;
    else j++;
  }
  return shared;
}

/**
 * Weighted token edit distance: inserting or deleting a token costs its length, replacing one by
 * another costs the longer of the two (nothing when they are equal). Each step can be replayed
 * character by character at no more cost, so this is never below the character Levenshtein
 * distance of the two similarity forms. Returns `limit + 1` as soon as the distance must exceed
 * `limit`.
 */
export function tokenEditDistance(a: DecodedSketch, b: DecodedSketch, limit = Number.POSITIVE_INFINITY): number {
  const m = b.ids.length;
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  for (let j = 1; j <= m; j++) prev[j] = prev[j - 1]! + b.lengths[j - 1]!;
  for (let i = 1; i <= a.ids.length; i++) {
    const idA = a.ids[i - 1]!;
    const lenA = a.lengths[i - 1]!;
    cur[0] = prev[0]! + lenA;
    let rowMin = cur[0]!;
    for (let j = 1; j <= m; j++) {
      const lenB = b.lengths[j - 1]!;
      const replace = prev[j - 1]! + (idA === b.ids[j - 1]! ? 0 : Math.max(lenA, lenB));
      const v = Math.min(prev[j]! + lenA, cur[j - 1]! + lenB, replace);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[m]!;
}

/**
 * The greatest edit distance a pair of lines may have and still count at similarity `threshold`:
 * similarity = 1 − distance ÷ longer ≥ threshold. The small epsilon keeps 1 − 0.8 (which is
 * 0.19999…) from turning an exact 0.80 into a miss.
 */
export function allowedDistance(longer: number, threshold: number): number {
  return Math.floor(longer * (1 - threshold) + 1e-9);
}

/**
 * The similarity of two sketched lines (1 − distance ÷ longer similarity form) when it reaches
 * `threshold`, otherwise null. The cheap bounds (lengths, shared tokens) run first, so most pairs
 * never reach the edit distance.
 */
export function sketchSimilarity(a: DecodedSketch, b: DecodedSketch, threshold: number): number | null {
  const longer = Math.max(a.total, b.total);
  const allowed = allowedDistance(longer, threshold);
  if (Math.abs(a.total - b.total) > allowed) return null;
  if (longer - sharedCharacters(a, b) > allowed) return null;
  const distance = tokenEditDistance(a, b, allowed);
  if (distance > allowed) return null;
  return 1 - distance / longer;
}
