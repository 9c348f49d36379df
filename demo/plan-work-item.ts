import { CLAUDE_BOT } from './demo-roster.js';
import type { DemoPerson, DemoRepository, PlannedCommit, PlannedPullRequest, PlannedReview, PlannedSession, SessionStep } from './demo-plan.js';
import { fileChange, hunkOf, planFileEdit, type FileEdit } from './plan-file-edit.js';
import { addApiRequests, addPrompt, sessionClock, startSession, subfolderFor, testCommand, toolUseId } from './plan-session.js';
import { addedLines, counted, DAY, HOUR, MINUTE, sha, teammateOf, type Planning } from './planning.js';
import type { Random } from './random.js';
import { isCountedLine, reviseLine, writeCode } from './synthetic-code.js';

/*
 * One piece of a developer's work: a few files changed, optionally with a Claude Code session,
 * ending in a pull request or a direct push. Each step below draws from the work's own random
 * source in the order written, so the same seed gives the same work.
 */

const CLAUDE_TRAILERS = [
  'Co-Authored-By: Claude <noreply@anthropic.com>',
  'Co-Authored-By: Claude <noreply@anthropic.com>',
  'Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>',
  'Co-authored-by: Claude <noreply@anthropic.com>',
];
export const GENERATED_WITH_CLAUDE_CODE = '🤖 Generated with [Claude Code](https://claude.com/claude-code)';

/**
 * The effects the demo plants on outcomes, for its test to recover:
 * - cycle time: each person merges at their own pace (first commit → merge, drawn once per person),
 *   give or take an hour or two; a PR with lines written with Claude Code merges this many hours
 *   sooner than that (the same-author comparison's interval should hold it);
 * - reverts: of the PRs merged between the fifth day and ten days before the end, this share of
 *   those with Claude Code and of those without is reverted a day or two later;
 * - spend: each person's Claude Code spend over the history is set so that one of their PRs merged
 *   with Claude Code costs this much, by the model they use (Opus costs more per token); not for
 *   someone whose telemetry names a personal address (the app may not know it is theirs).
 */
export const DEMO_OUTCOME_EFFECTS = {
  cycleTimeHoursSooner: 8,
  revertRate: { withClaudeCode: 0.1, withoutClaudeCode: 0.04 },
  costPerPullRequestUsd: { 'claude-sonnet-4-5': 4, 'claude-opus-4-1': 12 } as Record<string, number>,
} as const;

/**
 * When a PR of `person`'s merges: their own pace after its first commit, ± 1.5 h, sooner by the planted
 * effect with Claude Code; never before `notBefore` (its last push, or its opening).
 */
export function plannedMergeAt(params: { planning: Planning; random: Random; person: DemoPerson; firstCommitAt: number; notBefore: number; withClaudeCode: boolean }): number {
  const { planning, random, person, firstCommitAt, notBefore, withClaudeCode } = params;
  // A fork by name: the person's pace does not depend on what was drawn before.
  const paceHours = planning.random.fork(`pace:${person.login}`).int(18, 40);
  const sooner = withClaudeCode ? DEMO_OUTCOME_EFFECTS.cycleTimeHoursSooner : 0;
  const at = firstCommitAt + (paceHours - sooner) * HOUR + random.int(-90, 90) * MINUTE;
  return Math.max(notBefore + random.int(10, 60) * MINUTE, at);
}

interface WorkItem {
  planning: Planning;
  random: Random;
  person: DemoPerson;
  repository: DemoRepository;
  start: number;
  withClaudeCode: boolean;
  asDirectPush: boolean;
}

/** Claude Code's part in the work: the files it writes, whether it commits them and opens the PR. */
interface ClaudeCodeShare {
  files: Set<FileEdit>;
  commits: boolean;
  opensPr: boolean;
}

/** What each file ends up adding, and which of those lines Claude Code wrote. */
interface WrittenLines {
  final: Map<FileEdit, string[]>;
  byClaudeCode: Map<FileEdit, string[]>;
  /** Per file Claude Code wrote: its counted lines that reach the commit unchanged. */
  survivingClaudeCodeLines: Map<FileEdit, number>;
}

/** What a Claude Code session did for the work, when it had one. */
interface SessionOutcome {
  session: PlannedSession;
  commit: PlannedCommit | undefined;
  pushAt: number | undefined;
  prStep: Extract<SessionStep, { kind: 'bash' }> | undefined;
}

