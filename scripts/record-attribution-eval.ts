import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/*
 * `npm run record:attribution-eval [-- NAME…]`: records the attribution evaluation's scenarios
 * (test/fixtures/claude-code-scenarios/*.json) with the real Claude Code CLI through the shared
 * harness, then plays the people's part (edits, prettier, git mv, commits) and snapshots every pull
 * request as GitHub would show it: its commits, each commit's files and the PR's files, with the
 * patches of the real git history. Output: test/fixtures/attribution-eval/<scenario>/.
 * Needs the CLI from the npm registry (the harness installs it once); not part of `npm test`.
 *
 * A scenario: `people` (name, email, GitHub login), `repositories` (full name, owner, first
 * commit's files) and a `script` run in order, each step on one repository: `session` (a harness
 * run: prompt and tool-call `steps`; `cwd` runs the CLI in a subfolder, `protocol` picks OTLP's),
 * `checkout` (`create` a branch from main), `write`, `replace` (first occurrence), `mv` (git mv),
 * `prettier` (the project's prettier over `paths`), `commit` (as `person`) and `pull_request`
 * (snapshots the branch as a PR against main, with its hand-counted `truth`, then merges it
 * unless `merge` is false).
 *
 * Repositories are made under /home/<person>/src/<repo>, and the CLI runs with that home, so the
 * recorded paths look like a developer's; homes made here are removed afterwards.
 */

const ROOT = resolve(import.meta.dirname, '..');
const HARNESS = resolve(ROOT, '../shared/tools/claude-code-harness');
const SCENARIOS = join(ROOT, 'test/fixtures/claude-code-scenarios');
const OUT = join(ROOT, 'test/fixtures/attribution-eval');

interface Person {
  name: string;
  email: string;
  /** Null for an author GitHub knows no account of (Claude Code on the web commits as Claude). */
  login: string | null;
  team?: string;
}
interface Repository {
  fullName: string;
  owner: string;
  files: Record<string, string>;
}
type Op = { op: string; repo: string } & Record<string, any>;
interface Scenario {
  title: string;
  people: Record<string, Person>;
  repositories: Record<string, Repository>;
  script: Op[];
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

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
}

/** The REST API's file entries of `git diff -M from to`, with GitHub's patch (hunks only). */
function restFiles(repo: string, from: string, to: string, sha: string): RestFile[] {
  const diff = git(repo, ['diff', '-M', '--no-color', '--no-ext-diff', from, to]);
  const chunks = diff.split(/^(?=diff --git )/m).filter((c) => c.startsWith('diff --git '));
  return chunks.map((chunk) => {
    const [, from_, to_] = /^diff --git a\/(.+?) b\/(.+)$/m.exec(chunk) ?? [];
    const renamedFrom = /^rename from (.+)$/m.exec(chunk)?.[1];
    const filename = /^rename to (.+)$/m.exec(chunk)?.[1] ?? to_ ?? from_ ?? '';
    const status = /^new file mode/m.test(chunk) ? 'added' : /^deleted file mode/m.test(chunk) ? 'removed' : renamedFrom ? 'renamed' : 'modified';
    const hunkStart = chunk.indexOf('\n@@');
    const patch = hunkStart === -1 ? undefined : chunk.slice(hunkStart + 1).replace(/\n$/, '');
    let additions = 0;
    let deletions = 0;
    for (const line of (patch ?? '').split('\n')) {
      if (line.startsWith('+')) additions++;
      else if (line.startsWith('-')) deletions++;
    }
    return {
      sha,
      filename,
      ...(renamedFrom ? { previous_filename: renamedFrom } : {}),
      status,
      additions,
      deletions,
      changes: additions + deletions,
      ...(patch === undefined ? {} : { patch }),
    };
  });
}

function claudeBin(): string {
  if (process.env.CLAUDE_BIN) return process.env.CLAUDE_BIN;
  const version = process.env.CLAUDE_CODE_VERSION || 'latest';
  const dir = join(homedir(), '.cache', 'claude-code-harness', version);
  const bin = join(dir, 'node_modules', '.bin', 'claude');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', `@anthropic-ai/claude-code@${version}`], { stdio: 'inherit' });
  }
  return bin;
}

