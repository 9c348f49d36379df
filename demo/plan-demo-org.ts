import { createHash } from 'node:crypto';
import {
  BOT,
  CLAUDE_BOT,
  DEMO_INSTALLATION_ID,
  DEMO_ORG,
  DEVELOPERS,
  EMAIL_DOMAIN,
  OTHER_MEMBERS,
  REPOSITORIES,
  TEAM_REPOSITORY,
  VIEWER_TEAM,
  type RepositorySpec,
  type RosterEntry,
  type Team,
} from './demo-roster.js';
import { createRandom, type Random } from './random.js';
import { existingLines, isCountedLine, LineRegistry, reviseLine, writeCode, type Language } from './synthetic-code.js';

/** "reconcile" → "reconciling", "sync" → "syncing". */
const gerund = (verb: string) => `${verb.endsWith('e') && !verb.endsWith('ee') ? verb.slice(0, -1) : verb}ing`;

/*
 * The demo organization's whole history, planned up front as plain data: people, repositories,
 * pull requests with their commits and diffs, Claude Code sessions with every tool use, and what
 * the app should conclude from them. Sending it to the app (webhooks, telemetry, hook calls) and
 * answering GitHub's REST calls are separate steps; this module does no I/O.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;

export interface DemoPlanOptions {
  /** The demo ends on this instant's UTC day; nothing happens after it. */
  now: Date;
  seed?: number;
  /** Developers (the first ones of the roster; at most 25). */
  developers?: number;
  /** Days of history, ending today. */
  days?: number;
}

export interface Actor {
  login: string;
  id: number;
  name: string;
  email: string;
  type: 'User' | 'Bot';
}

export interface ClaudeCodeProfile {
  fromDay: number;
  untilDay: number | null;
  mode: 'hooks' | 'telemetry';
  /** The address Claude Code reports (`user.email`). */
  telemetryEmail: string;
  accountUuid: string | null;
  organizationId: string | null;
  /** Claude Code's `user.id`: a hash naming the installation. */
  userId: string;
  model: string;
  intensity: number;
  version: string;
  osType: string;
  osVersion: string;
  hostArch: string;
}

export interface DemoPerson extends Actor {
  team: Team | 'design';
  teams: string[];
  role: 'admin' | 'member';
  developer: boolean;
  terminal: string;
  claudeCode: ClaudeCodeProfile | null;
}

export interface DemoRepository {
  id: number;
  name: string;
  fullName: string;
  spec: RepositorySpec;
  createdAt: number;
}

/** One hunk of a unified diff; each line starts with ' ', '+' or '-'. */
export interface Hunk {
  oldStart: number;
  newStart: number;
  lines: string[];
}

export interface FileChange {
  path: string;
  status: 'added' | 'modified' | 'removed';
  hunks: Hunk[];
  /** Lock files and the like: the app leaves their lines out (the demo only makes such files for bots). */
  excluded: boolean;
}

export interface PlannedCommit {
  sha: string;
  parents: string[];
  message: string;
  author: Actor;
  at: number;
  files: FileChange[];
  /** Made by Claude Code (a `git commit` it ran), with its trailer. */
  byClaudeCode: boolean;
}

export interface PlannedReview {
  id: number;
  reviewer: Actor;
  at: number;
}

export interface PlannedPullRequest {
  id: number;
  number: number;
  repository: DemoRepository;
  author: Actor;
  title: string;
  body: string;
  branch: string;
  kind: 'feature' | 'revert' | 'dependency';
  createdAt: number;
  closedAt: number | null;
  mergedAt: number | null;
  mergedBy: Actor | null;
  mergeCommitSha: string | null;
  commits: PlannedCommit[];
  /** Branch pushes: the first before the PR is opened, later ones followed by `synchronize`. */
  pushes: { at: number; commits: PlannedCommit[] }[];
  review: PlannedReview | null;
  /** What the app should find for this PR once merged. */
  expected: { linesAdded: number; linesWithClaudeCode: number };
  /** Claude Code helped, but nothing the app can see says so (telemetry only, a human commit). */
  assistedUndetectable: boolean;
  /** For a PR Claude Code's bot opened: the person who asked for it, whose PR it counts as. */
  creditedTo?: Actor | undefined;
}

export interface DirectPush {
  repository: DemoRepository;
  at: number;
  pusher: Actor;
  commit: PlannedCommit;
  expected: { linesAdded: number; linesWithClaudeCode: number };
}

export type SessionStep =
  | { kind: 'prompt'; at: number; promptId: string; length: number }
  | { kind: 'read'; at: number; toolUseId: string; path: string }
  | { kind: 'write'; at: number; toolUseId: string; path: string; content: string; linesAdded: number; language: Language }
  | {
      kind: 'edit';
      at: number;
      toolUseId: string;
      path: string;
      hunk: Hunk;
      linesAdded: number;
      linesRemoved: number;
      language: Language;
    }
  | { kind: 'reject'; at: number; toolUseId: string; tool: 'Write' | 'Edit'; path: string; language: Language }
  | {
      kind: 'bash';
      at: number;
      toolUseId: string;
      command: string;
      description: string;
      commit?: PlannedCommit;
      pullRequest?: PlannedPullRequest;
    };

export interface ApiRequest {
  at: number;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
  durationMs: number;
}

export interface PlannedSession {
  id: string;
  person: DemoPerson;
  repository: DemoRepository;
  /** The working directory; file paths in tool calls are absolute under it. */
  cwd: string;
  /** The repository-relative folder `cwd` points at ('' for the repository root). */
  subfolder: string;
  startedAt: number;
  endedAt: number;
  steps: SessionStep[];
  apiRequests: ApiRequest[];
}