/** Plans one piece of work and adds it (its PR or direct push, and its session) to the history. */
export function planWorkItem(work: WorkItem): void {
  const { random, person, repository } = work;
  const edits = chooseFileEdits(work);
  const share = chooseClaudeCodeShare({ ...work, edits });
  const lines = writeLines({ ...work, edits, share });
  const branch = `${person.login}/${slug({ random, repository })}`;
  const title = titleFor({ random, repository });
  const commits: PlannedCommit[] = [];
  const outcome = share.files.size > 0 && person.claudeCode ? planClaudeCodeSession({ ...work, edits, share, lines, branch, title, commits }) : undefined;
  // Writing it by hand takes a while.
  const doneAt = outcome ? outcome.session.endedAt : work.start + random.int(40, 240) * MINUTE;
  addDeveloperCommits({ ...work, edits, share, lines, outcome, title, commits, doneAt });
  const expected = expectedLines({ ...work, share, lines, outcome, commits });
  if (work.asDirectPush) addDirectPush({ ...work, commits, expected, outcome });
  else addPullRequest({ ...work, share, outcome, branch, title, commits, expected });
}

/** 1. The files the work changes (one for a direct push). */
function chooseFileEdits({ planning, random, repository, asDirectPush }: WorkItem): FileEdit[] {
  const nFiles = asDirectPush ? 1 : random.weighted([[1, 35], [2, 35], [3, 20], [4, 10]] as const);
  const edits: FileEdit[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < nFiles; i++) {
    const size =
      repository.spec.language === 'Markdown' ? random.int(3, 14) : random.weighted([[random.int(4, 12), 4], [random.int(12, 30), 4], [random.int(30, 70), 2]] as const);
    const edit = planFileEdit({ planning, random, repository, lines: size, preferNew: false });
    if (taken.has(edit.path)) continue;
    taken.add(edit.path);
    edits.push(edit);
  }
  return edits;
}

/** 2. Which files Claude Code writes; whether it commits them itself and opens the PR. */
function chooseClaudeCodeShare({ random, person, withClaudeCode, asDirectPush, edits }: WorkItem & { edits: FileEdit[] }): ClaudeCodeShare {
  const profile = person.claudeCode;
  const files = new Set<FileEdit>();
  if (withClaudeCode && profile) {
    for (const edit of edits) if (random.chance(0.85)) files.add(edit);
    if (files.size === 0) files.add(edits[0]!);
  }
  // Claude Code commits its own work sometimes (always for the person whose commits link them).
  const commits = files.size > 0 && (profile?.telemetryEmail !== person.email || random.chance(profile?.mode === 'telemetry' ? 0.6 : 0.55));
  const opensPr = commits && !asDirectPush && random.chance(0.5);
  return { files, commits, opensPr };
}

/** 3. Each file's new lines; a developer reworks some of what Claude Code wrote before committing it themselves. */
function writeLines({ random, edits, share }: WorkItem & { edits: FileEdit[]; share: ClaudeCodeShare }): WrittenLines {
  const written: WrittenLines = { final: new Map(), byClaudeCode: new Map(), survivingClaudeCodeLines: new Map() };
  for (const edit of edits) {
    const lines = writeCode({ ...edit.args, target: edit.target });
    if (!share.files.has(edit)) {
      written.final.set(edit, lines);
      continue;
    }
    written.byClaudeCode.set(edit, lines);
    const final = share.commits ? lines : lines.map((l) => (isCountedLine(l) && random.chance(0.12) ? reviseLine(edit.args) : l));
    let surviving = final.filter((l, i) => isCountedLine(l) && l === lines[i]).length;
    if (surviving === 0) {
      final.splice(0, final.length, ...lines);
      surviving = counted(lines);
    }
    if (!share.commits && random.chance(0.3)) final.push(...writeCode({ ...edit.args, target: random.int(1, 5) }));
    written.final.set(edit, final);
    written.survivingClaudeCodeLines.set(edit, surviving);
  }
  return written;
}

