import { describe, expect, it } from 'vitest';
import { attributePullRequest, type FileLines, type PullRequestFacts, type SessionFacts } from '../../src/attribution/attribute-pull-request.js';
import { ConsumedLines } from '../../src/attribution/consumed-lines.js';
import { casedEffectiveLines } from '../../src/attribution/effective-lines.js';
import { fingerprintLines } from '../../src/attribution/line-fingerprint.js';

/*
 * Each line Claude Code wrote matches at most one added line, across PRs (spec: Attribution): the
 * PR merged first takes it; a later PR's copy of it, or a person's line within 20% of it, is not
 * Claude's. The example of docs/attribution.md, "Across pull requests".
 */

const KEY = 'consumed-lines-test-key-0123456789abcdef';
const PATH = 'test/orders.test.ts';

function file(path: string, lines: string[]): FileLines {
  return { path, ...fingerprintLines(KEY, casedEffectiveLines(lines)) };
}

function pr(number: number, mergedAt: string, lines: string[]): PullRequestFacts {
  return {
    repository: 'acme/shop',
    number,
    authorLogin: 'dana',
    authorIsBot: false,
    mergedAt,
    files: [file(PATH, lines)],
    commits: [{ sha: `${number}`.padStart(40, 'a'), claudeCodeTrailer: false }],
  };
}

const claudeWrote = [
  "it('returns 404 when the order is missing', async () => {",
  "  const res = await request(app).get('/orders/missing');",
  '  expect(res.status).toBe(404);',
  '});',
];

const session: SessionFacts = {
  id: 'c09ec6b4-0000',
  githubLogin: 'dana',
  activeDays: ['2026-11-09'],
  commitShas: [],
  pullRequests: [],
  written: [file(PATH, claudeWrote)],
  whereabouts: { cwd: '/home/dana/src/shop' },
};

// PR #1 merges what Claude wrote. Four days later Dana's PR #2, in the same file, adds her own
// test modelled on it: one line an exact copy, one within 20% of Claude's (`order` → `customer`).
const first = pr(1, '2026-11-10T12:00:00Z', claudeWrote);
const second = pr(2, '2026-11-14T12:00:00Z', [
  "it('returns 404 when the customer is missing', async () => {",
  '  expect(res.status).toBe(404);',
  '});',
]);

describe('each line Claude Code wrote matches at most one added line, across pull requests', () => {
  it('PR #2 alone would credit Claude Code with its exact copy and its look-alike', () => {
    const alone = attributePullRequest(second, [session]);
    expect(alone.linesWithClaudeCode).toBe(2);
  });

  it('in merge order, PR #1 takes the 3 lines and PR #2 gets none of them', () => {
    const ledger = new ConsumedLines();
    const one = attributePullRequest(first, [session], { consumedBefore: ledger.before });
    expect(one.linesWithClaudeCode).toBe(3);
    expect(one.consumed.map((c) => [c.sessionId, c.path, c.lines])).toEqual([
      ['c09ec6b4-0000', PATH, 1],
      ['c09ec6b4-0000', PATH, 1],
      ['c09ec6b4-0000', PATH, 1],
    ]);
    ledger.add(one.consumed);

    const two = attributePullRequest(second, [session], { consumedBefore: ledger.before });
    expect(two.linesWithClaudeCode).toBe(0);
    expect(two.withClaudeCode).toBe(false);
    expect(two.consumed).toEqual([]);
    expect(two.evidence.map((e) => e.kind)).toEqual(['session_activity']);
  });

  it('a line Claude Code wrote twice matches once more after one PR took it once', () => {
    const twice: SessionFacts = { ...session, written: [file(PATH, ['  expect(res.status).toBe(404);', '  expect(res.status).toBe(404);'])] };
    const ledger = new ConsumedLines();
    const one = attributePullRequest(pr(1, '2026-11-10T12:00:00Z', ['  expect(res.status).toBe(404);']), [twice], { consumedBefore: ledger.before });
    expect(one.linesWithClaudeCode).toBe(1);
    ledger.add(one.consumed);
    const two = attributePullRequest(pr(2, '2026-11-14T12:00:00Z', ['  expect(res.status).toBe(404);', '  expect(res.status).toBe(404); ']), [twice], {
      consumedBefore: ledger.before,
    });
    expect(two.linesWithClaudeCode).toBe(1);
    ledger.add(two.consumed);
    const three = attributePullRequest(pr(3, '2026-11-15T12:00:00Z', ['  expect(res.status).toBe(404);']), [twice], { consumedBefore: ledger.before });
    expect(three.linesWithClaudeCode).toBe(0);
  });

  it('an edited match consumes the line Claude wrote, not the added one', () => {
    const ledger = new ConsumedLines();
    const edited = attributePullRequest(pr(1, '2026-11-10T12:00:00Z', ["it('returns 404 when the customer is missing', async () => {"]), [session], {
      consumedBefore: ledger.before,
    });
    expect(edited.linesWithClaudeCode).toBe(1);
    const claudeFingerprints = [...session.written[0]!.fingerprints.keys()];
    expect(edited.consumed).toHaveLength(1);
    expect(claudeFingerprints).toContain(edited.consumed[0]!.fingerprint);
    ledger.add(edited.consumed);
    // Claude's own line, merged later, finds it taken: the look-alike merged first got it.
    const exact = attributePullRequest(pr(2, '2026-11-14T12:00:00Z', [claudeWrote[0]!]), [session], { consumedBefore: ledger.before });
    expect(exact.linesWithClaudeCode).toBe(0);
  });
});
