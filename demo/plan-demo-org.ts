import { createHash } from 'node:crypto';
import type { Actor, DemoPerson, DemoPlan, DemoRepository, DirectPush, FileChange, PlannedCommit, PlannedPullRequest, PlannedSession } from './demo-plan.js';
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
  type RosterEntry,
  type Team,
} from './demo-roster.js';
import { fileChange, newPath, planFileEdit } from './plan-file-edit.js';
import { planChurn } from './plan-churn.js';
import { planExploratorySession } from './plan-session.js';
import { DEMO_OUTCOME_EFFECTS, GENERATED_WITH_CLAUDE_CODE, plannedMergeAt, planWorkItem, titleFor } from './plan-work-item.js';
import { addedLines, counted, DAY, HOUR, MINUTE, sha, teammateOf, utcDay, type Planning } from './planning.js';
import { createRandom, type Random } from './random.js';
import { LineRegistry, writeCode } from './synthetic-code.js';

/*
 * The demo organization's whole history, planned up front as plain data (`DemoPlan`). Sending it to
 * the app (webhooks, telemetry, hook calls) and answering GitHub's REST calls are separate steps;
 * this module does no I/O.
 */

export interface DemoPlanOptions {
  /** The demo ends on this instant's UTC day; nothing happens after it. */
  now: Date;
  seed?: number;
  /** Developers (the first ones of the roster; at most 25). */
  developers?: number;
  /** Days of history, ending today. */
  days?: number;
}

/** Plans the demo organization. The same options give the same plan. */
export function planDemoOrg(options: DemoPlanOptions): DemoPlan {
  const planning = startPlanning(options);
  planDevelopersDays({ planning });
  planWeeklyReleases({ planning });
  planDependabotBumps({ planning });
  const revertRate = planReverts({ planning });
  planClaudeCodeInActions({ planning });
  const followUpShare = planChurn({ planning });
  const history = keepWhatHasHappened({ planning });
  numberLikeGitHub({ planning, history });
  const costPerPullRequestUsd = plantSpendPerPullRequest(history);
  const { people, developers, owner, bot, repositories, day0, days } = planning;
  return {
    org: { ...DEMO_ORG },
    installationId: DEMO_INSTALLATION_ID,
    installedAt: day0 - DAY + 10 * HOUR,
    now: planning.now,
    days: Array.from({ length: days }, (_, i) => utcDay(day0 + i * DAY)),
    people,
    signIn: { owner, member: developers.find((p) => p.role === 'member') ?? owner, outsider: people.find((p) => !p.developer)! },
    viewerTeam: VIEWER_TEAM,
    bot,
    repositories,
    ...history,
    plantedEffects: { cycleTimeHoursDifference: -DEMO_OUTCOME_EFFECTS.cycleTimeHoursSooner, revertRate, costPerPullRequestUsd, followUpShare },
  };
}

/** 1. The calendar, the people, the repositories and the files they already have; empty lists for the history. */
function startPlanning({ now: nowDate, seed = 20_251_121, developers = DEVELOPERS.length, days = 60 }: DemoPlanOptions): Planning {
  if (developers < 1 || developers > DEVELOPERS.length) throw new RangeError(`developers must be 1…${DEVELOPERS.length}`);
  if (days < 14 || days > 120) throw new RangeError('days must be 14…120');
  const now = nowDate.getTime();
  const random = createRandom(seed);
  const day0 = Date.parse(`${utcDay(now)}T00:00:00Z`) - (days - 1) * DAY;
  let idSeq = 0;
  const people = planPeople({ random, developers, days });
  const repositories = planRepositories({ day0 });
  return {
    random,
    now,
    days,
    day0,
    registry: new LineRegistry(),
    nextId: (base) => base + ++idSeq,
    people,
    developers: people.filter((p) => p.developer),
    owner: people.find((p) => p.role === 'admin')!,
    bot: { ...BOT, type: 'Bot' },
    repositories,
    repoByName: new Map(repositories.map((r) => [r.name, r])),
    filesOf: planExistingFiles({ random, repositories }),
    pullRequests: [],
    directPushes: [],
    sessions: [],
    sessionOf: new Map(),
  };
}

