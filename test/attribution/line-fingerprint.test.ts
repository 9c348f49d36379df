import { describe, expect, it } from 'vitest';
import { normalizeLine } from '../../src/attribution/effective-lines.js';
import { fingerprintCounts, lineFingerprint } from '../../src/attribution/line-fingerprint.js';

describe('lineFingerprint', () => {
  it('is a deterministic 48-bit integer for one key', () => {
    const fp = lineFingerprint('k'.repeat(32), 'return true;');
    expect(fp).toBe(lineFingerprint('k'.repeat(32), 'return true;'));
    expect(Number.isSafeInteger(fp)).toBe(true);
    expect(fp).toBeGreaterThanOrEqual(0);
    expect(fp).toBeLessThan(2 ** 48);
  });

  it('depends on the key, so fingerprints cannot be recomputed without it', () => {
    expect(lineFingerprint('a'.repeat(32), 'return true;')).not.toBe(lineFingerprint('b'.repeat(32), 'return true;'));
  });

  it('is equal for lines that normalize equally and differs otherwise', () => {
    const key = 'secret-key-for-tests-0123456789ab';
    const fp = (s: string) => lineFingerprint(key, normalizeLine(s));
    expect(fp("  const a = 'x';")).toBe(fp('const a = "x";'));
    expect(fp('const a = 1;')).not.toBe(fp('const a = 2;'));
  });

  it('counts repeated lines', () => {
    const key = 'secret-key-for-tests-0123456789ab';
    const counts = fingerprintCounts(key, ['return x;', 'return y;', 'return x;']);
    expect(counts.size).toBe(2);
    expect(counts.get(lineFingerprint(key, 'return x;'))).toBe(2);
    expect(counts.get(lineFingerprint(key, 'return y;'))).toBe(1);
  });
});
