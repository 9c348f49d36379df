import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RecordedCommit } from './claude-code-recordings.js';

/*
 * A real git repository in a temporary folder, for tests that need real patches: each `commit()`
 * writes files (or renames or deletes them), commits at a given time, and answers the commit as the
 * recordings describe one (`git show` patch with renames detected), so `restFilesOf` and the
 * stand-in GitHub REST serve it as GitHub would.
 */
export class GitHistory {
  readonly dir = mkdtempSync(join(tmpdir(), 'ccm-git-'));

  constructor() {
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Dana', '-c', 'user.email=dana@acme.example', '-c', 'commit.gpgsign=false', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: this.dir },
    });
  }

  /** Writes `write` (path → whole new content), renames `rename` (from → to), deletes `remove`, and commits at `at`. */
  commit({ at, message, write = {}, rename = {}, remove = [] }: { at: string; message: string; write?: Record<string, string>; rename?: Record<string, string>; remove?: string[] }): RecordedCommit {
    for (const [from, to] of Object.entries(rename)) {
      mkdirSync(dirname(join(this.dir, to)), { recursive: true });
      renameSync(join(this.dir, from), join(this.dir, to));
    }
    for (const [path, content] of Object.entries(write)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), content);
    }
    for (const path of remove) unlinkSync(join(this.dir, path));
    this.git('add', '-A');
    execFileSync('git', ['-c', 'user.name=Dana', '-c', 'user.email=dana@acme.example', 'commit', '-q', '-m', message], {
      cwd: this.dir,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: this.dir, GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at },
    });
    const sha = this.git('rev-parse', 'HEAD').trim();
    const parents = this.git('show', '-s', '--format=%P', sha).trim().split(' ').filter(Boolean);
    const files = this.git('show', '--format=', '--numstat', '-M', sha)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [additions, deletions, file] = line.split('\t') as [string, string, string];
        // A rename is listed as `old => new` (or `dir/{old => new}/f`): the new path is the file.
        const renamed = file.replace(/\{[^}]* => ([^}]*)\}/, '$1').replace(/^.* => /, '').replace('//', '/');
        return { file: renamed, additions: Number(additions), deletions: Number(deletions) };
      });
    const patch = this.git('show', '--format=', '-M', sha);
    const person = { name: 'Dana', email: 'dana@acme.example', date: new Date(at).toISOString() };
    return { sha, parents, author: person, committer: person, message, files, patch };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
