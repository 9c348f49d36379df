import { posix } from 'node:path';

/*
 * Where a Claude Code session worked (spec: Attribution, `line_match`): the repository and, in a
 * monorepo, the folder. A line a session wrote only ever matches a line of the same file of the
 * same repository, so each path it wrote is placed in a repository before it is compared. What
 * places it, strongest first:
 *   1. the commits the session made: they landed in a repository, and the files they changed end
 *      with the paths the session wrote, which gives the repository's root on the session's disk;
 *   2. its working directory (the hook's `cwd`): a folder named like the repository is its root.
 * A session whose commits or pull requests landed in other repositories did not work in this one.
 * When nothing places a path, it matches nothing: better a line missed than a person's line counted.
 */

/** What a session reported about where it worked. */
export interface SessionWhereabouts {
  /** The working directory the hook reported (absolute, `/`-separated), if any. */
  cwd?: string | null | undefined;
  /** Repositories (`owner/name`, lowercase) its commits landed in and its pull requests were opened in. */
  repositories?: string[] | undefined;
  /** Per repository (`owner/name`, lowercase), the repository paths its own commits changed. */
  commitPaths?: Map<string, string[]> | undefined;
  /**
   * The names (lowercase) of the org's repositories: a working directory that names two of them
   * (`~/src/platform/api`, with both `acme/platform` and `acme/api`) does not say which it is.
   */
  orgRepositoryNames?: ReadonlySet<string> | undefined;
}

export interface SessionPlacement {
  repository: string;
  /** The session's working directory inside the repository (`''` = its root); null when unknown. */
  folder: string | null;
  /** What placed it: the session's own commits, or its working directory's name. */
  placedBy: 'commits' | 'working_directory';
  /** The repository-relative path of a path the session wrote, or null when it lies outside. */
  pathOf(writtenPath: string): string | null;
}

/** Relative paths are stored relative to the session's working directory; without one they share a stand-in. */
const UNKNOWN_CWD = '/?';

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)|\/\//;

function absolute(cwd: string, writtenPath: string): string {
  if (writtenPath.startsWith('/')) return posix.normalize(writtenPath);
  // The common case, a plain relative path, without normalizing.
  if (!DOT_SEGMENT.test(writtenPath)) return cwd === '/' ? `/${writtenPath}` : `${cwd}/${writtenPath}`;
  return posix.join(cwd, writtenPath);
}

function below(root: string, path: string): string | null {
  const prefix = root === '/' ? '/' : `${root}/`;
  return path.startsWith(prefix) && path.length > prefix.length ? path.slice(prefix.length) : null;
}

/**
 * The repository's root on the session's disk from its commits: every written path that a file of
 * those commits ends with votes for the folder above it. Null when nothing or a tie decides.
 */
function rootFromCommits(cwd: string, written: string[], commitPaths: string[]): string | null {
  if (commitPaths.length === 0) return null;
  const votes = new Map<string, number>();
  const repoPaths = new Set(commitPaths);
  for (const path of written) {
    const abs = absolute(cwd, path);
    const parts = segments(abs);
    // Each tail of the written path that is a file of the commits places the root above it.
    for (let i = 0; i < parts.length; i++) {
      const tail = parts.slice(i).join('/');
      if (!repoPaths.has(tail)) continue;
      const root = `/${parts.slice(0, i).join('/')}`;
      votes.set(root, (votes.get(root) ?? 0) + 1);
      break; // the longest tail wins: `src/a.ts` in `services/api/src/a.ts` is one vote, not two
    }
  }
  let best: string | null = null;
  let bestVotes = 0;
  let tie = false;
  for (const [root, n] of votes) {
    if (n > bestVotes) [best, bestVotes, tie] = [root, n, false];
    else if (n === bestVotes) tie = true;
  }
  return tie ? null : best;
}

/** The root from the working directory: its last folder named like the repository. */
function rootFromWorkingDirectory(cwd: string, repositoryName: string, orgRepositoryNames: ReadonlySet<string> | undefined): string | null {
  const parts = segments(cwd);
  if (orgRepositoryNames && parts.some((p) => p.toLowerCase() !== repositoryName && orgRepositoryNames.has(p.toLowerCase()))) return null;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (parts[i]!.toLowerCase() === repositoryName) return `/${parts.slice(0, i + 1).join('/')}`;
  }
  return null;
}