function record(name: string): void {
  const scenario = JSON.parse(readFileSync(join(SCENARIOS, `${name}.json`), 'utf8')) as Scenario;
  const out = join(OUT, name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const person = (key: string): Person => {
    const p = scenario.people[key];
    if (!p) throw new Error(`${name}: unknown person ${key}`);
    return p;
  };
  const repoDirs = new Map<string, string>();
  // Homes made here are removed at the end; one that existed before is left alone.
  const homes = Object.keys(scenario.people).map((key) => join('/home', key)).filter((home) => !existsSync(home));
  for (const [key, r] of Object.entries(scenario.repositories)) {
    const owner = person(r.owner);
    const dir = join('/home', r.owner, 'src', key);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['config', 'user.name', owner.name]);
    git(dir, ['config', 'user.email', owner.email]);
    for (const [file, text] of Object.entries(r.files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'Initial commit'], { GIT_AUTHOR_DATE: isoNow(), GIT_COMMITTER_DATE: isoNow() });
    repoDirs.set(key, dir);
  }
  const repoDir = (key: string) => {
    const d = repoDirs.get(key);
    if (!d) throw new Error(`${name}: unknown repository ${key}`);
    return d;
  };

  const sessions: object[] = [];
  const pullRequests: object[] = [];
  const loginOfEmail = new Map(Object.values(scenario.people).map((p) => [p.email, p.login]));

  for (const op of scenario.script) {
    const dir = repoDir(op.repo);
    const full = scenario.repositories[op.repo]!.fullName;
    switch (op.op) {
      case 'session': {
        const who = person(op.person);
        git(dir, ['checkout', '-q', 'main']);
        git(dir, ['config', 'user.name', who.name]);
        git(dir, ['config', 'user.email', who.email]);
        const harnessScenario = {
          prompt: op.prompt,
          branch: 'main',
          git: { name: who.name, email: who.email },
          resourceAttributes: `user.email=${who.email}${who.team ? `,team=${who.team}` : ''}`,
          pullRequestUrl: `https://github.com/${full}/pull/${op.pullRequest ?? 1}`,
          permissionMode: 'acceptEdits',
          allowedTools: ['Read', 'Write', 'Edit', 'Bash(git:*)', 'Bash(gh:*)'],
          steps: op.steps,
        };
        const tmp = mkdtempSync(join(tmpdir(), 'ccm-record-'));
        const scenarioFile = join(tmp, 'scenario.json');
        writeFileSync(scenarioFile, JSON.stringify(harnessScenario));
        // The CLI runs in the session's folder (a monorepo service): a wrapper changes into it.
        // The CLI runs as the person (their home, so its transcript path is theirs) and in the
        // session's folder (a monorepo service): a wrapper changes into it.
        const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: join('/home', op.person), CLAUDE_BIN: claudeBin() };
        if (op.cwd) {
          const wrapper = join(tmp, 'claude');
          writeFileSync(wrapper, `#!/bin/sh\ncd "${join(dir, op.cwd)}" && exec "${claudeBin()}" "$@"\n`);
          chmodSync(wrapper, 0o755);
          env.CLAUDE_BIN = wrapper;
        }
        const sessionOut = join(out, op.id);
        const startedAt = isoNow();
        const run = spawnSync(
          process.execPath,
          ['run-scenario.mjs', '--scenario', scenarioFile, '--out', sessionOut, '--protocol', op.protocol ?? 'http/json', '--tool-details', '--hooks', '--repo', dir],
          { cwd: HARNESS, stdio: 'inherit', env },
        );
        if (run.status !== 0) throw new Error(`${name}/${op.id}: harness exited with ${run.status}`);
        const result = JSON.parse(readFileSync(join(sessionOut, 'cli-result.json'), 'utf8')) as { session_id?: string; is_error?: boolean };
        if (!result.session_id || result.is_error) throw new Error(`${name}/${op.id}: the CLI run failed: ${JSON.stringify(result).slice(0, 500)}`);
        // The project keeps what the app receives and the CLI's own result; the harness's git
        // snapshot is replaced by the pull requests below.
        for (const f of ['commits.json', 'messages-api.log', 'deny-hook.mjs']) rmSync(join(sessionOut, f), { force: true });
        const runInfo = JSON.parse(readFileSync(join(sessionOut, 'run.json'), 'utf8')) as Record<string, unknown>;
        sessions.push({
          id: op.id,
          repository: full,
          person: who.login,
          cwd: op.cwd ?? '',
          sessionId: result.session_id,
          claudeVersion: runInfo.claudeVersion,
          startedAt,
          endedAt: isoNow(),
        });
        rmSync(tmp, { recursive: true, force: true });
        break;
      }
      case 'checkout':
        git(dir, ['checkout', '-q', ...(op.create ? ['-b', op.branch, op.from ?? 'main'] : [op.branch])]);
        break;
      case 'write':
        mkdirSync(dirname(join(dir, op.path)), { recursive: true });
        writeFileSync(join(dir, op.path), op.content);
        break;
      case 'replace': {
        const text = readFileSync(join(dir, op.path), 'utf8');
        if (!text.includes(op.from)) throw new Error(`${name}: ${op.path} does not contain ${JSON.stringify(op.from)}`);
        writeFileSync(join(dir, op.path), text.replace(op.from, op.to));
        break;
      }
      case 'mv':
        mkdirSync(dirname(join(dir, op.to)), { recursive: true });
        git(dir, ['mv', op.from, op.to]);
        break;
      case 'prettier':
        execFileSync(join(ROOT, 'node_modules/.bin/prettier'), ['--write', ...op.paths], { cwd: dir, stdio: 'inherit' });
        break;
      case 'commit': {
        const who = person(op.person);
        const at = isoNow();
        git(dir, ['add', '-A']);
        git(dir, ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '-q', '-m', op.message], { GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at });
        break;
      }
      case 'pull_request': {
        const head = git(dir, ['rev-parse', op.branch]).trim();
        const base = git(dir, ['merge-base', 'main', op.branch]).trim();
        const shas = git(dir, ['rev-list', '--reverse', `${base}..${head}`]).trim().split('\n').filter(Boolean);
        const commits = shas.map((sha) => {
          const [author, email, authored, committer, cemail, committed, ...message] = git(dir, ['show', '-s', '--format=%an%n%ae%n%aI%n%cn%n%ce%n%cI%n%B', sha]).split('\n');
          const parents = git(dir, ['show', '-s', '--format=%P', sha]).trim().split(' ').filter(Boolean);
          return {
            sha,
            parents,
            author: { name: author, email, date: authored },
            committer: { name: committer, email: cemail, date: committed },
            message: message.join('\n').trim(),
            login: loginOfEmail.get(email ?? '') ?? null,
            files: restFiles(dir, parents[0]!, sha, sha),
          };
        });
        const mergedAt = isoNow();
        pullRequests.push({
          repository: full,
          number: op.number,
          title: op.title,
          body: op.body ?? null,
          author: person(op.person).login,
          branch: op.branch,
          baseSha: base,
          headSha: head,
          createdAt: commits[0]!.committer.date,
          mergedAt,
          commits,
          files: restFiles(dir, base, head, head),
        });
        if (op.merge !== false) {
          git(dir, ['checkout', '-q', 'main']);
          git(dir, ['-c', 'user.name=GitHub', '-c', 'user.email=noreply@github.com', 'merge', '-q', '--no-ff', '-m', `Merge pull request #${op.number}`, op.branch], {
            GIT_AUTHOR_DATE: mergedAt,
            GIT_COMMITTER_DATE: mergedAt,
          });
        }
        break;
      }
      default:
        throw new Error(`${name}: unknown op ${op.op}`);
    }
  }

  writeFileSync(
    join(out, 'recording.json'),
    `${JSON.stringify({ title: scenario.title, people: scenario.people, repositories: Object.values(scenario.repositories).map((r) => r.fullName), sessions, pullRequests }, null, 2)}\n`,
  );
  for (const dir of repoDirs.values()) rmSync(dir, { recursive: true, force: true });
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  console.log(`recorded ${name}: ${sessions.length} sessions, ${pullRequests.length} pull requests`);
}

/** Now, to the second (git's and GitHub's precision). */
function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const all = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
for (const name of names.length > 0 ? names : all) record(name);
