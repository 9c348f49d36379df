import { describe, expect, it } from 'vitest';
import {
  attributePullRequest,
  formerPaths,
  type CommitFacts,
  type FileLines,
  type PullRequestFacts,
  type SessionFacts,
} from '../../src/attribution/attribute-pull-request.js';
import { effectiveLines } from '../../src/attribution/effective-lines.js';
import { explainEvidence } from '../../src/attribution/explain.js';
import { fingerprintCounts } from '../../src/attribution/line-fingerprint.js';
import { placeSession } from '../../src/attribution/session-workspace.js';

/*
 * Where a session worked (its repository and folder), files moved within a PR, and Claude Code away
 * from the laptop (`claude_code_remote`).
 */

const KEY = 'session-scope-test-key-0123456789abcdef';
const file = (path: string, lines: string[], previousPath?: string): FileLines => ({
  path,
  previousPath,
  fingerprints: fingerprintCounts(KEY, effectiveLines(lines)),
});

const HEALTH = ["import { Router } from 'express';", 'export const health = Router();', "health.get('/healthz', (_req, res) => res.json({ ok: true }));"];
const CONFIG = ['export const config = {', '  port: Number(process.env.PORT ?? 3000),', "  host: process.env.HOST ?? '0.0.0.0',"];
const HUMAN = ['// Owned by the platform team.', 'export const OWNER = "platform";'];

function pr(o: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return {
    repository: 'acme/mono',
    number: 7,
    authorLogin: 'dana',
    authorIsBot: false,
    mergedAt: '2026-11-21T12:00:00Z',
    files: [],
    commits: [{ sha: 'c1'.padEnd(40, '0'), claudeCodeTrailer: false }],
    ...o,
  };
}

function session(o: Partial<SessionFacts> = {}): SessionFacts {
  return { id: 'session-api', githubLogin: 'dana', activeDays: ['2026-11-20'], commitShas: [], pullRequests: [], written: [], ...o };
}

describe('placeSession', () => {
  const paths = ['src/health.ts'];
  it.each([
    ['cwd is the repository', { cwd: '/home/dana/src/mono' }, 'acme/mono', 'src/health.ts', ''],
    ['cwd is a folder of the repository', { cwd: '/home/dana/src/mono/services/api' }, 'acme/mono', 'services/api/src/health.ts', 'services/api'],
    ['cwd names another repository', { cwd: '/home/dana/src/gadgets' }, 'acme/mono', null, undefined],
    ['a Windows working directory', { cwd: 'C:\\Users\\dana\\src\\mono\\services\\api' }, 'acme/mono', 'services/api/src/health.ts', 'services/api'],
    ['no cwd and nothing else', {}, 'acme/mono', null, undefined],
    [
      'its commits say where, whatever the folder is called',
      { cwd: '/home/dana/work/checkout/services/api', repositories: ['acme/mono'], commitPaths: new Map([['acme/mono', ['services/api/src/health.ts']]]) },
      'acme/mono',
      'services/api/src/health.ts',
      'services/api',
    ],
    [
      'its commits went to another repository',
      { cwd: '/home/dana/src/mono', repositories: ['acme/gadgets'] },
      'acme/mono',
      null,
      undefined,
    ],
    ['its PR was opened in this repository', { cwd: '/home/dana/src/mono', repositories: ['acme/mono'] }, 'acme/mono', 'src/health.ts', ''],
    [
      'cwd names two repositories of the org (platform/api): not known which',
      { cwd: '/home/dana/src/platform/api', orgRepositoryNames: new Set(['platform', 'api']) },
      'acme/api',
      null,
      undefined,
    ],
    [
      'cwd names one repository of the org',
      { cwd: '/home/dana/src/platform/api', orgRepositoryNames: new Set(['platform', 'widgets']) },
      'acme/platform',
      'api/src/health.ts',
      'api',
    ],
  ])('%s', (_, whereabouts, repository, expectedPath, expectedFolder) => {
    const placed = placeSession(whereabouts, paths, repository);
    expect(placed?.pathOf('src/health.ts') ?? null).toBe(expectedPath);
    expect(placed?.folder).toBe(expectedFolder);
  });

  it('places absolute paths (written outside the working directory) by the repository root', () => {
    const placed = placeSession({ cwd: '/home/dana/src/mono/services/api' }, ['/home/dana/src/mono/services/web/src/health.ts'], 'acme/mono');
    expect(placed?.pathOf('/home/dana/src/mono/services/web/src/health.ts')).toBe('services/web/src/health.ts');
    expect(placed?.pathOf('/etc/hosts')).toBeNull();
    expect(placed?.pathOf('../../../elsewhere/x.ts')).toBeNull();
  });

  it('a tie between folders its commits could mean is not a place', () => {
    const whereabouts = { cwd: '/home/dana/work', repositories: ['acme/mono'], commitPaths: new Map([['acme/mono', ['services/api/index.ts', 'services/web/index.ts']]]) };
    expect(placeSession(whereabouts, ['index.ts'], 'acme/mono')).toBeNull();
  });
});