/** Below the working directory, the first folder named like the repository (a session started above it). */
function rootBelowWorkingDirectory(cwd: string, abs: string, repositoryName: string): string | null {
  const rest = below(cwd === '/' ? '/' : cwd, abs);
  if (rest === null) return null;
  const parts = segments(rest);
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i]!.toLowerCase() === repositoryName) return posix.join(cwd, ...parts.slice(0, i + 1));
  }
  return null;
}

/**
 * Places a session in `repository` (`owner/name`, lowercase), or answers null when it did not work
 * there (or nothing says where it worked).
 */
export function placeSession(session: SessionWhereabouts, writtenPaths: string[], repository: string): SessionPlacement | null {
  const known = session.repositories ?? [];
  // Its commits or pull requests went elsewhere: it worked in those repositories, not this one.
  if (known.length > 0 && !known.includes(repository)) return null;
  const repositoryName = (repository.split('/')[1] ?? repository).toLowerCase();
  // Windows working directories (`C:\work\app`) as the hook's paths are kept: `/`-separated, no drive.
  const reported = session.cwd?.replace(/\\/g, '/').replace(/^[a-z]:(?=\/)/i, '');
  const hasCwd = Boolean(reported?.startsWith('/'));
  const cwd = hasCwd ? posix.normalize(reported!).replace(/\/+$/, '') || '/' : UNKNOWN_CWD;

  const fromCommits = rootFromCommits(cwd, writtenPaths, session.commitPaths?.get(repository) ?? []);
  const fromName = hasCwd ? rootFromWorkingDirectory(cwd, repositoryName, session.orgRepositoryNames) : null;
  const root = fromCommits ?? fromName;
  const placedBy = fromCommits ? 'commits' : 'working_directory';

  if (root !== null) {
    const folder = cwd === root ? '' : below(root, cwd);
    return {
      repository,
      folder: cwd === UNKNOWN_CWD ? null : folder,
      placedBy,
      pathOf: (writtenPath) => below(root, absolute(cwd, writtenPath)),
    };
  }
  // Started above the repository (its folder is below the working directory): each path finds it.
  if (!hasCwd) return null;
  const placed = writtenPaths.some((p) => rootBelowWorkingDirectory(cwd, absolute(cwd, p), repositoryName) !== null);
  if (!placed) return null;
  return {
    repository,
    folder: null,
    placedBy: 'working_directory',
    pathOf: (writtenPath) => {
      const abs = absolute(cwd, writtenPath);
      const below_ = rootBelowWorkingDirectory(cwd, abs, repositoryName);
      return below_ === null ? null : below(below_, abs);
    },
  };
}

/**
 * The part of a written path (as the hook stores it: relative to the working directory and
 * normalized, or absolute) that is the end of its repository path wherever the session is placed:
 * its segments without leading `..`. Of two such ends of one file, the shorter ends the longer.
 * At most `maxLength` characters, whole segments from the end; null when the last one is longer.
 */
export function writtenPathTail(writtenPath: string, maxLength: number): string | null {
  const parts = segments(writtenPath).filter((s) => s !== '.');
  while (parts[0] === '..') parts.shift();
  let length = -1;
  let from = parts.length;
  while (from > 0 && length + 1 + parts[from - 1]!.length <= maxLength) length += 1 + parts[--from]!.length;
  return from === parts.length ? null : parts.slice(from).join('/');
}

/**
 * Whether lines written into a path ending in `tail` (`writtenPathTail`) can match a line of
 * `repositoryPath`: wherever the session is placed, one of the two ends the other, whole segments.
 */
export function mayBeSamePath(tail: string, repositoryPath: string): boolean {
  const [shorter, longer] = tail.length <= repositoryPath.length ? [tail, repositoryPath] : [repositoryPath, tail];
  return longer === shorter || longer.endsWith(`/${shorter}`);
}
