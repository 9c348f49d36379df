import { describe, expect, it } from 'vitest';
import {
  attributePullRequest,
  type FileLines,
  type PullRequestFacts,
  type SessionFacts,
} from '../../src/attribution/attribute-pull-request.js';
import { casedEffectiveLines } from '../../src/attribution/effective-lines.js';
import { summarizeFileChange } from '../../src/attribution/file-change.js';
import { fingerprintLines } from '../../src/attribution/line-fingerprint.js';

const KEY = 'attribution-test-key-0123456789abcdef';

/** A file's effective lines as the store keeps them: fingerprint counts of the normalized lines, and their sketches. */
function file(path: string, lines: string[], previousPath?: string): FileLines {
  return { path, previousPath, ...fingerprintLines(KEY, casedEffectiveLines(lines)) };
}

const CLAUDE_LINES = [
  'export class TokenBucket {',
  '  private tokens: number;',
  '  take(count = 1): boolean {',
  '    if (this.tokens < count) return false;',
  '    this.tokens -= count;',
  '    return true;',
  '  }',
  '}',
];
const HUMAN_LINES = ['// Tuned by hand for production traffic.', 'export const DEFAULT_RATE = 50;'];

function pr(overrides: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return {
    repository: 'acme/widgets',
    number: 42,
    authorLogin: 'dana',
    authorIsBot: false,
    mergedAt: '2026-11-21T12:00:00Z',
    files: [file('src/rate-limiter.ts', [...CLAUDE_LINES, ...HUMAN_LINES])],
    commits: [{ sha: '6a585aa491d050ef905bad884924ba0a6bf7dd09', claudeCodeTrailer: false }],
    ...overrides,
  };
}

function session(overrides: Partial<SessionFacts> = {}): SessionFacts {
  return {
    id: 'session-1',
    githubLogin: 'dana',
    activeDays: ['2026-11-20'],
    commitShas: [],
    pullRequests: [],
    written: [file('src/rate-limiter.ts', CLAUDE_LINES)],
    whereabouts: { cwd: '/home/dana/src/widgets' },
    ...overrides,
  };
}