/** 4. The Claude Code session: reads, rejected and accepted edits, tests; its commit, push and PR when it makes them. */
function planClaudeCodeSession(
  params: WorkItem & { edits: FileEdit[]; share: ClaudeCodeShare; lines: WrittenLines; branch: string; title: string; commits: PlannedCommit[] },
): SessionOutcome {
  const { planning, random, person, repository, start, asDirectPush, edits, share, lines, branch, title, commits } = params;
  const { language } = repository.spec;
  const subfolder = subfolderFor({ random, paths: [...share.files].map((e) => e.path) });
  const session = startSession({ random, person, repository, startedAt: start, subfolder });
  const clock = sessionClock({ random, start });
  let commit: PlannedCommit | undefined;
  let pushAt: number | undefined;
  let prStep: SessionOutcome['prStep'];
  addPrompt({ random, session, at: start });
  for (let i = random.int(1, 4); i > 0; i--) {
    session.steps.push({ kind: 'read', at: clock.after([0.2, 2]), toolUseId: toolUseId(random), path: random.pick(planning.filesOf.get(repository.name)!) });
  }
  for (const edit of edits) {
    const written = lines.byClaudeCode.get(edit);
    if (!written) continue;
    if (random.chance(0.25)) {
      session.steps.push({ kind: 'reject', at: clock.after([0.5, 3]), toolUseId: toolUseId(random), tool: edit.isNew ? 'Write' : 'Edit', path: edit.path, language });
      if (random.chance(0.5)) addPrompt({ random, session, at: clock.after([0.5, 2]) });
    }
    if (edit.isNew) {
      session.steps.push({ kind: 'write', at: clock.after([1, 6]), toolUseId: toolUseId(random), path: edit.path, content: `${written.join('\n')}\n`, linesAdded: written.length, language });
    } else {
      session.steps.push({
        kind: 'edit',
        at: clock.after([1, 6]),
        toolUseId: toolUseId(random),
        path: edit.path,
        hunk: hunkOf(edit, written),
        linesAdded: written.length,
        linesRemoved: edit.removed.length,
        language,
      });
    }
    if (random.chance(0.3)) addPrompt({ random, session, at: clock.after([1, 4]) });
  }
  for (let i = random.chance(0.6) ? 1 : 0; i > 0; i--) {
    session.steps.push({ kind: 'bash', at: clock.after([0.5, 3]), toolUseId: toolUseId(random), command: testCommand(repository), description: 'Run the tests' });
  }
  if (share.commits) {
    const message = `${title}\n\n${random.pick(CLAUDE_TRAILERS)}`;
    commit = {
      sha: sha(random),
      parents: [sha(random)],
      message,
      author: person,
      at: clock.after([0.5, 2]),
      files: [...share.files].map((e) => fileChange(e, lines.final.get(e)!)),
      byClaudeCode: true,
    };
    commits.push(commit);
    session.steps.push({
      kind: 'bash',
      at: commit.at,
      toolUseId: toolUseId(random),
      command: `git add -A && git commit -m '${message.replace(/'/g, '')}'`,
      description: 'Commit the change',
      commit,
    });
    if (!asDirectPush) {
      pushAt = clock.after([0.2, 1]);
      session.steps.push({ kind: 'bash', at: pushAt, toolUseId: toolUseId(random), command: `git push -u origin ${branch}`, description: 'Push the branch' });
    }
    if (share.opensPr) {
      prStep = { kind: 'bash', at: clock.after([0.3, 2]), toolUseId: toolUseId(random), command: `gh pr create --title '${title.replace(/'/g, '')}' --fill`, description: 'Open a pull request' };
      session.steps.push(prStep);
    }
  }
  session.endedAt = clock.after([1, 8]);
  addApiRequests({ random, session });
  planning.sessions.push(session);
  return { session, commit, pushAt, prStep };
}

/** 5. The developer's own commits: what Claude Code did not commit, in one or two commits. */
function addDeveloperCommits(
  params: WorkItem & { edits: FileEdit[]; share: ClaudeCodeShare; lines: WrittenLines; outcome: SessionOutcome | undefined; title: string; commits: PlannedCommit[]; doneAt: number },
) {
  const { random, person, edits, share, lines, outcome, title, commits } = params;
  let t = params.doneAt;
  const rest = edits.filter((e) => !outcome?.commit || !share.files.has(e));
  if (rest.length > 0) {
    const groups = rest.length > 1 && random.chance(0.4) ? [rest.slice(0, 1), rest.slice(1)] : [rest];
    for (const group of groups) {
      t += random.int(5, 90) * MINUTE;
      commits.push({
        sha: sha(random),
        parents: [commits.at(-1)?.sha ?? sha(random)],
        message: commits.length === 0 ? title : random.pick(['Address review comments', 'Add tests', 'Fix lint', 'Handle the empty case', 'Tidy up naming']),
        author: person,
        at: t,
        files: group.map((e) => fileChange(e, lines.final.get(e)!)),
        byClaudeCode: false,
      });
    }
  }
  for (let i = 1; i < commits.length; i++) commits[i]!.parents = [commits[i - 1]!.sha];
}