export interface DemoPlan {
  org: { login: string; id: number; name: string };
  installationId: number;
  installedAt: number;
  now: number;
  days: string[];
  people: DemoPerson[];
  /** Org members listed on the demo sign-in page. */
  signIn: { owner: DemoPerson; member: DemoPerson; outsider: DemoPerson };
  viewerTeam: string;
  bot: Actor;
  repositories: DemoRepository[];
  pullRequests: PlannedPullRequest[];
  directPushes: DirectPush[];
  sessions: PlannedSession[];
}

/** List prices in USD per million tokens: input, output, cache read, cache write. */
export const MODEL_PRICES: Record<string, [number, number, number, number]> = {
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'claude-opus-4-1': [15, 75, 1.5, 18.75],
  'claude-haiku-4-5': [1, 5, 0.1, 1.25],
};

export const CLAUDE_TRAILERS = [
  'Co-Authored-By: Claude <noreply@anthropic.com>',
  'Co-Authored-By: Claude <noreply@anthropic.com>',
  'Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>',
  'Co-authored-by: Claude <noreply@anthropic.com>',
];
export const GENERATED_WITH_CLAUDE_CODE = '🤖 Generated with [Claude Code](https://claude.com/claude-code)';

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const startOfDay = (ms: number) => Date.parse(`${utcDay(ms)}T00:00:00Z`);
const counted = (lines: string[]) => lines.filter(isCountedLine).length;
const addedLines = (files: FileChange[]) =>
  files.filter((f) => !f.excluded).flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1))));

