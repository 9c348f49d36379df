import { createHmac } from 'node:crypto';
import { LineSketcher } from './line-sketch.js';

/**
 * A keyed fingerprint of a normalized line: HMAC-SHA256 with the app's secret, cut to 48 bits so it
 * fits a JavaScript number and an SQLite integer exactly. Lines are only ever compared within one
 * file of one PR, so 48 bits leave accidental matches out of reach, while without the key nobody
 * holding the database can test guesses of what a line said.
 */
export function lineFingerprint(key: string | Buffer, normalizedLine: string): number {
  return createHmac('sha256', key).update(normalizedLine, 'utf8').digest().readUIntBE(0, 6);
}

/** Distinct fingerprints of `normalizedLines` and how many times each occurs. */
export function fingerprintCounts(key: string | Buffer, normalizedLines: Iterable<string>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of normalizedLines) {
    const fp = lineFingerprint(key, line);
    counts.set(fp, (counts.get(fp) ?? 0) + 1);
  }
  return counts;
}

/**
 * The fingerprints of effective lines with their counts, and each fingerprint's keyed token sketch.
 * The lines come in their cased form (`casedEffectiveLines`): the fingerprint is taken of the line
 * lowercased (the normalized line, as always), the sketch of the cased line, whose case splits names
 * into parts. Lines already lowercased fingerprint the same and sketch names whole.
 */
export function fingerprintLines(
  key: string | Buffer,
  casedLines: Iterable<string>,
): { fingerprints: Map<number, number>; sketches: Map<number, Uint8Array> } {
  const tally = new LineFingerprintTally(key);
  for (const line of casedLines) tally.add(line);
  return tally;
}

/**
 * `fingerprintLines` a line at a time, so a caller can fingerprint a long file in pieces (yielding
 * to the event loop between them) and get exactly what one `fingerprintLines` call gives.
 */
export class LineFingerprintTally {
  readonly fingerprints = new Map<number, number>();
  readonly sketches = new Map<number, Uint8Array>();
  readonly #key: string | Buffer;
  readonly #sketcher: LineSketcher;

  constructor(key: string | Buffer) {
    this.#key = key;
    this.#sketcher = sketcherFor(key);
  }

  /** One effective line in its cased form (`casedLine`): fingerprinted lowercased, sketched as it is. */
  add(casedLine: string): void {
    const fp = lineFingerprint(this.#key, casedLine.toLowerCase());
    const seen = this.fingerprints.get(fp);
    this.fingerprints.set(fp, (seen ?? 0) + 1);
    if (seen === undefined) this.sketches.set(fp, this.#sketcher.sketch(casedLine));
  }
}

let lastSketcher: { key: string | Buffer; sketcher: LineSketcher } | undefined;

/** One sketcher per key, so its memo of token hashes is shared by every call (the app has one key). */
function sketcherFor(key: string | Buffer): LineSketcher {
  if (lastSketcher?.key !== key) lastSketcher = { key, sketcher: new LineSketcher(key) };
  return lastSketcher.sketcher;
}
