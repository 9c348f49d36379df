import type { Actor, DemoPerson, DemoPlan, DemoRepository, FileChange, PlannedCommit, PlannedPullRequest } from '../demo/demo-plan.js';
import type { RepositorySpec } from '../demo/demo-roster.js';

/*
 * What the freshness benchmark sends while the app serves the generated synthetic org
 * (bench/processing-child.ts): the PRs merged during a phase, each with its one commit and files as
 * the stand-in GitHub serves them, and, for a PR whose lines Claude Code wrote, the hook calls of
 * its author's session that wrote them. Every line is text the app fingerprints itself, so a PR's
 * attribution is decided by the app's own matching; `expected` is what it must find.
 *
 * The synthetic org's facts are repeated here: org `synthetic` installed as installation 1, 50
 * repositories `repo-N` (id 1000 + N), developer `dev-N` (id 10000 + N, email
 * `dev-N@synthetic.example`, linked to the login), and 60% of developers (N mod 10 < 6) using Claude Code.
 */

export const ORG = 'synthetic';
export const INSTALLATION_ID = 1;
const REPOS = 50;
export const claudeUser = (dev: number) => dev % 10 < 6;
export const developerEmail = (dev: number) => `dev-${dev}@synthetic.example`;
/** A Claude Code user's session works in one repository, as in the synthetic org: their PRs with Claude Code land there. */
export const homeRepository = (dev: number) => dev % REPOS;
export const sessionCwd = (dev: number) => `/home/dev-${dev}/src/repo-${homeRepository(dev)}`;

export interface LivePullRequest {
  planned: PlannedPullRequest;
  dev: number;
  /** Seconds after the phase starts. */
  mergeAt: number;
  /** The hook calls (PostToolUse bodies) of the author's session that wrote this PR's Claude Code lines. */
  hookCalls: object[];
  expected: { withClaudeCode: boolean; linesAdded: number; linesWithClaudeCode: number };
}