/** Plans the demo organization. The same options give the same plan. */
export function planDemoOrg({ now: nowDate, seed = 20_251_121, developers = DEVELOPERS.length, days = 60 }: DemoPlanOptions): DemoPlan {
  if (developers < 1 || developers > DEVELOPERS.length) throw new RangeError(`developers must be 1…${DEVELOPERS.length}`);
  if (days < 14 || days > 120) throw new RangeError('days must be 14…120');
  const now = nowDate.getTime();
  const random = createRandom(seed);
  const day0 = startOfDay(now) - (days - 1) * DAY;
  const dayList = Array.from({ length: days }, (_, i) => utcDay(day0 + i * DAY));
  const registry = new LineRegistry();
  let idSeq = 0;
  const nextId = (base: number) => base + ++idSeq;

  // People: developers, a non-developer member, all in the org; developers in team `engineering`.
  const roster: RosterEntry[] = [...DEVELOPERS.slice(0, developers), ...OTHER_MEMBERS];
  const people: DemoPerson[] = roster.map((r, i) => {
    const developer = !OTHER_MEMBERS.includes(r);
    const personRandom = random.fork(`person:${r.login}`);
    const a = r.adoption;
    const email = `${r.login}@${EMAIL_DOMAIN}`;
    return {
      login: r.login,
      id: 9_100_011 + i * 7_919,
      name: r.name,
      email,
      type: 'User',
      team: developer ? r.team : 'design',
      teams: developer ? [VIEWER_TEAM, r.team] : ['design'],
      role: r.role,
      developer,
      terminal: r.terminal,
      claudeCode: a
        ? {
            fromDay: Math.round(a.from * (days - 1)),
            untilDay: a.until === undefined ? null : Math.round(a.until * (days - 1)),
            mode: a.mode,
            telemetryEmail: a.personalEmail ?? email,
            accountUuid: a.account === 'subscription' ? personRandom.uuid() : null,
            organizationId: a.account === 'subscription' ? 'a1f3c6e2-7d4b-4c1e-9b8a-2e5f0d3c7a91' : null,
            userId: createHash('sha256').update(`demo-user-id:${r.login}`).digest('hex'),
            model: personRandom.weighted([['claude-sonnet-4-5', 7], ['claude-opus-4-1', 3]] as const),
            intensity: a.intensity,
            version: personRandom.pick(['2.1.170', '2.1.181', '2.1.197']),
            osType: r.terminal === 'xterm' || r.terminal === 'tmux' ? 'linux' : 'darwin',
            osVersion: r.terminal === 'xterm' || r.terminal === 'tmux' ? '6.8.0-49-generic' : '24.6.0',
            hostArch: r.terminal === 'xterm' || r.terminal === 'tmux' ? 'amd64' : 'arm64',
          }
        : null,
    };
  });
  const developersList = people.filter((p) => p.developer);
  const owner = people.find((p) => p.role === 'admin')!;
  const member = developersList.find((p) => p.role === 'member') ?? owner;
  const outsider = people.find((p) => !p.developer)!;
  const bot: Actor = { ...BOT, type: 'Bot' };

  const repositories: DemoRepository[] = REPOSITORIES.map((spec, i) => ({
    id: 7_300_101 + i * 13,
    name: spec.name,
    fullName: `${DEMO_ORG.login}/${spec.name}`,
    spec,
    createdAt: day0 - (400 + i * 97) * DAY,
  }));
  const repoByName = new Map(repositories.map((r) => [r.name, r]));
  const installedAt = day0 - DAY + 10 * HOUR;

  // Files each repository already has, which later work modifies.
  const filesOf = new Map<string, string[]>();
  for (const repo of repositories) {
    const r = random.fork(`files:${repo.name}`);
    const list: string[] = [];
    for (let i = 0; i < 12; i++) list.push(newPath(r, repo, list));
    filesOf.set(repo.name, list);
  }

  const pullRequests: PlannedPullRequest[] = [];
  const directPushes: DirectPush[] = [];
  const sessions: PlannedSession[] = [];
  /** The Claude Code session behind a PR or direct push, if any. */
  const sessionOf = new Map<PlannedPullRequest | DirectPush, PlannedSession>();

  const sha = (r: Random) => r.hex(40);
  const teammateOf = (r: Random, author: Actor, team?: Team | 'design') => {
    const pool = developersList.filter((p) => p.login !== author.login && (team === undefined || p.team === team));
    const any = developersList.filter((p) => p.login !== author.login);
    return r.pick(pool.length > 0 ? pool : any.length > 0 ? any : developersList);
  };

  /** A file change of `files`: new lines at a new path or in an existing file. */
  function fileEdit(r: Random, repo: DemoRepository, lines: number, preferNew: boolean) {
    const existing = filesOf.get(repo.name)!;
    const isNew = preferNew || existing.length === 0 || r.chance(0.3);
    const path = isNew ? newPath(r, repo, existing) : r.pick(existing);
    if (isNew) existing.push(path);
    const args = { random: r, registry, path, language: repo.spec.language, domain: repo.spec.domain };
    const contextBefore = isNew ? [] : existingLines(args, 3);
    const removed = isNew ? [] : existingLines(args, r.weighted([[0, 5], [1, 3], [2, 2], [3, 1]] as const));
    const contextAfter = isNew ? [] : existingLines(args, 3);
    const oldStart = isNew ? 0 : r.int(4, 320);
    return { path, isNew, args, contextBefore, removed, contextAfter, oldStart, target: lines };
  }
  type Edit = ReturnType<typeof fileEdit>;

  const hunkOf = (e: Edit, added: string[]): Hunk =>
    e.isNew
      ? { oldStart: 0, newStart: 1, lines: added.map((l) => `+${l}`) }
      : {
          oldStart: e.oldStart,
          newStart: e.oldStart,
          lines: [...e.contextBefore.map((l) => ` ${l}`), ...e.removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`), ...e.contextAfter.map((l) => ` ${l}`)],
        };

  const fileChange = (e: Edit, added: string[]): FileChange => ({ path: e.path, status: e.isNew ? 'added' : 'modified', hunks: [hunkOf(e, added)], excluded: false });

  /** One piece of work: optionally with a Claude Code session, ending in a PR or a direct push. */
  function workItem(r: Random, person: DemoPerson, repo: DemoRepository, start: number, withClaudeCode: boolean, asDirectPush: boolean) {
    const profile = person.claudeCode;
    const nFiles = asDirectPush ? 1 : r.weighted([[1, 35], [2, 35], [3, 20], [4, 10]] as const);
    const edits: Edit[] = [];
    const taken = new Set<string>();
    for (let i = 0; i < nFiles; i++) {
      const size = repo.spec.language === 'Markdown' ? r.int(3, 14) : r.weighted([[r.int(4, 12), 4], [r.int(12, 30), 4], [r.int(30, 70), 2]] as const);
      const e = fileEdit(r, repo, size, false);
      if (taken.has(e.path)) continue;
      taken.add(e.path);
      edits.push(e);
    }
    const claudeFiles = new Set<Edit>();
    if (withClaudeCode && profile) {
      for (const e of edits) if (r.chance(0.85)) claudeFiles.add(e);
      if (claudeFiles.size === 0) claudeFiles.add(edits[0]!);
    }
    // Claude Code commits its own work sometimes (always for the person whose commits link them).
    const claudeCommits = claudeFiles.size > 0 && (profile?.telemetryEmail !== person.email || r.chance(profile?.mode === 'telemetry' ? 0.6 : 0.55));
    const claudeOpensPr = claudeCommits && !asDirectPush && r.chance(0.5);

    // What each file ends up adding, and which of those lines Claude Code wrote.
    const finalLines = new Map<Edit, string[]>();
    const claudeWrote = new Map<Edit, string[]>();
    const survivingClaudeLines = new Map<Edit, number>();
    for (const e of edits) {
      const lines = writeCode({ ...e.args, target: e.target });
      if (!claudeFiles.has(e)) {
        finalLines.set(e, lines);
        continue;
      }
      claudeWrote.set(e, lines);
      // A developer reworks some of what Claude Code wrote before committing it themselves.
      const final = claudeCommits ? lines : lines.map((l) => (isCountedLine(l) && r.chance(0.12) ? reviseLine(e.args) : l));
      let surviving = final.filter((l, i) => isCountedLine(l) && l === lines[i]).length;
      if (surviving === 0) {
        final.splice(0, final.length, ...lines);
        surviving = counted(lines);
      }
      if (!claudeCommits && r.chance(0.3)) final.push(...writeCode({ ...e.args, target: r.int(1, 5) }));
      finalLines.set(e, final);
      survivingClaudeLines.set(e, surviving);
    }

    const branch = `${person.login}/${slug(r, repo)}`;
    const title = titleFor(r, repo);
    const commits: PlannedCommit[] = [];
    let t = start;
    let session: PlannedSession | undefined;
    let claudeCommit: PlannedCommit | undefined;
    let prStep: Extract<SessionStep, { kind: 'bash' }> | undefined;
    let claudePushAt: number | undefined;

    if (claudeFiles.size > 0 && profile) {
      const subfolder = subfolderFor(r, repo, [...claudeFiles].map((e) => e.path));
      session = newSession(r, person, repo, t, subfolder);
      const step = (minutes: [number, number]) => (t += r.int(minutes[0] * 60, minutes[1] * 60) * 1000);
      prompt(r, session, t);
      for (let i = r.int(1, 4); i > 0; i--) session.steps.push({ kind: 'read', at: step([0.2, 2]), toolUseId: toolUseId(r), path: r.pick(filesOf.get(repo.name)!) });
      for (const e of edits) {
        const lines = claudeWrote.get(e);
        if (!lines) continue;
        if (r.chance(0.25)) {
          session.steps.push({ kind: 'reject', at: step([0.5, 3]), toolUseId: toolUseId(r), tool: e.isNew ? 'Write' : 'Edit', path: e.path, language: repo.spec.language });
          if (r.chance(0.5)) prompt(r, session, step([0.5, 2]));
        }
        if (e.isNew) {
          session.steps.push({ kind: 'write', at: step([1, 6]), toolUseId: toolUseId(r), path: e.path, content: `${lines.join('\n')}\n`, linesAdded: lines.length, language: repo.spec.language });
        } else {
          session.steps.push({
            kind: 'edit',
            at: step([1, 6]),
            toolUseId: toolUseId(r),
            path: e.path,
            hunk: hunkOf(e, lines),
            linesAdded: lines.length,
            linesRemoved: e.removed.length,
            language: repo.spec.language,
          });
        }
        if (r.chance(0.3)) prompt(r, session, step([1, 4]));
      }
      for (let i = r.chance(0.6) ? 1 : 0; i > 0; i--) {
        session.steps.push({ kind: 'bash', at: step([0.5, 3]), toolUseId: toolUseId(r), command: testCommand(repo), description: 'Run the tests' });
      }
      if (claudeCommits) {
        const message = `${title}\n\n${r.pick(CLAUDE_TRAILERS)}`;
        claudeCommit = {
          sha: sha(r),
          parents: [sha(r)],
          message,
          author: person,
          at: step([0.5, 2]),
          files: [...claudeFiles].map((e) => fileChange(e, finalLines.get(e)!)),
          byClaudeCode: true,
        };
        commits.push(claudeCommit);
        session.steps.push({
          kind: 'bash',
          at: claudeCommit.at,
          toolUseId: toolUseId(r),
          command: `git add -A && git commit -m '${message.replace(/'/g, '')}'`,
          description: 'Commit the change',
          commit: claudeCommit,
        });
        if (!asDirectPush) {
          claudePushAt = step([0.2, 1]);
          session.steps.push({ kind: 'bash', at: claudePushAt, toolUseId: toolUseId(r), command: `git push -u origin ${branch}`, description: 'Push the branch' });
        }
        if (claudeOpensPr) {
          prStep = { kind: 'bash', at: step([0.3, 2]), toolUseId: toolUseId(r), command: `gh pr create --title '${title.replace(/'/g, '')}' --fill`, description: 'Open a pull request' };
          session.steps.push(prStep);
        }
      }
      session.endedAt = step([1, 8]);
      finishSession(r, session);
      sessions.push(session);
    } else {
      t += r.int(40, 240) * MINUTE; // writing it by hand takes a while
    }

    // The developer's own commits: what Claude Code did not commit.
    const rest = edits.filter((e) => !claudeCommit || !claudeFiles.has(e));
    if (rest.length > 0) {
      const groups = rest.length > 1 && r.chance(0.4) ? [rest.slice(0, 1), rest.slice(1)] : [rest];
      for (const group of groups) {
        t += r.int(5, 90) * MINUTE;
        commits.push({
          sha: sha(r),
          parents: [commits.at(-1)?.sha ?? sha(r)],
          message: commits.length === 0 ? title : r.pick(['Address review comments', 'Add tests', 'Fix lint', 'Handle the empty case', 'Tidy up naming']),
          author: person,
          at: t,
          files: group.map((e) => fileChange(e, finalLines.get(e)!)),
          byClaudeCode: false,
        });
      }
    }
    for (let i = 1; i < commits.length; i++) commits[i]!.parents = [commits[i - 1]!.sha];

    const linesAdded = counted(addedLines(commits.flatMap((c) => c.files)));
    let linesWithClaudeCode = 0;
    if (profile?.mode === 'hooks') {
      for (const n of survivingClaudeLines.values()) linesWithClaudeCode += n;
    } else if (claudeOpensPr) {
      linesWithClaudeCode = linesAdded; // the PR body's "Generated with Claude Code" covers the whole PR
    } else if (claudeCommit) {
      linesWithClaudeCode = counted(addedLines(claudeCommit.files));
    }
    const assistedUndetectable = claudeFiles.size > 0 && linesWithClaudeCode === 0;

    if (asDirectPush) {
      const commit = commits[0]!;
      if (commits.length > 1) throw new Error('a direct push has one commit');
      directPushes.push({ repository: repo, at: commit.at + r.int(1, 10) * MINUTE, pusher: person, commit, expected: { linesAdded, linesWithClaudeCode } });
      if (session) sessionOf.set(directPushes.at(-1)!, session);
      return;
    }

    // The pull request: opened after the first push (or by Claude Code), merged after review, or abandoned.
    const createdAt = prStep ? prStep.at : commits.at(-1)!.at + r.int(3, 40) * MINUTE;
    const pushes: PlannedPullRequest['pushes'] = [];
    const before = commits.filter((c) => c.at <= createdAt);
    const after = commits.filter((c) => c.at > createdAt);
    // Claude Code pushed its commit itself when it opened the PR; otherwise the developer pushes before opening it.
    const firstPushAt = prStep && claudePushAt !== undefined ? claudePushAt : Math.min(createdAt - 30_000, before.at(-1)!.at + r.int(30, 300) * 1000);
    pushes.push({ at: firstPushAt, commits: before });
    if (after.length > 0) pushes.push({ at: after.at(-1)!.at + r.int(1, 5) * MINUTE, commits: after });
    const lastPush = pushes.at(-1)!.at;
    const abandoned = r.chance(0.06);
    const mergedAt = abandoned ? null : Math.max(lastPush, createdAt) + r.weighted([[r.int(40, 240), 4], [r.int(240, 1440), 4], [r.int(1440, 4320), 2]] as const) * MINUTE;
    const closedAt = abandoned ? createdAt + r.int(1, 6) * DAY : mergedAt;
    const reviewer = teammateOf(r, person, person.team);
    // Most merges follow an approving review; small changes are often merged without one.
    const review = mergedAt && r.chance(0.6) ? { id: nextId(2_500_000_000), reviewer, at: Math.max(lastPush + MINUTE, mergedAt - r.int(5, 120) * MINUTE) } : null;
    pullRequests.push({
      id: 0,
      number: 0,
      repository: repo,
      author: person,
      title,
      body: prBody(r, title, claudeOpensPr),
      branch,
      kind: 'feature',
      createdAt,
      closedAt,
      mergedAt,
      mergedBy: mergedAt ? (r.chance(0.7) ? person : reviewer) : null,
      mergeCommitSha: mergedAt ? sha(r) : null,
      commits,
      pushes,
      review,
      expected: { linesAdded, linesWithClaudeCode },
      assistedUndetectable,
    });
    if (prStep) prStep.pullRequest = pullRequests.at(-1)!;
    if (session) sessionOf.set(pullRequests.at(-1)!, session);
  }

  /** A session that explores, runs things, writes throwaway code or gets its edits rejected: nothing ships. */
  function exploratorySession(r: Random, person: DemoPerson, repo: DemoRepository, start: number) {
    const session = newSession(r, person, repo, start, '');
    let t = start;
    const step = (minutes: [number, number]) => (t += r.int(minutes[0] * 60, minutes[1] * 60) * 1000);
    prompt(r, session, t);
    for (let i = r.int(2, 6); i > 0; i--) session.steps.push({ kind: 'read', at: step([0.2, 3]), toolUseId: toolUseId(r), path: r.pick(filesOf.get(repo.name)!) });
    if (r.chance(0.5)) {
      prompt(r, session, step([1, 5]));
      session.steps.push({ kind: 'bash', at: step([0.5, 2]), toolUseId: toolUseId(r), command: testCommand(repo), description: 'Run the tests' });
    }
    if (r.chance(0.45)) {
      const e = fileEdit(r, repo, r.int(4, 25), r.chance(0.5));
      const lines = writeCode({ ...e.args, target: e.target });
      if (r.chance(0.4)) session.steps.push({ kind: 'reject', at: step([0.5, 3]), toolUseId: toolUseId(r), tool: e.isNew ? 'Write' : 'Edit', path: e.path, language: repo.spec.language });
      session.steps.push(
        e.isNew
          ? { kind: 'write', at: step([1, 5]), toolUseId: toolUseId(r), path: e.path, content: `${lines.join('\n')}\n`, linesAdded: lines.length, language: repo.spec.language }
          : { kind: 'edit', at: step([1, 5]), toolUseId: toolUseId(r), path: e.path, hunk: hunkOf(e, lines), linesAdded: lines.length, linesRemoved: e.removed.length, language: repo.spec.language },
      );
      if (e.isNew) filesOf.get(repo.name)!.pop(); // never committed: the file does not exist for later work
    } else if (r.chance(0.5)) {
      const path = r.pick(filesOf.get(repo.name)!);
      session.steps.push({ kind: 'reject', at: step([0.5, 3]), toolUseId: toolUseId(r), tool: 'Edit', path, language: repo.spec.language });
    }
    session.endedAt = step([2, 15]);
    finishSession(r, session);
    sessions.push(session);
  }

  // Each developer's days: work items (some with Claude Code), exploratory sessions.
  for (const person of developersList) {
    const r = random.fork(`work:${person.login}`);
    const home = repoByName.get(TEAM_REPOSITORY[person.team as Team])!;
    for (let i = 0; i < days; i++) {
      const dayStart = day0 + i * DAY;
      const weekday = new Date(dayStart).getUTCDay();
      if ((weekday === 0 || weekday === 6) && !r.chance(0.05)) continue;
      if (r.chance(0.08)) continue; // out, or a day of meetings
      const profile = person.claudeCode;
      const using = profile !== null && i >= profile.fromDay && (profile.untilDay === null || i < profile.untilDay);
      const ramp = using ? Math.min(1, (i - profile!.fromDay + 1) / 10) : 0;
      const items = r.chance(0.31 + 0.14 * ramp) ? (r.chance(0.1) ? 2 : 1) : 0;
      for (let k = 0; k < items; k++) {
        const start = dayStart + (8.5 * 60 + r.int(0, 420) + k * 180) * MINUTE;
        const repo = r.weighted([[home, 85], [repoByName.get('handbook')!, 6], [r.pick(repositories.slice(0, 4)), 9]] as const);
        const withClaudeCode = using && r.chance(profile!.intensity * (0.55 + 0.45 * ramp));
        const direct = repo.spec.language === 'Markdown' && r.chance(0.6);
        workItem(r, person, repo, start, withClaudeCode, direct);
      }
      if (using && r.chance(0.5 * profile!.intensity)) exploratorySession(r, person, home, dayStart + (13 * 60 + r.int(0, 240)) * MINUTE);
    }
  }

  // A weekly release tag pushed straight to the gateway's main branch by a platform owner.
  const releaser = developersList.find((p) => p.team === 'platform') ?? owner;
  const gateway = repoByName.get('edge-gateway')!;
  {
    const r = random.fork('releases');
    let version = 14;
    for (let i = 3; i < days; i += 7) {
      const at = day0 + i * DAY + (16 * 60 + r.int(0, 90)) * MINUTE;
      const path = 'internal/version/version.go';
      const lines = [`const Version = "1.${version}.0"`, `const ReleasedOn = "${utcDay(at)}"`];
      const removed = [`const Version = "1.${version - 1}.0"`, `const ReleasedOn = "${utcDay(at - 7 * DAY)}"`];
      version++;
      const commit: PlannedCommit = {
        sha: sha(r),
        parents: [sha(r)],
        message: `Release v1.${version - 1}.0`,
        author: releaser,
        at,
        files: [{ path, status: 'modified', excluded: false, hunks: [{ oldStart: 3, newStart: 3, lines: [' package version', ' ', ...removed.map((l) => `-${l}`), ...lines.map((l) => `+${l}`)] }] }],
        byClaudeCode: false,
      };
      directPushes.push({ repository: gateway, at: at + 2 * MINUTE, pusher: releaser, commit, expected: { linesAdded: 2, linesWithClaudeCode: 0 } });
    }
  }

  // Dependabot: weekly version bumps, most merged by the owning team, some superseded and closed.
  {
    const r = random.fork('dependabot');
    for (const repo of repositories.filter((x) => x.spec.manifest)) {
      const manifest = repo.spec.manifest!;
      for (let i = r.int(0, 6); i < days; i += 7) {
        const createdAt = day0 + i * DAY + (5 * 60 + r.int(0, 60)) * MINUTE;
        const pkg = r.pick(manifest.packages);
        const [major, minor, patch] = [r.int(1, 9), r.int(0, 30), r.int(0, 12)];
        const from = `${major}.${minor}.${patch}`;
        const to = `${major}.${minor}.${patch + 1 + r.int(0, 2)}`;
        const lock: string[] = [];
        for (let k = r.int(3, 9); k > 0; k--) lock.push(`    "${r.pick(['resolved', 'integrity', 'version'])}": "${r.hex(24)}",`);
        const commit: PlannedCommit = {
          sha: sha(r),
          parents: [sha(r)],
          message: `Bump ${pkg} from ${from} to ${to}\n\nBumps [${pkg}](https://github.com/${pkg}) from ${from} to ${to}.\n\nSigned-off-by: dependabot[bot] <support@github.com>`,
          author: bot,
          at: createdAt - 2 * MINUTE,
          files: [
            { path: manifest.file, status: 'modified', excluded: false, hunks: [{ oldStart: 12, newStart: 12, lines: [`-    "${pkg}": "^${from}",`, `+    "${pkg}": "^${to}",`] }] },
            { path: manifest.lock, status: 'modified', excluded: true, hunks: [{ oldStart: 200, newStart: 200, lines: lock.map((l) => `+${l}`) }] },
          ],
          byClaudeCode: false,
        };
        const superseded = r.chance(0.2);
        const team = repo.spec.team === 'all' ? undefined : repo.spec.team;
        const merger = teammateOf(r, bot, team);
        const mergedAt = superseded ? null : createdAt + r.int(60, 2880) * MINUTE;
        pullRequests.push({
          id: 0,
          number: 0,
          repository: repo,
          author: bot,
          title: `Bump ${pkg} from ${from} to ${to}`,
          body: `Bumps [${pkg}](https://github.com/${pkg}) from ${from} to ${to}.\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.`,
          branch: `dependabot/${repo.spec.language === 'Go' ? 'go_modules' : repo.spec.language === 'Python' ? 'pip' : 'npm_and_yarn'}/${pkg.replace(/[^a-z0-9]+/gi, '-')}-${to}`,
          kind: 'dependency',
          createdAt,
          closedAt: superseded ? createdAt + 7 * DAY - HOUR : mergedAt,
          mergedAt,
          mergedBy: mergedAt ? merger : null,
          mergeCommitSha: mergedAt ? sha(r) : null,
          commits: [commit],
          pushes: [{ at: createdAt - MINUTE, commits: [commit] }],
          review: mergedAt ? { id: nextId(2_500_000_000), reviewer: merger, at: mergedAt - r.int(1, 30) * MINUTE } : null,
          expected: { linesAdded: 1, linesWithClaudeCode: 0 },
          assistedUndetectable: false,
        });
      }
    }
  }

  // A couple of merged changes that were reverted a day or two later.
  {
    const r = random.fork('reverts');
    const candidates = pullRequests.filter(
      (p) => p.kind === 'feature' && p.mergedAt !== null && p.mergedAt > day0 + 5 * DAY && p.mergedAt < day0 + (days - 10) * DAY,
    );
    for (const original of r.shuffle(candidates).slice(0, Math.min(2, candidates.length))) {
      const author = teammateOf(r, original.author, (original.author as DemoPerson).team);
      const createdAt = original.mergedAt! + r.int(6, 40) * HOUR;
      const files: FileChange[] = original.commits.flatMap((c) => c.files).map((f) => ({
        path: f.path,
        status: f.status === 'added' ? 'removed' : 'modified',
        excluded: f.excluded,
        hunks: f.hunks.map((h) => ({
          oldStart: h.newStart,
          newStart: h.oldStart === 0 ? 0 : h.oldStart,
          lines: h.lines.map((l) => (l.startsWith('+') ? `-${l.slice(1)}` : l.startsWith('-') ? `+${l.slice(1)}` : l)),
        })),
      }));
      const commit: PlannedCommit = {
        sha: sha(r),
        parents: [original.mergeCommitSha!],
        message: `Revert "${original.title}"\n\nThis reverts commit ${original.mergeCommitSha}.`,
        author,
        at: createdAt - 5 * MINUTE,
        files,
        byClaudeCode: false,
      };
      const mergedAt = createdAt + r.int(20, 120) * MINUTE;
      pullRequests.push({
        id: 0,
        number: 0,
        repository: original.repository,
        author,
        title: `Revert "${original.title}"`,
        body: `Reverts ${original.repository.fullName}#{number:${original.branch}}\n\nIt broke the nightly run; reverting while we look into it.`,
        branch: `revert-${original.branch.replace(/\//g, '-')}`,
        kind: 'revert',
        createdAt,
        closedAt: mergedAt,
        mergedAt,
        mergedBy: author,
        mergeCommitSha: sha(r),
        commits: [commit],
        pushes: [{ at: createdAt - 2 * MINUTE, commits: [commit] }],
        review: { id: nextId(2_500_000_000), reviewer: teammateOf(r, author), at: mergedAt - 10 * MINUTE },
        expected: { linesAdded: counted(addedLines(files)), linesWithClaudeCode: 0 },
        assistedUndetectable: false,
      });
    }
  }

  // Claude Code in GitHub Actions: now and then a developer asks @claude on an issue; the Claude
  // GitHub App opens a PR from a claude/ branch, its commit naming the developer, and a teammate
  // merges it. The app credits it to the developer (evidence `claude_code_remote`).
  {
    const r = random.fork('claude-actions');
    const claudeBot: Actor = { ...CLAUDE_BOT, type: 'Bot' };
    const askers = developersList.filter((p) => p.claudeCode);
    const codeRepos = repositories.filter((x) => x.spec.language !== 'Markdown');
    for (let i = r.int(2, 8); i < days && askers.length > 0 && codeRepos.length > 0; i += r.int(5, 12)) {
      const person = r.pick(askers);
      const repo = r.pick(codeRepos);
      const createdAt = day0 + i * DAY + (9 * 60 + r.int(0, 480)) * MINUTE;
      const e = fileEdit(r, repo, r.int(6, 24), false);
      const change = fileChange(e, writeCode({ ...e.args, target: e.target }));
      const title = titleFor(r, repo);
      const issue = r.int(40, 400);
      const commit: PlannedCommit = {
        sha: sha(r),
        parents: [sha(r)],
        message: `${title}\n\nFixes #${issue}\n\nCo-authored-by: ${person.name} <${person.id}+${person.login}@users.noreply.github.com>`,
        author: claudeBot,
        at: createdAt - 3 * MINUTE,
        files: [change],
        byClaudeCode: false,
      };
      const merger = teammateOf(r, person, person.team);
      const mergedAt = createdAt + r.int(30, 1440) * MINUTE;
      const lines = counted(addedLines([change]));
      pullRequests.push({
        id: 0,
        number: 0,
        repository: repo,
        author: claudeBot,
        title,
        body: `Fixes #${issue}, as @${person.login} asked.\n\n${GENERATED_WITH_CLAUDE_CODE}`,
        branch: `claude/issue-${issue}-${utcDay(createdAt).replace(/-/g, '')}`,
        kind: 'feature',
        createdAt,
        closedAt: mergedAt,
        mergedAt,
        mergedBy: merger,
        mergeCommitSha: sha(r),
        commits: [commit],
        pushes: [{ at: createdAt - 2 * MINUTE, commits: [commit] }],
        review: { id: nextId(2_500_000_000), reviewer: merger, at: mergedAt - r.int(1, 20) * MINUTE },
        expected: { linesAdded: lines, linesWithClaudeCode: lines },
        assistedUndetectable: false,
        creditedTo: person,
      });
    }
  }

  // Nothing happens after now: later PRs are dropped, later merges and reviews have not happened yet.
  // Work whose Claude Code session is still going is left out with it.
  const cutoff = now - 5 * MINUTE;
  const settled = (x: PlannedPullRequest | DirectPush) => (sessionOf.get(x)?.endedAt ?? 0) <= cutoff;
  const keptSessions = sessions.filter((s) => s.endedAt <= cutoff);
  const keptPrs = pullRequests
    .filter((p) => p.createdAt <= cutoff && p.pushes.every((x) => x.at <= cutoff) && settled(p))
    .map((p) => {
      if (p.closedAt !== null && p.closedAt > cutoff) {
        p.closedAt = null;
        p.mergedAt = null;
        p.mergedBy = null;
        p.mergeCommitSha = null;
      }
      if (p.review && (p.review.at > cutoff || p.mergedAt === null)) p.review = null;
      return p;
    });
  const keptPushes = directPushes.filter((d) => d.at <= cutoff && settled(d));
  // A session that ended before now may have opened a PR just now: that PR is not in the history yet.
  const keptPrSet = new Set(keptPrs);
  for (const s of keptSessions) {
    for (const step of s.steps) if (step.kind === 'bash' && step.pullRequest && !keptPrSet.has(step.pullRequest)) delete step.pullRequest;
  }

  // Numbers and ids in the order GitHub would hand them out.
  keptPrs.sort((a, b) => a.createdAt - b.createdAt);
  const nextNumber = new Map(repositories.map((repo, i) => [repo.name, 120 + i * 211]));
  keptPrs.forEach((p, i) => {
    p.id = 1_900_000_000 + (i + 1) * 17;
    p.number = nextNumber.get(p.repository.name)!;
    nextNumber.set(p.repository.name, p.number + 1);
  });
  for (const p of keptPrs) {
    if (p.kind !== 'revert') continue;
    p.body = p.body.replace(/#\{number:([^}]+)\}/, (_, branch: string) => `#${keptPrs.find((o) => o.branch === branch)?.number ?? ''}`);
  }
  keptSessions.sort((a, b) => a.startedAt - b.startedAt);
  keptPushes.sort((a, b) => a.at - b.at);

  return {
    org: { ...DEMO_ORG },
    installationId: DEMO_INSTALLATION_ID,
    installedAt,
    now,
    days: dayList,
    people,
    signIn: { owner, member, outsider },
    viewerTeam: VIEWER_TEAM,
    bot,
    repositories,
    pullRequests: keptPrs,
    directPushes: keptPushes,
    sessions: keptSessions,
  };

  function newSession(r: Random, person: DemoPerson, repo: DemoRepository, startedAt: number, subfolder: string): PlannedSession {
    const root = `/home/${person.login}/src/${repo.name}`;
    return { id: r.uuid(), person, repository: repo, cwd: subfolder ? `${root}/${subfolder}` : root, subfolder, startedAt, endedAt: startedAt, steps: [], apiRequests: [] };
  }

  function prompt(r: Random, session: PlannedSession, at: number) {
    session.steps.push({ kind: 'prompt', at, promptId: r.uuid(), length: r.int(20, 600) });
  }

  /** The model calls behind a session's steps, priced at list price. */
  function finishSession(r: Random, session: PlannedSession) {
    const profile = session.person.claudeCode!;
    const work = session.steps.filter((s) => s.kind !== 'prompt').length;
    const n = 3 + work * 2 + r.int(0, 8);
    const span = Math.max(MINUTE, session.endedAt - session.startedAt);
    for (let i = 0; i < n; i++) {
      const model = r.chance(0.18) ? 'claude-haiku-4-5' : profile.model;
      const [pin, pout, pread, pwrite] = MODEL_PRICES[model]!;
      const inputTokens = r.int(200, 6000);
      const outputTokens = r.int(80, 2400);
      const cacheReadTokens = i === 0 ? 0 : r.int(4000, 80000);
      const cacheCreationTokens = r.chance(0.3) ? r.int(500, 9000) : 0;
      const costUsd = Math.round(((inputTokens * pin + outputTokens * pout + cacheReadTokens * pread + cacheCreationTokens * pwrite) / 1e6) * 1e6) / 1e6;
      session.apiRequests.push({
        at: session.startedAt + Math.floor(((i + 0.5) / n) * span),
        model,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheCreationTokens,
        costUsd,
        durationMs: r.int(800, 30000),
      });
    }
  }
}