describe('sessions match only where they worked', () => {
  // Table: the session, the PR, and the lines that must count.
  const apiSession = session({ whereabouts: { cwd: '/home/dana/src/mono/services/api' }, written: [file('src/health.ts', HEALTH)] });
  it.each([
    [
      'monorepo siblings: a line written in services/api does not match the same line in services/web',
      pr({ files: [file('services/api/src/health.ts', HEALTH), file('services/web/src/health.ts', HEALTH)] }),
      [apiSession],
      3,
      ['services/api/src/health.ts'],
    ],
    [
      'monorepo: only the sibling changed → nothing',
      pr({ files: [file('services/web/src/health.ts', HEALTH)] }),
      [apiSession],
      0,
      [],
    ],
    [
      'two repositories of the org with the same path: only the session’s own repository',
      pr({ repository: 'acme/gadgets', files: [file('src/config.ts', CONFIG)] }),
      [session({ whereabouts: { cwd: '/home/dana/src/widgets' }, written: [file('src/config.ts', CONFIG)] })],
      0,
      [],
    ],
    [
      'the same path in its own repository counts',
      pr({ repository: 'acme/widgets', files: [file('src/config.ts', CONFIG)] }),
      [session({ whereabouts: { cwd: '/home/dana/src/widgets' }, written: [file('src/config.ts', CONFIG)] })],
      3,
      ['src/config.ts'],
    ],
    [
      'a session whose commits landed in another repository does not count here, even from a folder of the same name',
      pr({ repository: 'acme/widgets', files: [file('src/config.ts', CONFIG)] }),
      [session({ whereabouts: { cwd: '/home/dana/src/widgets', repositories: ['acme/widgets-legacy'] }, written: [file('src/config.ts', CONFIG)] })],
      0,
      [],
    ],
    [
      'nothing says where the session worked: not counted',
      pr({ repository: 'acme/widgets', files: [file('src/config.ts', CONFIG)] }),
      [session({ written: [file('src/config.ts', CONFIG)] })],
      0,
      [],
    ],
  ])('%s', (_, subject, sessions, lines, paths) => {
    const result = attributePullRequest(subject, sessions);
    expect(result.linesWithClaudeCode).toBe(lines);
    expect(result.evidence.flatMap((e) => (e.kind === 'line_match' ? e.files.map((f) => f.path) : []))).toEqual(paths);
  });

  it('the evidence and its words name the session’s repository and folder', () => {
    const result = attributePullRequest(pr({ files: [file('services/api/src/health.ts', [...HEALTH, ...HUMAN])] }), [apiSession]);
    expect(result.evidence[0]).toMatchObject({ kind: 'line_match', repository: 'acme/mono', folder: 'services/api', placedBy: 'working_directory' });
    expect(explainEvidence(result.evidence, result.linesAdded, 'dana')).toEqual([
      '3 of 5 lines match what Claude Code wrote in session session-, working in acme/mono, folder services/api (services/api/src/health.ts: 3)',
    ]);
  });
});