describe('line_match', () => {
  it('attributes the lines the author’s session wrote into the same file', () => {
    const result = attributePullRequest(pr(), [session()]);
    // 8 Claude lines, of which `}` and `  }` are not effective: 6; the human lines add 2.
    expect(result).toEqual({
      withClaudeCode: true,
      isBot: false,
      creditedLogin: 'dana',
      linesAdded: 8,
      linesWithClaudeCode: 6,
      evidence: [
        {
          kind: 'line_match',
          sessionId: 'session-1',
          lines: 6,
          repository: 'acme/widgets',
          folder: '',
          placedBy: 'working_directory',
          files: [{ path: 'src/rate-limiter.ts', lines: 6, exact: 6, edited: 0, rule: 'same_path', sessionPath: 'src/rate-limiter.ts' }],
        },
      ],
      // The 6 lines the session wrote that this PR took, each once (the consumption ledger's rows).
      consumed: expect.any(Array),
    });
    expect(result.consumed).toHaveLength(6);
    expect(result.consumed.every((c) => c.sessionId === 'session-1' && c.path === 'src/rate-limiter.ts' && c.lines === 1)).toBe(true);
  });

  it('still matches lines that differ only in whitespace, quotes and case', () => {
    const written = ['IMPORT { a } FROM "./a.js";', '   const   x = `y`;'];
    const merged = ["import { a } from './a.js';", "const x = 'y';"];
    const result = attributePullRequest(pr({ files: [file('src/a.ts', merged)] }), [session({ written: [file('src/a.ts', written)] })]);
    expect(result.linesWithClaudeCode).toBe(2);
  });

  it('does not match a human rewrite of a line Claude wrote', () => {
    const result = attributePullRequest(pr({ files: [file('src/a.ts', ['const limit = computeLimit(config);'])] }), [
      session({ written: [file('src/a.ts', ['const limit = 100;'])] }),
    ]);
    expect(result).toMatchObject({ withClaudeCode: false, linesWithClaudeCode: 0 });
    expect(result.evidence).toEqual([{ kind: 'session_activity', sessionIds: ['session-1'], days: ['2026-11-20'] }]);
  });

  it('never matches a line Claude wrote into a different file', () => {
    const boilerplate = ["import { z } from 'zod';", 'export default router;'];
    const result = attributePullRequest(pr({ files: [file('src/users.ts', boilerplate)] }), [
      session({ written: [file('src/orders.ts', boilerplate)] }),
    ]);
    expect(result.linesWithClaudeCode).toBe(0);
    expect(result.withClaudeCode).toBe(false);
  });

  it('matches a fingerprint written n times to at most n added lines', () => {
    const merged = ['return null;', 'return null;', 'return null;'];
    const result = attributePullRequest(pr({ files: [file('src/a.ts', merged)] }), [session({ written: [file('src/a.ts', ['return null;'])] })]);
    expect(result).toMatchObject({ linesAdded: 3, linesWithClaudeCode: 1 });
  });

  it('does not count a line twice when two sessions wrote it', () => {
    const result = attributePullRequest(pr(), [session({ id: 'a' }), session({ id: 'b' })]);
    expect(result.linesWithClaudeCode).toBe(6);
    expect(result.evidence.map((e) => e.kind === 'line_match' && [e.sessionId, e.lines])).toEqual([['a', 6]]);
  });

  it('places the session in its repository: from a subfolder, or from above the repository', () => {
    const inSubfolder = attributePullRequest(pr({ files: [file('packages/api/src/rate-limiter.ts', CLAUDE_LINES)] }), [
      session({ whereabouts: { cwd: '/home/dana/src/widgets/packages/api' } }),
    ]);
    expect(inSubfolder.linesWithClaudeCode).toBe(6);
    expect(inSubfolder.evidence[0]).toMatchObject({ folder: 'packages/api', files: [{ rule: 'same_path', sessionPath: 'src/rate-limiter.ts' }] });

    const above = attributePullRequest(pr(), [session({ whereabouts: { cwd: '/home/dana/src' }, written: [file('widgets/src/rate-limiter.ts', CLAUDE_LINES)] })]);
    expect(above.linesWithClaudeCode).toBe(6);
    const otherRepo = attributePullRequest(pr(), [
      session({ whereabouts: { cwd: '/home/dana/src' }, written: [file('gadgets/src/rate-limiter.ts', CLAUDE_LINES)] }),
    ]);
    expect(otherRepo.linesWithClaudeCode).toBe(0);
  });

  it('follows a rename in the PR', () => {
    const renamed = file('src/limits/token-bucket.ts', CLAUDE_LINES, 'src/rate-limiter.ts');
    const result = attributePullRequest(pr({ files: [renamed] }), [session()]);
    expect(result.linesWithClaudeCode).toBe(6);
    expect(result.evidence[0]).toMatchObject({ files: [{ path: 'src/limits/token-bucket.ts', rule: 'renamed_from' }] });
  });

  it('ignores excluded files entirely (they carry no effective lines)', () => {
    const lock = summarizeFileChange(
      { filename: 'package-lock.json', status: 'modified', additions: 2, deletions: 0, patch: '@@ -1 +1,2 @@\n+  "name": "widgets",\n+  "version": "1.0.0"' },
      KEY,
    );
    expect(lock).toMatchObject({ excludedReason: 'lock_file', effectiveLines: 0 });
    const result = attributePullRequest(pr({ files: [{ path: lock.path, fingerprints: lock.fingerprints }] }), [
      session({ written: [file('package-lock.json', ['  "name": "widgets",', '  "version": "1.0.0"'])] }),
    ]);
    expect(result).toMatchObject({ linesAdded: 0, linesWithClaudeCode: 0, withClaudeCode: false });
  });
});

describe('the window', () => {
  const at = (day: string) => [session({ activeDays: [day] })];
  it.each([
    ['2026-10-31', true, '21 days before the merge'],
    ['2026-10-30', false, '22 days before'],
    ['2026-11-23', true, '2 days after'],
    ['2026-11-24', false, '3 days after'],
  ])('activity on %s counts: %s (%s)', (day, counts) => {
    expect(attributePullRequest(pr(), at(day)).withClaudeCode).toBe(counts);
  });

  it('is configurable', () => {
    expect(attributePullRequest(pr(), at('2026-11-14'), { daysBefore: 7 }).withClaudeCode).toBe(true);
    expect(attributePullRequest(pr(), at('2026-11-13'), { daysBefore: 7 }).withClaudeCode).toBe(false);
    expect(attributePullRequest(pr(), at('2026-11-26'), { daysAfter: 5 }).withClaudeCode).toBe(true);
  });
});

