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
  const fingerprints = new Map<number, number>();
  const sketches = new Map<number, Uint8Array>();
  const sketcher = sketcherFor(key);
  for (const cased of casedLines) {
    const fp = lineFingerprint(key, cased.toLowerCase());
    const seen = fingerprints.get(fp);
    fingerprints.set(fp, (seen ?? 0) + 1);
    if (seen === undefined) sketches.set(fp, sketcher.sketch(cased));
  }
  return { fingerprints, sketches };
}

let lastSketcher: { key: string | Buffer; sketcher: LineSketcher } | undefined;

/** One sketcher per key, so its memo of token hashes is shared by every call (the app has one key). */
function sketcherFor(key: string | Buffer): LineSketcher {
  if (lastSketcher?.key !== key) lastSketcher = { key, sketcher: new LineSketcher(key) };
  return lastSketcher.sketcher;
}
