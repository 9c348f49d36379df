import type { SketchLookup } from './line-sketch.js';
import { matchSimilarLines, SketchCache } from './match-similar-lines.js';

/*
 * Per-PR attribution (spec: Attribution): did Claude Code write any of what merged, how many of the
 * effective added lines, and why we think so. A pure function of plain values: no SQL, no HTTP.
 */

export const DEFAULT_WINDOW = { daysBefore: 21, daysAfter: 2 };
const DAY_MS = 86_400_000;

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
  /** What the session wrote, per path relative to its working directory. */
  written: FileLines[];
}

export type MatchRule = 'same_path' | 'path_suffix' | 'renamed_from';

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
      files: FileLineMatch[];
      /** The similarity threshold edited lines were held to; present when some were. */
      minSimilarity?: number;
    }
  | { kind: 'commit_link'; sessionId: string; commits: string[]; lines: number }
  | { kind: 'trailer'; commits: string[]; prBody: boolean; lines: number }
  | { kind: 'session_activity'; sessionIds: string[]; days: string[] };

export interface Attribution {
  withClaudeCode: boolean;
  isBot: boolean;
  linesAdded: number;
  linesWithClaudeCode: number;
  /** Strongest kind first; `session_activity` only when nothing else was found. */
  evidence: Evidence[];
}

export interface AttributionOptions {
  daysBefore?: number;
  daysAfter?: number;
  /** An added line matches a line Claude Code wrote when their similarity reaches this (1: exact only). */
  minSimilarity?: number;
}

export const DEFAULT_MIN_SIMILARITY = 0.8;

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function inWindow(session: SessionFacts, fromDay: string, toDay: string): boolean {
  return session.activeDays.some((d) => d >= fromDay && d <= toDay);
}

function shaMatches(reported: string, sha: string): boolean {
  return reported.length >= 7 && sha.toLowerCase().startsWith(reported.toLowerCase());
}

/**
 * How a path a session wrote relates to a path in the repository: the same path, or the session
 * ran in a subfolder (its path is a suffix of the repository's), or above the repository (its
 * path is `<repository name>/…` of the repository's). Null when they are different files.
 */
export function pathRelation(sessionPath: string, repoPath: string, repositoryName: string): 'same_path' | 'path_suffix' | null {
  if (sessionPath === repoPath) return 'same_path';
  if (repoPath.endsWith(`/${sessionPath}`)) return 'path_suffix';
  const marker = `/${repositoryName}/${repoPath}`;
  if (`/${sessionPath}`.endsWith(marker)) return 'path_suffix';
  return null;
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
  const { daysBefore = DEFAULT_WINDOW.daysBefore, daysAfter = DEFAULT_WINDOW.daysAfter, minSimilarity = DEFAULT_MIN_SIMILARITY } = options;
  const merged = Date.parse(pr.mergedAt);
  const fromDay = dayOf(merged - daysBefore * DAY_MS);
  const toDay = dayOf(merged + daysAfter * DAY_MS);
  const prKey = `${pr.repository}#${pr.number}`;
  const repositoryName = pr.repository.split('/')[1] ?? pr.repository;
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
    for (const file of pr.files) {
      for (const written of session.written) {
        let rule: MatchRule | null = pathRelation(written.path, file.path, repositoryName);
        if (!rule && file.previousPath && pathRelation(written.path, file.previousPath, repositoryName)) rule = 'renamed_from';
        if (!rule) continue;
        pairs.push({ session, file, written, match: { path: file.path, lines: 0, exact: 0, edited: 0, rule, sessionPath: written.path } });
      }
    }
  }
  const sessionsWithFingerprintsInPr = pairs.length > 0;
  // What each session wrote and no added line has matched yet: a line written n times matches at most n added lines.
  const claudeLeft = new Map<FileLines, Map<number, number>>();
  const claudeLeftOf = (written: FileLines) => {
    let left = claudeLeft.get(written);
    if (!left) claudeLeft.set(written, (left = new Map(written.fingerprints)));
    return left;
  };

  // 2a. Exact matches first, for every session and file.
  for (const { file, written, match } of pairs) {
    const left = claudeLeftOf(written);
    for (const [fp, times] of left) {
      if (times <= 0) continue;
      const granted = take(file, fp, times);
      if (granted > 0) left.set(fp, times - granted);
      match.exact += granted;
    }
  }

  // 2b. Then edited lines: among the lines still unmatched on both sides, similarity ≥ the threshold.
  const sketchCache = new SketchCache();
  for (const { file, written, match } of pairs) {
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
      { left: claudeLeftOf(written), sketches: written.sketches },
      minSimilarity,
      sketchCache,
    );
    for (const m of similar) match.edited += take(file, m.addedFingerprint, m.lines);
  }

  const evidence: Evidence[] = [];
  for (const session of candidates) {
    const files = pairs.filter((p) => p.session === session && p.match.exact + p.match.edited > 0).map((p) => ({ ...p.match, lines: p.match.exact + p.match.edited }));
    const lines = files.reduce((n, f) => n + f.lines, 0);
    if (lines === 0) continue;
    const edited = files.some((f) => f.edited > 0);
    evidence.push({ kind: 'line_match', sessionId: session.id, lines, files, ...(edited ? { minSimilarity } : {}) });
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
      const file = pr.files.find((f) => f.path === cf.path || f.previousPath === cf.path);
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

  let linesWithClaudeCode = 0;
  for (const perFile of attributed.values()) linesWithClaudeCode += sumCounts(perFile);

  // 4. Only activity: reported, never counted.
  if (evidence.length === 0) {
    const active = candidates.filter((s) => s.githubLogin?.toLowerCase() === authorLogin);
    if (active.length > 0) {
      const days = [...new Set(active.flatMap((s) => s.activeDays.filter((d) => d >= fromDay && d <= toDay)))].sort();
      evidence.push({ kind: 'session_activity', sessionIds: active.map((s) => s.id), days });
    }
  }

  return {
    withClaudeCode: linesWithClaudeCode > 0,
    isBot: pr.authorIsBot,
    linesAdded,
    linesWithClaudeCode: Math.min(linesWithClaudeCode, linesAdded),
    evidence,
  };
}