/** mulberry32: deterministic, so every run sends the same PRs. */
export function seeded(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Two vocabularies without a shared syllable: a person's line never comes within the similarity
// rule's 20% of a line Claude Code wrote, so a PR's expected lines are exactly those it took from a session.
const CLAUDE_SYLLABLES = ['ka', 'lo', 'mi', 'ru', 'te', 'zan', 'vor', 'quil', 'dex', 'bra'];
const PERSON_SYLLABLES = ['ph', 'yg', 'wok', 'sn', 'uf', 'ix', 'gh', 'jeb', 'cyr', 'oow'];
function word(random: () => number, syllables: string[], parts = 2 + Math.floor(random() * 3)): string {
  return Array.from({ length: parts }, () => syllables[Math.floor(random() * syllables.length)]!).join('');
}
const capital = (w: string) => w[0]!.toUpperCase() + w.slice(1);

/** A line of code as Claude Code writes it in the benchmark; `tag` (PR, file, line) makes it unique in the org. */
export function claudeLine(random: () => number, tag: string): string {
  const w = () => word(random, CLAUDE_SYLLABLES);
  return `    const ${w()}${capital(w())}${tag} = await ${w()}Store.${w()}${capital(w())}(${w()}, ${w()}Options);`;
}

/** A line a person writes, in words Claude Code's lines never use. */
export function personLine(random: () => number, tag: string): string {
  const w = () => word(random, PERSON_SYLLABLES);
  return `  if (${w()}_${w()} >= ${tag}) return ${w()}${capital(w())}.${w()}("${w()} ${w()}");`;
}

function addedFile(path: string, lines: string[]): FileChange {
  return { path, status: 'added', hunks: [{ oldStart: 0, newStart: 1, lines: lines.map((l) => `+${l}`) }], excluded: false };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function actor(dev: number): Actor {
  return { login: `dev-${dev}`, id: 10_000 + dev, name: `Developer ${dev}`, email: developerEmail(dev), type: 'User' };
}

function repository(r: number): DemoRepository {
  // The stand-in GitHub reads a repository's id and names; the demo's roster spec is not used.
  return { id: 1000 + r, name: `repo-${r}`, fullName: `${ORG}/repo-${r}`, spec: { name: `repo-${r}` } as RepositorySpec, createdAt: Date.parse('2025-01-01T00:00:00Z') };
}

/** A Write hook call as Claude Code's PostToolUse hook sends it. */
export function writeCall({ sessionId, dev, path, lines, toolUseId }: { sessionId: string; dev: number; path: string; lines: string[]; toolUseId: string }): object {
  const cwd = sessionCwd(dev);
  const filePath = `${cwd}/${path}`;
  const content = `${lines.join('\n')}\n`;
  return {
    session_id: sessionId,
    transcript_path: `/home/dev-${dev}/.claude/projects/${cwd.replace(/\//g, '-')}/${sessionId}.jsonl`,
    cwd,
    permission_mode: 'acceptEdits',
    hook_event_name: 'PostToolUse',
    tool_name: 'Write',
    tool_input: { file_path: filePath, content },
    tool_response: { type: 'create', filePath, content, structuredPatch: [], originalFile: null, userModified: false },
    tool_use_id: toolUseId,
    duration_ms: 5,
  };
}

export const sessionIdOf = (phase: string, dev: number) => `live-${phase}-dev-${dev}`;

/**
 * The PRs merged during one phase: one every 2-5 s (uniformly drawn) for `seconds`. About half are
 * Claude Code users' PRs taking lines from their session (75% of a Claude Code user's PRs, as in
 * the synthetic org): a file Claude Code wrote whole, and one it wrote where the person dropped a
 * few of its lines and added their own. The rest are people's lines only.
 */
export function planPhase({ phase, developers, seconds, firstNumber, seed }: { phase: string; developers: number; seconds: number; firstNumber: number; seed: number }): LivePullRequest[] {
  const random = seeded(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const prs: LivePullRequest[] = [];
  let at = 2 + random() * 3;
  for (let k = 0; at <= seconds; k++, at += 2 + random() * 3) {
    const number = firstNumber + k;
    const dev = Math.floor(random() * developers);
    const withClaudeCode = claudeUser(dev) && random() < 0.75;
    const repo = withClaudeCode ? homeRepository(dev) : Math.floor(random() * REPOS);
    const files: FileChange[] = [];
    const hookCalls: object[] = [];
    let linesWithClaudeCode = 0;
    let linesAdded = 0;
    const dir = `src/live/pr-${number}`;
    if (withClaudeCode) {
      const sessionId = sessionIdOf(phase, dev);
      const whole = Array.from({ length: between(20, 60) }, (_, i) => claudeLine(random, `${number}x1x${i}`));
      const written = Array.from({ length: between(10, 30) }, (_, i) => claudeLine(random, `${number}x2x${i}`));
      const kept = written.slice(0, written.length - between(0, 5));
      const own = Array.from({ length: between(5, 20) }, (_, i) => personLine(random, `${number}.${i}`));
      files.push(addedFile(`${dir}/service.ts`, whole), addedFile(`${dir}/handler.ts`, [...kept, ...own]));
      hookCalls.push(
        writeCall({ sessionId, dev, path: `${dir}/service.ts`, lines: whole, toolUseId: `toolu_live_${phase}_${number}_1` }),
        writeCall({ sessionId, dev, path: `${dir}/handler.ts`, lines: written, toolUseId: `toolu_live_${phase}_${number}_2` }),
      );
      linesWithClaudeCode = whole.length + kept.length;
      linesAdded = whole.length + kept.length + own.length;
    } else {
      for (let f = 0; f < between(1, 2); f++) {
        const lines = Array.from({ length: between(10, 60) }, (_, i) => personLine(random, `${number}.${f}${i}`));
        files.push(addedFile(`${dir}/part-${f}.ts`, lines));
        linesAdded += lines.length;
      }
    }
    const author = actor(dev);
    const commit: PlannedCommit = {
      sha: hex(0xfeed0000 + number, 40),
      parents: [hex(0xba5e0000 + number, 40)],
      message: `Live change ${number}`,
      author,
      at: 0, // set when the phase starts
      files,
      byClaudeCode: false,
    };
    prs.push({
      planned: {
        id: 50_000_000 + number,
        number,
        repository: repository(repo),
        author,
        title: `Live change ${number}`,
        body: '',
        branch: `live/${number}`,
        kind: 'feature',
        createdAt: 0,
        draft: null,
        closedAt: null,
        mergedAt: null,
        mergedBy: author,
        mergeCommitSha: hex(0xadd0000 + number, 40),
        commits: [commit],
        pushes: [{ at: 0, commits: [commit] }],
        review: null,
        otherReviews: [],
        expected: { linesAdded, linesWithClaudeCode },
        assistedUndetectable: false,
      },
      dev,
      mergeAt: at,
      hookCalls,
      expected: { withClaudeCode: linesWithClaudeCode > 0, linesAdded, linesWithClaudeCode },
    });
  }
  return prs;
}

/** Sets a PR's times from the moment its phase started: commit and opening 20 min before the merge. */
export function datePullRequest(pr: LivePullRequest, phaseStartMs: number): void {
  const merged = phaseStartMs + pr.mergeAt * 1000;
  pr.planned.createdAt = merged - 20 * 60_000;
  pr.planned.pushes[0]!.at = merged - 21 * 60_000;
  pr.planned.commits[0]!.at = merged - 25 * 60_000;
}

/** Marks a PR merged at `at` (before its webhook is built). */
export function mergePullRequest(pr: LivePullRequest, at: number): void {
  pr.planned.mergedAt = at;
  pr.planned.closedAt = at;
}

/** The stand-in GitHub's view of the synthetic org: its repositories, developers and the PRs of every phase. */
export function standInPlan({ developers, pullRequests }: { developers: number; pullRequests: PlannedPullRequest[] }): DemoPlan {
  const people: DemoPerson[] = Array.from({ length: developers }, (_, dev) => ({
    ...actor(dev),
    team: 'platform',
    teams: [],
    telemetryTeam: 'platform',
    role: dev === 0 ? 'admin' : 'member',
    developer: true,
    terminal: 'xterm',
    claudeCode: null,
  }));
  return {
    org: { login: ORG, id: 1, name: 'Synthetic' },
    installationId: INSTALLATION_ID,
    installedAt: Date.parse('2025-01-01T00:00:00Z'),
    now: Date.now(),
    days: [],
    people,
    signIn: { owner: people[0]!, member: people[1] ?? people[0]!, outsider: people[0]! },
    viewerTeam: '',
    bot: { login: 'claude[bot]', id: 9_999_999, name: 'Claude', email: '', type: 'Bot' },
    repositories: Array.from({ length: REPOS }, (_, r) => repository(r)),
    pullRequests,
    directPushes: [],
    sessions: [],
    plantedEffects: { cycleTimeHoursDifference: 0, revertRate: { withClaudeCode: 0, withoutClaudeCode: 0 }, costPerPullRequestUsd: {}, followUpShare: { withClaudeCode: 0, withoutClaudeCode: 0 } },
  };
}