function newPath(r: Random, repo: DemoRepository, existing: string[]): string {
  const { domain, dirs, extension, language } = repo.spec;
  for (let i = 0; i < 100; i++) {
    const words = [r.pick(domain.nouns), r.pick([...domain.verbs, ...domain.qualifiers])];
    const base = language === 'Python' || language === 'Go' ? words.join('_') : words.join('-');
    const path = `${r.pick(dirs)}/${base}${extension}`;
    if (!existing.includes(path)) return path;
  }
  return `${r.pick(dirs)}/${r.hex(6)}${extension}`;
}

/** Sometimes Claude Code runs in a subfolder: file paths are then relative to it (the app matches by suffix). */
function subfolderFor(r: Random, repo: DemoRepository, paths: string[]): string {
  const first = paths[0]!.split('/')[0]!;
  return paths.every((p) => p.startsWith(`${first}/`)) && r.chance(0.12) ? first : '';
}

function toolUseId(r: Random): string {
  return `toolu_01${r.hex(22)}`;
}

function slug(r: Random, repo: DemoRepository): string {
  return `${r.pick(repo.spec.domain.verbs)}-${r.pick(repo.spec.domain.qualifiers)}-${r.pick(repo.spec.domain.nouns)}s`;
}

function titleFor(r: Random, repo: DemoRepository): string {
  const d = repo.spec.domain;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return r.pick([
    () => `${cap(r.pick(d.verbs))} ${r.pick(d.qualifiers)} ${r.pick(d.nouns)}s in batches`,
    () => `Add ${r.pick(d.fields)} to ${r.pick(d.nouns)} ${r.pick(['summaries', 'exports', 'events', 'responses'])}`,
    () => `Fix ${r.pick(d.nouns)} ${r.pick(d.fields)} when the ${r.pick(d.nouns)} is ${r.pick(d.qualifiers)}`,
    () => `${cap(r.pick(d.verbs))} ${r.pick(d.nouns)}s before ${gerund(r.pick(d.verbs))} ${r.pick(d.nouns)}s`,
    () => `Handle ${r.pick(d.qualifiers)} ${r.pick(d.nouns)}s in ${r.pick(d.nouns)} ${r.pick(d.verbs)}`,
    () => `Refactor ${r.pick(d.nouns)} ${r.pick(d.verbs)} into its own module`,
  ])();
}

function prBody(r: Random, title: string, byClaudeCode: boolean): string {
  const summary = `## Summary\n- ${title}\n- ${r.pick(['Adds tests for the edge cases', 'Keeps the old behaviour behind a flag', 'Logs the outcome once per batch', 'No migration needed'])}`;
  return byClaudeCode ? `${summary}\n\n## Test plan\n- [x] Unit tests pass\n\n${GENERATED_WITH_CLAUDE_CODE}` : summary;
}

function testCommand(repo: DemoRepository): string {
  switch (repo.spec.language) {
    case 'Python':
      return 'pytest -q';
    case 'Go':
      return 'go test ./...';
    case 'Markdown':
      return 'npx markdownlint-cli2 "**/*.md"';
    default:
      return 'npm test';
  }
}
