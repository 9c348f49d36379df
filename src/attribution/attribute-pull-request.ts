import { isClaudeBotLogin, isClaudeBranch } from './claude-code-markers.js';
import { placeSession, type SessionPlacement, type SessionWhereabouts } from './session-workspace.js';
import type { SketchLookup } from './line-sketch.js';
import { matchSimilarLines, SketchCache } from './match-similar-lines.js';
import type { ConsumedBefore, ConsumedLine } from './consumed-lines.js';
import { DAY_MS, dayOfMs } from '../utc-days.js';

/*
 * Per-PR attribution (spec: Attribution): did Claude Code write any of what merged, how many of the
 * effective added lines, and why we think so. A pure function of plain values: no SQL, no HTTP.
 */

export const DEFAULT_WINDOW = { daysBefore: 21, daysAfter: 2 };

/** Effective added lines of one file: fingerprint → how many times the diff adds that line. */
export interface FileLines {
  path: string;
  /** The path before a rename in this PR, so lines written into the old path still match. */
  previousPath?: string | null | undefined;
  fingerprints: Map<number, number>;
  /** Each fingerprint's keyed token sketch (`line-sketch.ts`), for matching edited lines. */
  sketches?: SketchLookup | undefined;
}

export interface CommitFacts {
  sha: string;
  claudeCodeTrailer: boolean;
  /** Made by Claude Code away from a developer's machine: by its GitHub bot, or with a Claude Code session URL in the message. */
  remote?: 'bot_commit' | 'session_url' | null | undefined;
  /** The GitHub login of a person the commit names as its co-author (who asked Claude Code for it). */
  coAuthorLogin?: string | null | undefined;
  /** The commit's own effective added lines, when GitHub's per-commit diff was fetched. */
  files?: FileLines[] | undefined;
}

export interface PullRequestFacts {
  /** `owner/name`, lowercase. */
  repository: string;
  number: number;
  authorLogin: string;
  authorIsBot: boolean;
  /** ISO time of the merge (or of the push, for a commit pushed straight to the default branch). */
  mergedAt: string;
  body?: string | null | undefined;
  /** Whether the body carries Claude Code's "Generated with Claude Code" line. */
  bodyGeneratedWithClaudeCode?: boolean | undefined;
  files: FileLines[];
  commits: CommitFacts[];
  /** The PR's head branch (`claude/…` branches are Claude Code's). */
  headRef?: string | null | undefined;
  /** Who merged it, when GitHub said (a bot-authored PR is credited to them when nothing else names a person). */
  mergedByLogin?: string | null | undefined;
}

export interface SessionFacts {
  id: string;
  /** The GitHub login this session's user is linked to, if any. */
  githubLogin?: string | null | undefined;
  /** UTC days (`YYYY-MM-DD`) with any telemetry or hook call of this session. */
  activeDays: string[];
  /** Shas (short or full) of the commits the session reported making. */
  commitShas: string[];
  /** Pull requests the session reported opening, as `owner/name#number` (lowercase). */
  pullRequests: string[];
  /** What the session wrote, per path relative to its working directory (or absolute, from `/`). */
  written: FileLines[];
  /** Where it worked: its working directory, and where its commits and pull requests landed. */
  whereabouts?: SessionWhereabouts | undefined;
}

/** `path_suffix` appears only in attributions made before sessions were placed in repositories. */
export type MatchRule = 'same_path' | 'path_suffix' | 'renamed_from';

export type RemoteSignal = 'bot_author' | 'bot_commit' | 'session_url' | 'claude_branch';

/** One file's line match: `lines` = `exact` (the same after normalization) + `edited` (similar enough). */
export interface FileLineMatch {
  path: string;
  lines: number;
  exact: number;
  edited: number;
  rule: MatchRule;
  sessionPath: string;
}