/** 6. What the app should find: hooks see every surviving line, otherwise only a commit's trailer or the PR body says so. */
function expectedLines({ person, share, lines, outcome, commits }: WorkItem & { share: ClaudeCodeShare; lines: WrittenLines; outcome: SessionOutcome | undefined; commits: PlannedCommit[] }) {
  const linesAdded = counted(addedLines(commits.flatMap((c) => c.files)));
  let linesWithClaudeCode = 0;
  if (person.claudeCode?.mode === 'hooks') {
    for (const n of lines.survivingClaudeCodeLines.values()) linesWithClaudeCode += n;
  } else if (share.opensPr) {
    linesWithClaudeCode = linesAdded; // the PR body's "Generated with Claude Code" covers the whole PR
  } else if (outcome?.commit) {
    linesWithClaudeCode = counted(addedLines(outcome.commit.files));
  }
  return { linesAdded, linesWithClaudeCode };
}

/** 7a. A direct push of the work's one commit. */
function addDirectPush({ planning, random, person, repository, commits, expected, outcome }: WorkItem & { commits: PlannedCommit[]; expected: { linesAdded: number; linesWithClaudeCode: number }; outcome: SessionOutcome | undefined }) {
  const commit = commits[0]!;
  if (commits.length > 1) throw new Error('a direct push has one commit');
  const push = { repository, at: commit.at + random.int(1, 10) * MINUTE, pusher: person, commit, expected };
  planning.directPushes.push(push);
  if (outcome) planning.sessionOf.set(push, outcome.session);
}

/** 7b. The pull request: opened after the first push (or by Claude Code), merged after review, or abandoned. */
function addPullRequest(
  params: WorkItem & {
    share: ClaudeCodeShare;
    outcome: SessionOutcome | undefined;
    branch: string;
    title: string;
    commits: PlannedCommit[];
    expected: { linesAdded: number; linesWithClaudeCode: number };
  },
) {
  const { planning, random, person, repository, share, outcome, branch, title, commits, expected } = params;
  const prStep = outcome?.prStep;
  const createdAt = prStep ? prStep.at : commits.at(-1)!.at + random.int(3, 40) * MINUTE;
  const pushes: PlannedPullRequest['pushes'] = [];
  const before = commits.filter((c) => c.at <= createdAt);
  const after = commits.filter((c) => c.at > createdAt);
  // Claude Code pushed its commit itself when it opened the PR; otherwise the developer pushes before opening it.
  const firstPushAt = prStep && outcome?.pushAt !== undefined ? outcome.pushAt : Math.min(createdAt - 30_000, before.at(-1)!.at + random.int(30, 300) * 1000);
  pushes.push({ at: firstPushAt, commits: before });
  if (after.length > 0) pushes.push({ at: after.at(-1)!.at + random.int(1, 5) * MINUTE, commits: after });
  const lastPush = pushes.at(-1)!.at;
  const abandoned = random.chance(0.06);
  const firstCommitAt = Math.min(...commits.map((c) => c.at));
  const mergedAt = abandoned
    ? null
    : plannedMergeAt({ planning, random, person, firstCommitAt, notBefore: Math.max(lastPush, createdAt), withClaudeCode: expected.linesWithClaudeCode > 0 });
  const closedAt = abandoned ? createdAt + random.int(1, 6) * DAY : mergedAt;
  // Some PRs are opened as drafts and marked ready for review a while later (before their merge).
  const draft = random.chance(0.25)
    ? { readyForReviewAt: Math.max(createdAt + MINUTE, Math.min(createdAt + random.int(30, 300) * MINUTE, (mergedAt ?? Infinity) - 20 * MINUTE)) }
    : null;
  const reviewer = teammateOf({ planning, random, author: person, team: person.team });
  // Most merges follow an approving review; small changes are often merged without one.
  // A review comes once the PR is ready for review and its last push is in.
  const reviewable = Math.max(lastPush, draft?.readyForReviewAt ?? createdAt);
  const review: PlannedReview | null =
    mergedAt && random.chance(0.6)
      ? { id: planning.nextId(2_500_000_000), reviewer, at: Math.min(mergedAt - MINUTE, Math.max(reviewable + MINUTE, mergedAt - random.int(5, 120) * MINUTE)), state: 'approved' }
      : null;
  const otherReviews = review ? reviewTimeline({ planning, random: random.fork('reviews'), author: person, review, reviewable, mergedAt: mergedAt! }) : [];
  const pullRequest: PlannedPullRequest = {
    id: 0,
    number: 0,
    repository,
    author: person,
    title,
    body: prBody({ random, title, byClaudeCode: share.opensPr }),
    branch,
    kind: 'feature',
    createdAt,
    draft,
    closedAt,
    mergedAt,
    mergedBy: mergedAt ? (random.chance(0.7) ? person : reviewer) : null,
    mergeCommitSha: mergedAt ? sha(random) : null,
    commits,
    pushes,
    review,
    otherReviews,
    expected,
    assistedUndetectable: share.files.size > 0 && expected.linesWithClaudeCode === 0,
  };
  planning.pullRequests.push(pullRequest);
  if (prStep) prStep.pullRequest = pullRequest;
  if (outcome) planning.sessionOf.set(pullRequest, outcome.session);
}