describe('files moved within the PR', () => {
  const sha = (n: number) => String(n).repeat(40).slice(0, 40);
  // Claude wrote src/health.ts in commit 1; commit 2 (a person's) moved it; GitHub shows the PR's
  // file as added at its final path, with no previous name.
  const movedTwice: CommitFacts[] = [
    { sha: sha(1), claudeCodeTrailer: false, files: [file('src/health.ts', HEALTH)] },
    { sha: sha(2), claudeCodeTrailer: false, files: [file('src/routes/health.ts', [], 'src/health.ts')] },
    { sha: sha(3), claudeCodeTrailer: false, files: [file('src/routes/healthz.ts', [], 'src/routes/health.ts')] },
  ];
  const widgetsSession = session({ whereabouts: { cwd: '/home/dana/src/widgets' }, written: [file('src/health.ts', HEALTH)] });

  it.each([
    ['moved once in a later commit', movedTwice.slice(0, 2), 'src/routes/health.ts', 3],
    ['moved twice', movedTwice, 'src/routes/healthz.ts', 3],
    ['a different file at the final path', movedTwice.slice(0, 1), 'src/routes/health.ts', 0],
  ])('%s', (_, commits, finalPath, lines) => {
    const result = attributePullRequest(pr({ repository: 'acme/widgets', commits, files: [file(finalPath, HEALTH)] }), [widgetsSession]);
    expect(result.linesWithClaudeCode).toBe(lines);
    if (lines > 0) expect(result.evidence[0]).toMatchObject({ files: [{ path: finalPath, rule: 'renamed_from', sessionPath: 'src/health.ts' }] });
  });

  it('formerPaths follows the PR’s rename and its commits’ moves', () => {
    expect(formerPaths(file('src/routes/healthz.ts', []), movedTwice)).toEqual(['src/routes/health.ts', 'src/health.ts']);
    expect(formerPaths(file('b.ts', [], 'a.ts'), [])).toEqual(['a.ts']);
  });
});

describe('claude_code_remote: Claude Code on the web and in GitHub Actions', () => {
  const sha = (c: string) => c.repeat(40);
  const botCommit: CommitFacts = { sha: sha('b'), claudeCodeTrailer: false, remote: 'bot_commit', files: [file('src/config.ts', CONFIG)] };
  const webCommit: CommitFacts = { sha: sha('e'), claudeCodeTrailer: false, remote: 'session_url', files: [file('src/config.ts', CONFIG)] };
  const humanCommit: CommitFacts = { sha: sha('a'), claudeCodeTrailer: false, files: [file('src/owner.ts', HUMAN)] };
  const files = [file('src/config.ts', CONFIG), file('src/owner.ts', HUMAN)];

  it.each([
    [
      'GitHub Actions: the bot’s PR, its commits naming who asked',
      pr({ authorLogin: 'claude[bot]', authorIsBot: true, files: [file('src/config.ts', CONFIG)], commits: [{ ...botCommit, coAuthorLogin: 'dana' }], mergedByLogin: 'lee' }),
      { lines: 3, creditedLogin: 'dana', isBot: false, signals: ['bot_author', 'bot_commit'], creditedTo: 'dana' },
    ],
    [
      'the bot’s PR with nobody named in its commits: whoever merged it',
      pr({ authorLogin: 'claude[bot]', authorIsBot: true, files: [file('src/config.ts', CONFIG)], commits: [botCommit], mergedByLogin: 'lee' }),
      { lines: 3, creditedLogin: 'lee', isBot: false, signals: ['bot_author', 'bot_commit'], creditedTo: 'lee' },
    ],
    [
      'the bot’s PR merged by a bot, nobody named: it stays with the bots',
      pr({ authorLogin: 'claude[bot]', authorIsBot: true, files: [file('src/config.ts', CONFIG)], commits: [botCommit], mergedByLogin: 'mergify[bot]' }),
      { lines: 3, creditedLogin: 'claude[bot]', isBot: true, signals: ['bot_author', 'bot_commit'], creditedTo: null },
    ],
    [
      'Claude Code on the web: a person’s PR from a claude/ branch counts whole',
      pr({ headRef: 'claude/add-config-01AbCd', files, commits: [{ sha: sha('c'), claudeCodeTrailer: false }] }),
      { lines: 5, creditedLogin: 'dana', isBot: false, signals: ['claude_branch'], creditedTo: 'dana' },
    ],
    [
      'a person’s PR with one commit from the web (session link) and one of their own: only that commit',
      pr({ files, commits: [webCommit, humanCommit] }),
      { lines: 3, creditedLogin: 'dana', isBot: false, signals: ['session_url'], creditedTo: 'dana' },
    ],
    [
      'a person’s PR where Claude in Actions pushed a commit: that commit',
      pr({ files, commits: [humanCommit, botCommit] }),
      { lines: 3, creditedLogin: 'dana', isBot: false, signals: ['bot_commit'], creditedTo: 'dana' },
    ],
  ])('%s', (_, subject, expected) => {
    const result = attributePullRequest(subject, []);
    expect(result).toMatchObject({ withClaudeCode: true, linesWithClaudeCode: expected.lines, creditedLogin: expected.creditedLogin, isBot: expected.isBot });
    expect(result.evidence.find((e) => e.kind === 'claude_code_remote')).toMatchObject({ signals: expected.signals, creditedTo: expected.creditedTo, lines: expected.lines });
  });

  it('other bots are not Claude Code', () => {
    const result = attributePullRequest(pr({ authorLogin: 'dependabot[bot]', authorIsBot: true, files, headRef: 'dependabot/npm/zod-4' }), []);
    expect(result).toMatchObject({ withClaudeCode: false, isBot: true, creditedLogin: 'dependabot[bot]', evidence: [] });
  });

  it('counts a remote commit’s lines even when local sessions left fingerprints for the PR', () => {
    const local = session({ whereabouts: { cwd: '/home/dana/src/mono' }, written: [file('src/owner.ts', HUMAN.slice(0, 1))] });
    const result = attributePullRequest(pr({ files, commits: [humanCommit, botCommit] }), [local]);
    expect(result.linesWithClaudeCode).toBe(4); // 1 line from the local session, 3 from the bot's commit
    expect(result.evidence.map((e) => e.kind)).toEqual(['line_match', 'claude_code_remote']);
  });

  it('says so in words', () => {
    const result = attributePullRequest(
      pr({ authorLogin: 'claude[bot]', authorIsBot: true, files: [file('src/config.ts', CONFIG)], commits: [{ ...botCommit, coAuthorLogin: 'dana' }] }),
      [],
    );
    expect(explainEvidence(result.evidence, result.linesAdded, 'claude[bot]')).toEqual([
      "Claude Code on the web or in GitHub Actions made this change (opened by Claude Code's GitHub bot, commits by Claude Code's GitHub bot); 3 lines count, credited to dana",
    ]);
    const commitOnly = attributePullRequest(pr({ files, commits: [webCommit, humanCommit] }), []);
    expect(explainEvidence(commitOnly.evidence, commitOnly.linesAdded, 'dana')).toEqual([
      'commit eeeeeee was made by Claude Code on the web or in GitHub Actions (a Claude Code session link in the commit message); 3 lines count, credited to dana',
    ]);
  });
});