/** Developers and a non-developer member, all in the org; developers in team `engineering`. */
function planPeople({ random, developers, days }: { random: Random; developers: number; days: number }): DemoPerson[] {
  const roster: RosterEntry[] = [...DEVELOPERS.slice(0, developers), ...OTHER_MEMBERS];
  return roster.map((r, i) => {
    const developer = !OTHER_MEMBERS.includes(r);
    const personRandom = random.fork(`person:${r.login}`);
    const a = r.adoption;
    const email = `${r.login}@${EMAIL_DOMAIN}`;
    const linux = r.terminal === 'xterm' || r.terminal === 'tmux';
    return {
      login: r.login,
      id: 9_100_011 + i * 7_919,
      name: r.name,
      email,
      type: 'User',
      team: developer ? r.team : 'design',
      teams: developer ? [VIEWER_TEAM, r.team, ...(r.alsoIn ? [r.alsoIn] : [])] : ['design'],
      telemetryTeam: r.telemetryTeam ?? (developer ? r.team : 'design'),
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
            osType: linux ? 'linux' : 'darwin',
            osVersion: linux ? '6.8.0-49-generic' : '24.6.0',
            hostArch: linux ? 'amd64' : 'arm64',
          }
        : null,
    };
  });
}

function planRepositories({ day0 }: { day0: number }): DemoRepository[] {
  return REPOSITORIES.map((spec, i) => ({
    id: 7_300_101 + i * 13,
    name: spec.name,
    fullName: `${DEMO_ORG.login}/${spec.name}`,
    spec,
    createdAt: day0 - (400 + i * 97) * DAY,
  }));
}

/** Files each repository already has, which later work modifies. */
function planExistingFiles({ random, repositories }: { random: Random; repositories: DemoRepository[] }): Map<string, string[]> {
  const filesOf = new Map<string, string[]>();
  for (const repository of repositories) {
    const r = random.fork(`files:${repository.name}`);
    const existing: string[] = [];
    for (let i = 0; i < 12; i++) existing.push(newPath({ random: r, repository, existing }));
    filesOf.set(repository.name, existing);
  }
  return filesOf;
}

/** 2. Each developer's days: work items (some with Claude Code, more as they get used to it), exploratory sessions. */
function planDevelopersDays({ planning }: { planning: Planning }) {
  const { random, days, day0, repoByName, repositories } = planning;
  for (const person of planning.developers) {
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
        const repository = r.weighted([[home, 85], [repoByName.get('handbook')!, 6], [r.pick(repositories.slice(0, 4)), 9]] as const);
        const withClaudeCode = using && r.chance(profile!.intensity * (0.55 + 0.45 * ramp));
        const asDirectPush = repository.spec.language === 'Markdown' && r.chance(0.6);
        planWorkItem({ planning, random: r, person, repository, start, withClaudeCode, asDirectPush });
      }
      if (using && r.chance(0.5 * profile!.intensity)) {
        planExploratorySession({ planning, random: r, person, repository: home, start: dayStart + (13 * 60 + r.int(0, 240)) * MINUTE });
      }
    }
  }
}

/** 3. A weekly release tag pushed straight to the gateway's main branch by a platform owner. */
function planWeeklyReleases({ planning }: { planning: Planning }) {
  const { days, day0 } = planning;
  const releaser = planning.developers.find((p) => p.team === 'platform') ?? planning.owner;
  const gateway = planning.repoByName.get('edge-gateway')!;
  const r = planning.random.fork('releases');
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
    planning.directPushes.push({ repository: gateway, at: at + 2 * MINUTE, pusher: releaser, commit, expected: { linesAdded: 2, linesWithClaudeCode: 0 } });
  }
}