export type Evidence =
  | {
      kind: 'line_match';
      sessionId: string;
      lines: number;
      /** Where the session worked: the repository, its folder in it (`''` = root; null = unknown), and what said so. */
      repository?: string | undefined;
      folder?: string | null | undefined;
      placedBy?: SessionPlacement['placedBy'] | undefined;
      files: FileLineMatch[];
      /** The similarity threshold edited lines were held to; present when some were. */
      minSimilarity?: number;
    }
  | { kind: 'commit_link'; sessionId: string; commits: string[]; lines: number }
  | { kind: 'trailer'; commits: string[]; prBody: boolean; lines: number }
  | {
      kind: 'claude_code_remote';
      /** What shows it was Claude Code on the web or in GitHub Actions. */
      signals: RemoteSignal[];
      /** The commits it made (empty when the whole PR is its work). */
      commits: string[];
      /** The person credited (who asked for it), or null when nobody is known. */
      creditedTo: string | null;
      lines: number;
    }
  | { kind: 'session_activity'; sessionIds: string[]; days: string[] };

export interface Attribution {
  withClaudeCode: boolean;
  /** A bot's work, kept apart from people's: false for Claude Code's own bot when a person asked for it. */
  isBot: boolean;
  /** The person the PR counts for: its author, or who asked Claude Code's bot for it. */
  creditedLogin: string;
  linesAdded: number;
  linesWithClaudeCode: number;
  /** Strongest kind first; `session_activity` only when nothing else was found. */
  evidence: Evidence[];
  /** The lines Claude Code wrote that this subject's line matches took (for the consumption ledger). */
  consumed: ConsumedLine[];
}

export interface AttributionOptions {
  daysBefore?: number;
  daysAfter?: number;
  /** An added line matches a line Claude Code wrote when their similarity reaches this (1: exact only). */
  minSimilarity?: number;
  /**
   * What subjects merged before this one already matched, per session and written file: each line
   * Claude Code wrote matches at most one added line across the org (`consumed-lines.ts`).
   */
  consumedBefore?: ConsumedBefore | undefined;
}

export const DEFAULT_MIN_SIMILARITY = 0.8;

function inWindow(session: SessionFacts, fromDay: string, toDay: string): boolean {
  return session.activeDays.some((d) => d >= fromDay && d <= toDay);
}

function shaMatches(reported: string, sha: string): boolean {
  return reported.length >= 7 && sha.toLowerCase().startsWith(reported.toLowerCase());
}

/**
 * The paths a PR file had before, newest first: the rename GitHub shows for the PR, and the moves
 * of its own commits (a file added and then moved within the PR shows in the PR's diff as a new
 * file, with no previous name).
 */
export function formerPaths(file: FileLines, commits: CommitFacts[]): string[] {
  const names = [file.path];
  if (file.previousPath) names.push(file.previousPath);
  const renames = commits.flatMap((c) => (c.files ?? []).filter((f) => f.previousPath && f.previousPath !== f.path));
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of renames) {
      if (names.includes(r.path) && !names.includes(r.previousPath!)) {
        names.push(r.previousPath!);
        grew = true;
      }
    }
  }
  return names.slice(1);
}

interface PlacedSession {
  placement: SessionPlacement;
  /** Each file the session wrote, with its repository-relative path (null: outside the repository). */
  written: { written: FileLines; repoPath: string | null }[];
}

// Processing hands the same written and whereabouts objects to every PR a session is a candidate
// for; placing it once per repository keeps a recompute from doing it again per PR. Keyed weakly
// by what the session wrote, so the cache lets go of a session when processing does.
const placedCache = new WeakMap<FileLines[], Map<string, { whereabouts: SessionWhereabouts | undefined; placed: PlacedSession | null }>>();

function placedSession(session: SessionFacts, repository: string): PlacedSession | null {
  if (session.written.length === 0) return null;
  let perRepository = placedCache.get(session.written);
  if (!perRepository) placedCache.set(session.written, (perRepository = new Map()));
  const cached = perRepository.get(repository);
  if (cached && cached.whereabouts === session.whereabouts) return cached.placed;
  const placement = placeSession(session.whereabouts ?? {}, session.written.map((w) => w.path), repository);
  const placed = placement && { placement, written: session.written.map((written) => ({ written, repoPath: placement.pathOf(written.path) })) };
  perRepository.set(repository, { whereabouts: session.whereabouts, placed });
  return placed;
}