describe('commit_link and trailer', () => {
  const claudeCommit = { sha: '6a585aa491d050ef905bad884924ba0a6bf7dd09', claudeCodeTrailer: false, files: [file('src/rate-limiter.ts', CLAUDE_LINES)] };
  const humanCommit = { sha: 'a3facfec692eee0a575ad77964bf598079acb234', claudeCodeTrailer: false, files: [file('src/rate-limiter.ts', HUMAN_LINES)] };
  const noHooks = (o: Partial<SessionFacts> = {}) => session({ written: [], ...o });

  it('commit_link alone: every effective line of the commit the session made', () => {
    const result = attributePullRequest(pr({ commits: [claudeCommit, humanCommit] }), [noHooks({ commitShas: ['6a585aa'] })]);
    expect(result).toMatchObject({ withClaudeCode: true, linesAdded: 8, linesWithClaudeCode: 6 });
    expect(result.evidence).toEqual([{ kind: 'commit_link', sessionId: 'session-1', commits: [claudeCommit.sha], lines: 6 }]);
  });

  it('commit_link brings in a session that is not the author’s', () => {
    const result = attributePullRequest(pr({ commits: [claudeCommit, humanCommit] }), [noHooks({ githubLogin: null, commitShas: ['6a585aa'] })]);
    expect(result.linesWithClaudeCode).toBe(6);
  });

  it('trailer alone: every effective line of the commits that carry it', () => {
    const result = attributePullRequest(pr({ commits: [{ ...claudeCommit, claudeCodeTrailer: true }, humanCommit] }), []);
    expect(result).toMatchObject({ withClaudeCode: true, linesWithClaudeCode: 6 });
    expect(result.evidence).toEqual([{ kind: 'trailer', commits: [claudeCommit.sha], prBody: false, lines: 6 }]);
  });

  it('a one-commit PR without a per-commit diff uses the PR’s', () => {
    const result = attributePullRequest(pr({ commits: [{ sha: claudeCommit.sha, claudeCodeTrailer: true }] }), []);
    expect(result.linesWithClaudeCode).toBe(8);
  });

  it('the PR body line "Generated with Claude Code" is trailer evidence', () => {
    const result = attributePullRequest(pr({ bodyGeneratedWithClaudeCode: true, commits: [claudeCommit, humanCommit] }), []);
    expect(result.evidence).toEqual([{ kind: 'trailer', commits: [], prBody: true, lines: 8 }]);
    expect(result.withClaudeCode).toBe(true);
  });

  it('combined: line matches are the precise answer when fingerprints exist, and every kind is reported', () => {
    const result = attributePullRequest(
      pr({ commits: [{ ...claudeCommit, claudeCodeTrailer: true }, humanCommit] }),
      [session({ commitShas: ['6a585aa'] })],
    );
    expect(result.linesWithClaudeCode).toBe(6);
    expect(result.evidence.map((e) => e.kind)).toEqual(['line_match', 'commit_link', 'trailer']);
    expect(result.evidence.find((e) => e.kind === 'trailer')).toMatchObject({ lines: 0 });
  });

  it('conflicting: a trailer on a commit whose lines the session did not write adds nothing over the line matches', () => {
    // The session wrote other lines into this file (hooks on); the trailer commit holds human lines only.
    const result = attributePullRequest(
      pr({ files: [file('src/rate-limiter.ts', HUMAN_LINES)], commits: [{ ...humanCommit, claudeCodeTrailer: true }] }),
      [session()],
    );
    expect(result).toMatchObject({ withClaudeCode: false, linesWithClaudeCode: 0 });
    expect(result.evidence.map((e) => e.kind)).toEqual(['trailer']);
  });

  it('squash merge: commit links found through the PR’s original commits', () => {
    // GitHub lists the PR's original commits even when it merged them as one squash commit.
    const squashed = pr({ commits: [claudeCommit, humanCommit] });
    const result = attributePullRequest(squashed, [noHooks({ githubLogin: 'someone-else', commitShas: ['6a585aa'] })]);
    expect(result.evidence[0]).toMatchObject({ kind: 'commit_link', commits: [claudeCommit.sha] });
    expect(result.linesWithClaudeCode).toBe(6);
  });

  it('a session linked to the PR itself is a candidate', () => {
    const result = attributePullRequest(pr(), [session({ githubLogin: null, pullRequests: ['acme/widgets#42'] })]);
    expect(result.linesWithClaudeCode).toBe(6);
    const unrelated = attributePullRequest(pr(), [session({ githubLogin: null, pullRequests: ['acme/widgets#41'] })]);
    expect(unrelated.linesWithClaudeCode).toBe(0);
  });

  it('never attributes more lines than the PR adds', () => {
    const result = attributePullRequest(
      pr({ bodyGeneratedWithClaudeCode: true, commits: [{ ...claudeCommit, claudeCodeTrailer: true }, { ...humanCommit, claudeCodeTrailer: true }] }),
      [noHooks({ commitShas: ['6a585aa', 'a3facfe'] })],
    );
    expect(result.linesWithClaudeCode).toBe(result.linesAdded);
  });
});

describe('session_activity and bots', () => {
  it('activity alone is reported and never counted', () => {
    const result = attributePullRequest(pr(), [session({ written: [], activeDays: ['2026-11-19', '2026-11-20', '2026-09-01'] })]);
    expect(result).toMatchObject({ withClaudeCode: false, linesWithClaudeCode: 0 });
    expect(result.evidence).toEqual([{ kind: 'session_activity', sessionIds: ['session-1'], days: ['2026-11-19', '2026-11-20'] }]);
  });

  it('no activity: no evidence', () => {
    expect(attributePullRequest(pr(), [session({ githubLogin: 'lee' })]).evidence).toEqual([]);
  });

  it('marks bot-authored PRs', () => {
    expect(attributePullRequest(pr({ authorLogin: 'dependabot[bot]', authorIsBot: true }), []).isBot).toBe(true);
  });
});