/** 4. Dependabot: weekly version bumps, most merged by the owning team, some superseded and closed. */
function planDependabotBumps({ planning }: { planning: Planning }) {
  const { days, day0, bot } = planning;
  const r = planning.random.fork('dependabot');
  for (const repo of planning.repositories.filter((x) => x.spec.manifest)) {
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
      const merger = teammateOf({ planning, random: r, author: bot, team });
      const mergedAt = superseded ? null : createdAt + r.int(60, 2880) * MINUTE;
      planning.pullRequests.push({
        id: 0,
        number: 0,
        repository: repo,
        author: bot,
        title: `Bump ${pkg} from ${from} to ${to}`,
        body: `Bumps [${pkg}](https://github.com/${pkg}) from ${from} to ${to}.\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.`,
        branch: `dependabot/${repo.spec.language === 'Go' ? 'go_modules' : repo.spec.language === 'Python' ? 'pip' : 'npm_and_yarn'}/${pkg.replace(/[^a-z0-9]+/gi, '-')}-${to}`,
        kind: 'dependency',
        createdAt,
        draft: null,
        closedAt: superseded ? createdAt + 7 * DAY - HOUR : mergedAt,
        mergedAt,
        mergedBy: mergedAt ? merger : null,
        mergeCommitSha: mergedAt ? sha(r) : null,
        commits: [commit],
        pushes: [{ at: createdAt - MINUTE, commits: [commit] }],
        review: mergedAt ? { id: planning.nextId(2_500_000_000), reviewer: merger, at: mergedAt - r.int(1, 30) * MINUTE, state: 'approved' } : null,
        otherReviews: [],
        expected: { linesAdded: 1, linesWithClaudeCode: 0 },
        assistedUndetectable: false,
      });
    }
  }
}

/**
 * 5. A few merged changes that were reverted a day or two later: the planted share of those with
 * Claude Code and of those without (at least one of each kind). Returns the shares planted.
 */
function planReverts({ planning }: { planning: Planning }): { withClaudeCode: number; withoutClaudeCode: number } {
  const { days, day0 } = planning;
  const r = planning.random.fork('reverts');
  const candidates = planning.pullRequests.filter(
    (p) => p.kind === 'feature' && p.mergedAt !== null && p.mergedAt > day0 + 5 * DAY && p.mergedAt < day0 + (days - 10) * DAY,
  );
  const pick = (withClaudeCode: boolean) => {
    const kind = candidates.filter((p) => p.expected.linesWithClaudeCode > 0 === withClaudeCode);
    const rate = withClaudeCode ? DEMO_OUTCOME_EFFECTS.revertRate.withClaudeCode : DEMO_OUTCOME_EFFECTS.revertRate.withoutClaudeCode;
    return r.shuffle(kind).slice(0, kind.length === 0 ? 0 : Math.max(1, Math.round(rate * kind.length)));
  };
  const reverted = [...pick(true), ...pick(false)];
  const share = (withClaudeCode: boolean) => {
    const kind = candidates.filter((p) => p.expected.linesWithClaudeCode > 0 === withClaudeCode);
    return kind.length === 0 ? 0 : reverted.filter((p) => kind.includes(p)).length / kind.length;
  };
  const planted = { withClaudeCode: share(true), withoutClaudeCode: share(false) };
  for (const original of reverted) {
    const author = teammateOf({ planning, random: r, author: original.author, team: (original.author as DemoPerson).team });
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
    planning.pullRequests.push({
      id: 0,
      number: 0,
      repository: original.repository,
      author,
      title: `Revert "${original.title}"`,
      // The original's number is known once every PR is numbered (`numberLikeGitHub`).
      body: `Reverts ${original.repository.fullName}#{number:${original.branch}}\n\nIt broke the nightly run; reverting while we look into it.`,
      branch: `revert-${original.branch.replace(/\//g, '-')}`,
      kind: 'revert',
      createdAt,
      draft: null,
      closedAt: mergedAt,
      mergedAt,
      mergedBy: author,
      mergeCommitSha: sha(r),
      commits: [commit],
      pushes: [{ at: createdAt - 2 * MINUTE, commits: [commit] }],
      review: { id: planning.nextId(2_500_000_000), reviewer: teammateOf({ planning, random: r, author }), at: mergedAt - 10 * MINUTE, state: 'approved' },
      otherReviews: [],
      expected: { linesAdded: counted(addedLines(files)), linesWithClaudeCode: 0 },
      assistedUndetectable: false,
    });
  }
  return planted;
}