describe('precision guard: people who use Claude Code elsewhere, and PRs they wrote by hand', () => {
  // Each PR below is a person's own work, in a window where they had busy Claude Code sessions
  // that wrote the very same lines into the same paths, but somewhere else.
  const sessions: SessionFacts[] = [
    session({ id: 'api', whereabouts: { cwd: '/home/dana/src/mono/services/api' }, written: [file('src/health.ts', HEALTH), file('src/config.ts', CONFIG)] }),
    session({ id: 'widgets', whereabouts: { cwd: '/home/dana/src/widgets' }, written: [file('src/config.ts', CONFIG), file('README.md', HUMAN)] }),
    session({
      id: 'committed-elsewhere',
      whereabouts: { cwd: '/home/dana/src/gadgets', repositories: ['acme/tools'], commitPaths: new Map([['acme/tools', ['src/config.ts']]]) },
      written: [file('src/config.ts', CONFIG)],
    }),
    session({ id: 'no-place', written: [file('src/config.ts', CONFIG), file('src/health.ts', HEALTH)] }),
    session({ id: 'above', whereabouts: { cwd: '/home/dana/src' }, written: [file('widgets/src/health.ts', HEALTH)] }),
  ];
  const humanPrs: PullRequestFacts[] = [
    pr({ repository: 'acme/mono', files: [file('services/web/src/health.ts', HEALTH), file('services/web/src/config.ts', CONFIG)] }),
    pr({ repository: 'acme/mono', files: [file('src/config.ts', CONFIG)] }),
    pr({ repository: 'acme/gadgets', files: [file('src/config.ts', CONFIG), file('src/health.ts', HEALTH)] }),
    pr({ repository: 'acme/tools', files: [file('src/health.ts', HEALTH)] }),
    pr({ repository: 'acme/widgets', files: [file('src/readme.md', HUMAN), file('lib/config.ts', CONFIG)] }),
    pr({ repository: 'acme/widgets', authorLogin: 'lee', files: [file('src/health.ts', HEALTH)] }),
  ];

  it.each(humanPrs.map((p, i) => [i, p] as const))('human PR %i counts 0 lines', (_, subject) => {
    const result = attributePullRequest(subject, sessions);
    expect(result.linesWithClaudeCode).toBe(0);
    expect(result.withClaudeCode).toBe(false);
  });
});
