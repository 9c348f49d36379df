import { describe, expect, it } from 'vitest';
import { deletedLinesOfPatch, effectiveLine } from '../../src/attribution/effective-lines.js';
import { summarizeFileChange } from '../../src/attribution/file-change.js';
import { lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { recordedCommits, restFilesOf } from '../helpers/claude-code-recordings.js';

/*
 * The `-` lines of a change (spec: Outcomes, "Durability"): read by the same hunk rules as added
 * lines, kept only as keyed fingerprints of their effective form.
 */

const KEY = 'deleted-lines-test-key';
// The recorded session's second commit rewrites config.js's return line (one `-`, one `+`).
const rewrite = recordedCommits('rejected-write-http-json-details-hooks').find((c) => c.sha.startsWith('ca3049b'))!;

describe('deletedLinesOfPatch', () => {
  it('reads the deleted lines of a real patch, and only those', () => {
    const [file] = restFilesOf(rewrite);
    expect(deletedLinesOfPatch(file!.patch!)).toEqual(['  return { port: env.PORT || 3000 };']);
  });

  it('takes a deleted line that starts with `--` as a line, and skips file headers', () => {
    const patch = ['--- a/x.sql', '+++ b/x.sql', '@@ -1,2 +1,1 @@', '--- a comment in SQL', ' select 1;'].join('\n');
    expect(deletedLinesOfPatch(patch)).toEqual(['-- a comment in SQL']);
  });
});

describe('summarizeFileChange: deleted lines', () => {
  it('fingerprints the effective deleted lines with the key, as added lines are (never their text)', () => {
    const [file] = restFilesOf(rewrite);
    const summary = summarizeFileChange(file!, KEY);
    const expected = lineFingerprint(KEY, effectiveLine('  return { port: env.PORT || 3000 };')!);
    expect([...summary.deletedFingerprints]).toEqual([[expected, 1]]);
    // Same normalization: the line deleted here is the line an earlier PR added.
    expect(expected).toBe(lineFingerprint(KEY, "return { port: env.port || 3000 };"));
    expect(JSON.stringify([...summary.deletedFingerprints])).not.toContain('port');
  });

  it('counts repeated deleted lines, drops punctuation-only ones, and none for excluded files or when not asked', () => {
    const patch = ['@@ -1,5 +1,1 @@', '-  total += price;', '-  total += price;', '-  });', '-}', ' return total;'].join('\n');
    const change = { filename: 'src/cart.js', status: 'modified', additions: 0, deletions: 4, patch };
    const summary = summarizeFileChange(change, KEY);
    expect([...summary.deletedFingerprints]).toEqual([[lineFingerprint(KEY, 'total += price;'), 2]]);
    expect(summarizeFileChange({ ...change, filename: 'dist/cart.js' }, KEY).deletedFingerprints.size).toBe(0);
    expect(summarizeFileChange(change, KEY, { deletedLines: false }).deletedFingerprints.size).toBe(0);
  });
});
