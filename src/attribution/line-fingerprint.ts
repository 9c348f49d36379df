import { createHmac } from 'node:crypto';

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