/**
 * 6. Claude Code in GitHub Actions: now and then a developer asks @claude on an issue; the Claude
 * GitHub App opens a PR from a claude/ branch, its commit naming the developer, and a teammate
 * merges it. The app credits it to the developer (evidence `claude_code_remote`).
 */
function planClaudeCodeInActions({ planning }: { planning: Planning }) {
  const { days, day0 } = planning;
  const r = planning.random.fork('claude-actions');
  const claudeBot: Actor = { ...CLAUDE_BOT, type: 'Bot' };
  const askers = planning.developers.filter((p) => p.claudeCode);
  const codeRepos = planning.repositories.filter((x) => x.spec.language !== 'Markdown');
  for (let i = r.int(2, 8); i < days && askers.length > 0 && codeRepos.length > 0; i += r.int(5, 12)) {
    const person = r.pick(askers);
    const repository = r.pick(codeRepos);
    const createdAt = day0 + i * DAY + (9 * 60 + r.int(0, 480)) * MINUTE;
    const edit = planFileEdit({ planning, random: r, repository, lines: r.int(6, 24), preferNew: false });
    const change = fileChange(edit, writeCode({ ...edit.args, target: edit.target }));
    const title = titleFor({ random: r, repository });
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
    const merger = teammateOf({ planning, random: r, author: person, team: person.team });
    const mergedAt = plannedMergeAt({ planning, random: r, person, firstCommitAt: commit.at, notBefore: createdAt, withClaudeCode: true });
    const lines = counted(addedLines([change]));
    planning.pullRequests.push({
      id: 0,
      number: 0,
      repository,
      author: claudeBot,
      title,
      body: `Fixes #${issue}, as @${person.login} asked.\n\n${GENERATED_WITH_CLAUDE_CODE}`,
      branch: `claude/issue-${issue}-${utcDay(createdAt).replace(/-/g, '')}`,
      kind: 'feature',
      createdAt,
      draft: null,
      closedAt: mergedAt,
      mergedAt,
      mergedBy: merger,
      mergeCommitSha: sha(r),
      commits: [commit],
      pushes: [{ at: createdAt - 2 * MINUTE, commits: [commit] }],
      review: { id: planning.nextId(2_500_000_000), reviewer: merger, at: mergedAt - r.int(1, 20) * MINUTE, state: 'approved' },
      otherReviews: [],
      expected: { linesAdded: lines, linesWithClaudeCode: lines },
      assistedUndetectable: false,
      creditedTo: person,
    });
  }
}

/**
 * 7. Nothing happens after now: later PRs are dropped, later merges and reviews have not happened
 * yet. Work whose Claude Code session is still going is left out with it.
 */
