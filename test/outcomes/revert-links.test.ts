import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revertedPullRequestOf, revertedShaOf } from '../../src/outcomes/revert-links.js';

/* Revert links read from real `git revert` messages (made here with git) and GitHub's revert PR bodies. */

let dir: string;
const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dana', GIT_AUTHOR_EMAIL: 'dana@acme.example', GIT_COMMITTER_NAME: 'Dana', GIT_COMMITTER_EMAIL: 'dana@acme.example', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'revert-links-'));
  git('init', '-q', '-b', 'main');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('revertedShaOf', () => {
  it("reads git revert's message of an ordinary commit", () => {
    writeFileSync(join(dir, 'a.txt'), 'one\n');
    git('add', '.');
    git('commit', '-q', '-m', 'Add a');
    writeFileSync(join(dir, 'a.txt'), 'two\n');
    git('commit', '-q', '-am', 'Change a');
    const reverted = git('rev-parse', 'HEAD');
    git('revert', '--no-edit', 'HEAD');
    const message = git('log', '-1', '--format=%B');
    expect(message).toContain(`This reverts commit ${reverted}.`);
    expect(revertedShaOf(message)).toBe(reverted);
    // The commit being reverted says nothing of the kind.
    expect(revertedShaOf(git('log', '-1', '--format=%B', reverted))).toBeNull();
  });

  it("reads git revert's message of a merge commit (\"…, reversing changes made to …\")", () => {
    git('checkout', '-q', '-b', 'feature');
    writeFileSync(join(dir, 'b.txt'), 'b\n');
    git('add', '.');
    git('commit', '-q', '-m', 'Add b');
    git('checkout', '-q', 'main');
    git('merge', '-q', '--no-ff', '--no-edit', 'feature');
    const merge = git('rev-parse', 'HEAD');
    git('revert', '--no-edit', '-m', '1', 'HEAD');
    const message = git('log', '-1', '--format=%B');
    expect(message).toMatch(/reversing\s+changes made to/);
    expect(revertedShaOf(message)).toBe(merge);
  });

  it('finds the line in a squash-merged message, and nothing in look-alikes', () => {
    const sha = 'a'.repeat(40);
    expect(revertedShaOf(`Revert "x" (#12)\n\n* Revert "x"\n\nThis reverts commit ${sha}.`)).toBe(sha);
    expect(revertedShaOf(`Mentions: this reverts commit ${sha}`)).toBeNull();
    expect(revertedShaOf('This reverts commit abc123.')).toBeNull();
    expect(revertedShaOf(`${'x'.repeat(70_000)}\nThis reverts commit ${sha}.`)).toBeNull();
    expect(revertedShaOf(null)).toBeNull();
  });
});

describe('revertedPullRequestOf', () => {
  it("reads GitHub's revert PR body, as its Revert button writes it", () => {
    expect(revertedPullRequestOf('Reverts acme/widgets#42')).toBe('acme/widgets#42');
    expect(revertedPullRequestOf('Reverts Acme/Widgets.js#42\r\n\r\nThe rate limiter dropped requests.')).toBe('acme/widgets.js#42');
  });

  it('ignores other mentions and bounds what it reads', () => {
    expect(revertedPullRequestOf('This PR reverts acme/widgets#42')).toBeNull();
    expect(revertedPullRequestOf('Reverts acme/widgets#42 partly')).toBeNull();
    expect(revertedPullRequestOf('Reverts acme/widgets#0')).toBeNull();
    expect(revertedPullRequestOf(`Reverts ${'a'.repeat(200)}/widgets#42`)).toBeNull();
    expect(revertedPullRequestOf(null)).toBeNull();
  });
});
