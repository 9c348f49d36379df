import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The recordings of the real Claude Code CLI, shared beside the project (read-only). */
export const RECORDINGS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/claude-code');

export function recordingDir(name: string, version = '2.1.197'): string {
  return join(RECORDINGS_DIR, version, name);
}

export interface RecordedCommit {
  sha: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
  files: { file: string; additions: number; deletions: number }[];
  patch: string;
}

/** `commits.json`: the git history a recorded session left. */
export function recordedCommits(name: string): RecordedCommit[] {
  return JSON.parse(readFileSync(join(recordingDir(name), 'commits.json'), 'utf8')) as RecordedCommit[];
}

export interface RestFile {
  sha: string;
  filename: string;
  previous_filename?: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

/** Splits a commit's `git show` patch into the per-file entries GitHub's REST API reports. */
export function restFilesOf(commit: RecordedCommit): RestFile[] {
  const chunks = commit.patch.split(/^(?=diff --git )/m).filter((c) => c.startsWith('diff --git '));
  return chunks.map((chunk) => {
    const [, , to] = /^diff --git a\/(.+?) b\/(.+)$/m.exec(chunk) ?? [];
    const filename = to ?? '';
    const renamedFrom = /^rename from (.+)$/m.exec(chunk)?.[1];
    const status = /^new file mode/m.test(chunk)
      ? 'added'
      : /^deleted file mode/m.test(chunk)
        ? 'removed'
        : renamedFrom
          ? 'renamed'
          : 'modified';
    const hunkStart = chunk.indexOf('\n@@');
    const patch = hunkStart === -1 ? undefined : chunk.slice(hunkStart + 1).replace(/\n$/, '');
    const stats = commit.files.find((f) => f.file === filename) ?? { additions: 0, deletions: 0 };
    return {
      sha: commit.sha,
      filename,
      ...(renamedFrom ? { previous_filename: renamedFrom } : {}),
      status,
      additions: stats.additions,
      deletions: stats.deletions,
      changes: stats.additions + stats.deletions,
      ...(patch === undefined ? {} : { patch }),
    };
  });
}

/** A commit as `GET /repos/{o}/{r}/pulls/{n}/commits` lists it. */
export function restCommitOf(commit: RecordedCommit, login: string | null) {
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha.slice(0, 10)}`,
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: '0'.repeat(40) },
    },
    author: login ? { login, id: 9001, type: 'User' } : null,
    committer: login ? { login, id: 9001, type: 'User' } : null,
    parents: commit.parents.map((sha) => ({ sha })),
  };
}

/** A commit as `GET /repos/{o}/{r}/commits/{sha}` answers it: with stats and files. */
export function restCommitWithFilesOf(commit: RecordedCommit, login: string | null) {
  const files = restFilesOf(commit);
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { ...restCommitOf(commit, login), stats: { additions, deletions, total: additions + deletions }, files };
}