function keepWhatHasHappened({ planning }: { planning: Planning }): Pick<DemoPlan, 'pullRequests' | 'directPushes' | 'sessions'> {
  const cutoff = planning.now - 5 * MINUTE;
  const settled = (x: PlannedPullRequest | DirectPush) => (planning.sessionOf.get(x)?.endedAt ?? 0) <= cutoff;
  const sessions = planning.sessions.filter((s) => s.endedAt <= cutoff);
  const pullRequests = planning.pullRequests
    .filter((p) => p.createdAt <= cutoff && p.pushes.every((x) => x.at <= cutoff) && settled(p))
    .map((p) => {
      if (p.closedAt !== null && p.closedAt > cutoff) {
        p.closedAt = null;
        p.mergedAt = null;
        p.mergedBy = null;
        p.mergeCommitSha = null;
      }
      if (p.review && (p.review.at > cutoff || p.mergedAt === null)) p.review = null;
      p.otherReviews = p.review ? p.otherReviews.filter((x) => x.at <= cutoff) : [];
      if (p.draft?.readyForReviewAt && p.draft.readyForReviewAt > cutoff) p.draft = { readyForReviewAt: null };
      return p;
    });
  const directPushes = planning.directPushes.filter((d) => d.at <= cutoff && settled(d));
  // A session that ended before now may have opened a PR just now: that PR is not in the history yet.
  const kept = new Set(pullRequests);
  for (const s of sessions) {
    for (const step of s.steps) if (step.kind === 'bash' && step.pullRequest && !kept.has(step.pullRequest)) delete step.pullRequest;
  }
  return { pullRequests, directPushes, sessions };
}

/** 8. Numbers and ids in the order GitHub would hand them out; everything else in time order. */
function numberLikeGitHub({ planning, history }: { planning: Planning; history: Pick<DemoPlan, 'pullRequests' | 'directPushes' | 'sessions'> }) {
  const { pullRequests } = history;
  pullRequests.sort((a, b) => a.createdAt - b.createdAt);
  const nextNumber = new Map(planning.repositories.map((repo, i) => [repo.name, 120 + i * 211]));
  pullRequests.forEach((p, i) => {
    p.id = 1_900_000_000 + (i + 1) * 17;
    p.number = nextNumber.get(p.repository.name)!;
    nextNumber.set(p.repository.name, p.number + 1);
  });
  for (const p of pullRequests) {
    if (p.kind !== 'revert') continue;
    p.body = p.body.replace(/#\{number:([^}]+)\}/, (_, branch: string) => `#${pullRequests.find((o) => o.branch === branch)?.number ?? ''}`);
  }
  history.sessions.sort((a, b) => a.startedAt - b.startedAt);
  history.directPushes.sort((a, b) => a.at - b.at);
}

/**
 * 9. Spend per PR, planted: each person's Claude Code spend over the history (every API request
 * of their sessions, scaled alike and kept to whole micro-dollars) is set so that it divided by
 * their PRs merged with Claude Code is their model's planted cost per PR (the token counts stay as
 * drawn). Returns it per person it was planted for.
 */
function plantSpendPerPullRequest(history: Pick<DemoPlan, 'pullRequests' | 'sessions'>): Record<string, number> {
  const planted: Record<string, number> = {};
  const prsWithClaudeCode = new Map<string, number>();
  for (const p of history.pullRequests) {
    if (p.mergedAt === null || p.expected.linesWithClaudeCode === 0) continue;
    const login = (p.creditedTo ?? p.author).login;
    prsWithClaudeCode.set(login, (prsWithClaudeCode.get(login) ?? 0) + 1);
  }
  const sessionsOf = new Map<DemoPerson, PlannedSession[]>();
  for (const s of history.sessions) sessionsOf.set(s.person, [...(sessionsOf.get(s.person) ?? []), s]);
  for (const [person, sessions] of sessionsOf) {
    const n = prsWithClaudeCode.get(person.login) ?? 0;
    const requests = sessions.flatMap((s) => s.apiRequests);
    const spent = requests.reduce((sum, q) => sum + q.costUsd, 0);
    // Someone whose telemetry names a personal address is linked to their login only by their
    // sessions' commits, if ever: their spend is the org's but maybe not theirs, so none is planted.
    if (n === 0 || spent === 0 || person.claudeCode!.telemetryEmail !== person.email) continue;
    const target = DEMO_OUTCOME_EFFECTS.costPerPullRequestUsd[person.claudeCode!.model]!;
    const factor = (target * n) / spent;
    for (const q of requests) q.costUsd = Math.round(q.costUsd * factor * 1e6) / 1e6;
    planted[person.login] = target;
  }
  return planted;
}