function sumCounts(lines: Map<number, number>): number {
  let n = 0;
  for (const c of lines.values()) n += c;
  return n;
}

/**
 * Attributes one merged pull request (or one commit pushed straight to the default branch).
 * `sessions` are the org's sessions that may be candidates: the author's (by `githubLogin`) and any
 * linked to the PR or its commits; those without activity in the window are left out here.
 */
export function attributePullRequest(pr: PullRequestFacts, sessions: SessionFacts[], options: AttributionOptions = {}): Attribution {
  const { daysBefore = DEFAULT_WINDOW.daysBefore, daysAfter = DEFAULT_WINDOW.daysAfter, minSimilarity = DEFAULT_MIN_SIMILARITY, consumedBefore } = options;
  const merged = Date.parse(pr.mergedAt);
  const fromDay = dayOfMs(merged - daysBefore * DAY_MS);
  const toDay = dayOfMs(merged + daysAfter * DAY_MS);
  const prKey = `${pr.repository}#${pr.number}`;
  const authorLogin = pr.authorLogin.toLowerCase();

  // 1. Candidate sessions: the author's, and any linked to the PR or one of its commits, in the window.
  const linkedCommits = new Map<string, string[]>(); // session id → PR commit shas it reported
  const candidates = sessions.filter((s) => {
    if (!inWindow(s, fromDay, toDay)) return false;
    const shas = pr.commits.filter((c) => s.commitShas.some((r) => shaMatches(r, c.sha))).map((c) => c.sha);
    if (shas.length > 0) linkedCommits.set(s.id, shas);
    return s.githubLogin?.toLowerCase() === authorLogin || shas.length > 0 || s.pullRequests.includes(prKey);
  });
  candidates.sort((a, b) => a.id.localeCompare(b.id));
  // Where each candidate worked: only a session placed in this PR's repository can match its lines.
  const placements = new Map(candidates.map((s) => [s.id, placedSession(s, pr.repository)] as const));
  const previousNames = new Map(pr.files.map((f) => [f, formerPaths(f, pr.commits)] as const));

  // 2. What every PR file adds, and what Claude Code wrote into that same file.
  const linesAdded = pr.files.reduce((n, f) => n + sumCounts(f.fingerprints), 0);
  const attributed = new Map<FileLines, Map<number, number>>(); // file → fingerprint → lines attributed
  const take = (file: FileLines, fp: number, wanted: number): number => {
    const added = file.fingerprints.get(fp) ?? 0;
    let perFile = attributed.get(file);
    if (!perFile) attributed.set(file, (perFile = new Map()));
    const already = perFile.get(fp) ?? 0;
    const granted = Math.max(0, Math.min(wanted, added - already));
    if (granted > 0) perFile.set(fp, already + granted);
    return granted;
  };

  // Each file a candidate session wrote that is this PR file (or its path before a rename).
  const pairs: { session: SessionFacts; file: FileLines; written: FileLines; match: FileLineMatch }[] = [];
  for (const session of candidates) {
    const placed = placements.get(session.id);
    if (!placed) continue;
    const { written: placedWritten } = placed;
    for (const file of pr.files) {
      for (const { written, repoPath } of placedWritten) {
        const rule: MatchRule | null =
          repoPath === null ? null : repoPath === file.path ? 'same_path' : previousNames.get(file)!.includes(repoPath) ? 'renamed_from' : null;
        if (!rule) continue;
        pairs.push({ session, file, written, match: { path: file.path, lines: 0, exact: 0, edited: 0, rule, sessionPath: written.path } });
      }
    }
  }
  const sessionsWithFingerprintsInPr = pairs.length > 0;
  // What each session wrote and no added line has matched yet, in this PR or in one merged before
  // it: a line written n times matches at most n added lines of the org.
  const claudeLeft = new Map<FileLines, Map<number, number>>();
  const consumedHere = new Map<FileLines, { sessionId: string; taken: Map<number, number> }>();
  const claudeLeftOf = (session: SessionFacts, written: FileLines) => {
    let left = claudeLeft.get(written);
    if (!left) {
      claudeLeft.set(written, (left = new Map(written.fingerprints)));
      const before = consumedBefore?.(session.id, written.path);
      if (before) {
        for (const [fp, n] of before) {
          const times = left.get(fp);
          if (times !== undefined) left.set(fp, Math.max(0, times - n));
        }
      }
      consumedHere.set(written, { sessionId: session.id, taken: new Map() });
    }
    return left;
  };
  const consume = (written: FileLines, fp: number, lines: number) => {
    const { taken } = consumedHere.get(written)!;
    taken.set(fp, (taken.get(fp) ?? 0) + lines);
  };

  // 2a. Exact matches first, for every session and file.
  for (const { session, file, written, match } of pairs) {
    const left = claudeLeftOf(session, written);
    for (const [fp, times] of left) {
      if (times <= 0) continue;
      const granted = take(file, fp, times);
      if (granted > 0) {
        left.set(fp, times - granted);
        consume(written, fp, granted);
      }
      match.exact += granted;
    }
  }

  // 2b. Then edited lines: among the lines still unmatched on both sides, similarity ≥ the threshold.
  const sketchCache = new SketchCache();
  for (const { session, file, written, match } of pairs) {
    if (minSimilarity >= 1 || !file.sketches || !written.sketches) continue;
    const perFile = attributed.get(file);
    const addedLeft = new Map<number, number>();
    for (const [fp, n] of file.fingerprints) {
      const rest = n - (perFile?.get(fp) ?? 0);
      if (rest > 0) addedLeft.set(fp, rest);
    }
    if (addedLeft.size === 0) continue;
    const similar = matchSimilarLines(
      { left: addedLeft, sketches: file.sketches },
      { left: claudeLeftOf(session, written), sketches: written.sketches },
      minSimilarity,
      sketchCache,
    );
    for (const m of similar) {
      const granted = take(file, m.addedFingerprint, m.lines);
      match.edited += granted;
      if (granted > 0) consume(written, m.claudeFingerprint, granted);
    }
  }

  const evidence: Evidence[] = [];
  for (const session of candidates) {
    const files = pairs.filter((p) => p.session === session && p.match.exact + p.match.edited > 0).map((p) => ({ ...p.match, lines: p.match.exact + p.match.edited }));
    const lines = files.reduce((n, f) => n + f.lines, 0);
    if (lines === 0) continue;
    const edited = files.some((f) => f.edited > 0);
    const { repository, folder, placedBy } = placements.get(session.id)!.placement;
    evidence.push({ kind: 'line_match', sessionId: session.id, lines, repository, folder, placedBy, files, ...(edited ? { minSimilarity } : {}) });
  }

  // 3. Commits Claude Code made, and commits or a PR body carrying its trailer. Their lines count in
  // full only when no candidate session left line fingerprints for this PR's files (hooks off);
  // otherwise the line matches above are the precise answer.
  const countWholeCommit = (commit: CommitFacts): number => {
    if (sessionsWithFingerprintsInPr) return 0;
    // Without the commit's own diff, a single-commit PR's diff is the commit's.
    const commitFiles = commit.files ?? (pr.commits.length === 1 ? pr.files : undefined);
    if (!commitFiles) return 0;
    let lines = 0;
    for (const cf of commitFiles) {
      const file = pr.files.find((f) => f.path === cf.path || previousNames.get(f)!.includes(cf.path));
      if (!file) continue;
      for (const [fp, times] of cf.fingerprints) lines += take(file, fp, times);
    }
    return lines;
  };

  for (const session of candidates) {
    const shas = linkedCommits.get(session.id);
    if (!shas) continue;
    const lines = pr.commits.filter((c) => shas.includes(c.sha)).reduce((n, c) => n + countWholeCommit(c), 0);
    evidence.push({ kind: 'commit_link', sessionId: session.id, commits: shas, lines });
  }

  const trailerCommits = pr.commits.filter((c) => c.claudeCodeTrailer);
  if (trailerCommits.length > 0 || pr.bodyGeneratedWithClaudeCode) {
    let lines = trailerCommits.reduce((n, c) => n + countWholeCommit(c), 0);
    // A PR whose description Claude Code wrote ("Generated with Claude Code") is one whole Claude
    // Code change, when nothing finer is known.
    if (pr.bodyGeneratedWithClaudeCode && !sessionsWithFingerprintsInPr) {
      lines += countWholeCommit({ sha: '', claudeCodeTrailer: true, files: pr.files });
    }
    evidence.push({ kind: 'trailer', commits: trailerCommits.map((c) => c.sha), prBody: pr.bodyGeneratedWithClaudeCode === true, lines });
  }

  // 4. Claude Code on the web or in GitHub Actions: no telemetry reaches this app, so what its
  // commits added counts whole, whatever local sessions wrote; a PR that is wholly its work (opened
  // by its bot, or from a `claude/` branch) counts whole when its commits do not say which are its.
  const remoteCommits = pr.commits.filter((c) => c.remote);
  const signals = new Set<RemoteSignal>();
  if (pr.authorIsBot && isClaudeBotLogin(pr.authorLogin)) signals.add('bot_author');
  if (isClaudeBranch(pr.headRef)) signals.add('claude_branch');
  for (const c of remoteCommits) signals.add(c.remote!);
  let creditedLogin = pr.authorLogin;
  let isBot = pr.authorIsBot;
  if (signals.size > 0) {
    const wholePr = signals.has('bot_author') || signals.has('claude_branch');
    const commitFilesOf = (c: CommitFacts) => c.files ?? (pr.commits.length === 1 ? pr.files : undefined);
    const knownCommits = remoteCommits.length > 0 && remoteCommits.every((c) => commitFilesOf(c) !== undefined);
    let lines = 0;
    const countFiles = (files: FileLines[]) => {
      for (const cf of files) {
        const file = pr.files.find((f) => f.path === cf.path || previousNames.get(f)!.includes(cf.path));
        if (file) for (const [fp, times] of cf.fingerprints) lines += take(file, fp, times);
      }
    };
    if (knownCommits) for (const c of remoteCommits) countFiles(commitFilesOf(c)!);
    else if (wholePr) countFiles(pr.files);
    else for (const c of remoteCommits) if (commitFilesOf(c)) countFiles(commitFilesOf(c)!);
    // Credited to the person who asked for it, never to the bot: the PR's human author; for the
    // bot's own PR, the person its commits name as co-author, else whoever merged it.
    let creditedTo: string | null = pr.authorIsBot ? null : pr.authorLogin;
    if (pr.authorIsBot && signals.has('bot_author')) {
      const merger = pr.mergedByLogin && !pr.mergedByLogin.toLowerCase().endsWith('[bot]') ? pr.mergedByLogin : null;
      creditedTo = pr.commits.find((c) => c.coAuthorLogin)?.coAuthorLogin ?? merger;
      if (creditedTo) [creditedLogin, isBot] = [creditedTo, false];
    }
    evidence.push({
      kind: 'claude_code_remote',
      signals: (['bot_author', 'claude_branch', 'bot_commit', 'session_url'] as const).filter((k) => signals.has(k)),
      commits: remoteCommits.map((c) => c.sha),
      creditedTo,
      lines,
    });
  }

  let linesWithClaudeCode = 0;
  for (const perFile of attributed.values()) linesWithClaudeCode += sumCounts(perFile);

  // 5. Only activity: reported, never counted.
  if (evidence.length === 0) {
    const active = candidates.filter((s) => s.githubLogin?.toLowerCase() === authorLogin);
    if (active.length > 0) {
      const days = [...new Set(active.flatMap((s) => s.activeDays.filter((d) => d >= fromDay && d <= toDay)))].sort();
      evidence.push({ kind: 'session_activity', sessionIds: active.map((s) => s.id), days });
    }
  }

  return {
    withClaudeCode: linesWithClaudeCode > 0,
    isBot,
    creditedLogin,
    linesAdded,
    linesWithClaudeCode: Math.min(linesWithClaudeCode, linesAdded),
    evidence,
    consumed: [...consumedHere].flatMap(([written, { sessionId, taken }]) =>
      [...taken].map(([fingerprint, lines]) => ({ sessionId, path: written.path, fingerprint, lines })),
    ),
  };
}