/**
 * 7c. The rest of a reviewed PR's review timeline (its own random source, so the rest of the plan
 * does not change with it): now and then Claude's review bot comments first; a quarter of the
 * teammates' first reviews ask for changes, and the teammate approves later, before the merge; now
 * and then the author replies with a review comment of their own.
 */
function reviewTimeline(params: { planning: Planning; random: Random; author: DemoPerson; review: PlannedReview; reviewable: number; mergedAt: number }): PlannedReview[] {
  const { planning, random, author, review, reviewable, mergedAt } = params;
  const others: PlannedReview[] = [];
  if (random.chance(0.2) && review.at - reviewable > 2 * MINUTE) {
    others.push({ id: planning.nextId(2_500_000_000), reviewer: { ...CLAUDE_BOT, type: 'Bot' }, at: reviewable + MINUTE, state: 'commented' });
  }
  if (random.chance(0.25) && mergedAt - review.at > 2 * MINUTE) {
    review.state = 'changes_requested';
    const approvedAt = review.at + Math.max(MINUTE, Math.floor(random.next() * (mergedAt - review.at - MINUTE)));
    others.push({ id: planning.nextId(2_500_000_000), reviewer: review.reviewer, at: approvedAt, state: 'approved' });
  }
  if (random.chance(0.15) && mergedAt - review.at > 2 * MINUTE) {
    others.push({ id: planning.nextId(2_500_000_000), reviewer: author, at: review.at + MINUTE, state: 'commented' });
  }
  return others;
}

/** "reconcile" → "reconciling", "sync" → "syncing". */
const gerund = (verb: string) => `${verb.endsWith('e') && !verb.endsWith('ee') ? verb.slice(0, -1) : verb}ing`;

function slug({ random, repository }: { random: Random; repository: DemoRepository }): string {
  const { domain } = repository.spec;
  return `${random.pick(domain.verbs)}-${random.pick(domain.qualifiers)}-${random.pick(domain.nouns)}s`;
}

/** A pull request title in the repository's domain's words. */
export function titleFor({ random, repository }: { random: Random; repository: DemoRepository }): string {
  const d = repository.spec.domain;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return random.pick([
    () => `${cap(random.pick(d.verbs))} ${random.pick(d.qualifiers)} ${random.pick(d.nouns)}s in batches`,
    () => `Add ${random.pick(d.fields)} to ${random.pick(d.nouns)} ${random.pick(['summaries', 'exports', 'events', 'responses'])}`,
    () => `Fix ${random.pick(d.nouns)} ${random.pick(d.fields)} when the ${random.pick(d.nouns)} is ${random.pick(d.qualifiers)}`,
    () => `${cap(random.pick(d.verbs))} ${random.pick(d.nouns)}s before ${gerund(random.pick(d.verbs))} ${random.pick(d.nouns)}s`,
    () => `Handle ${random.pick(d.qualifiers)} ${random.pick(d.nouns)}s in ${random.pick(d.nouns)} ${random.pick(d.verbs)}`,
    () => `Refactor ${random.pick(d.nouns)} ${random.pick(d.verbs)} into its own module`,
  ])();
}

function prBody({ random, title, byClaudeCode }: { random: Random; title: string; byClaudeCode: boolean }): string {
  const summary = `## Summary\n- ${title}\n- ${random.pick(['Adds tests for the edge cases', 'Keeps the old behaviour behind a flag', 'Logs the outcome once per batch', 'No migration needed'])}`;
  return byClaudeCode ? `${summary}\n\n## Test plan\n- [x] Unit tests pass\n\n${GENERATED_WITH_CLAUDE_CODE}` : summary;
}
