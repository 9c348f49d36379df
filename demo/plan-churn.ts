import type { DemoPerson, FileChange, Hunk, PlannedCommit, PlannedPullRequest } from './demo-plan.js';
import { plannedMergeAt } from './plan-work-item.js';
import { addedLines, counted, DAY, MINUTE, sha, teammateOf, type Planning } from './planning.js';
import type { Random } from './random.js';
import { isCountedLine } from './synthetic-code.js';

/*
 * Churn (spec: Durability): now and then a merged PR's lines are reworked a few days or weeks
 * later by a small follow-up PR, which deletes some of them and slightly rewrites others. The share
 * of PRs followed up differs with and without Claude Code: the planted difference the demo's test
 * finds again in the durability figures.
 */

/**
 * - followUpShare: of the merged feature PRs that were not reverted, the share followed up, by kind
 *   (rounded, at least one of each);
 * - endedShare: of the followed-up file's counted lines, the share the follow-up ends (at least
 *   one), alternately deleted and slightly rewritten;
 * - afterDays: the follow-up is opened this many days after the merge (it merges a day or two later),
 *   so some lines end within 14 days, some within 21, some later.
 */
export const DEMO_DURABILITY_EFFECTS = {
  followUpShare: { withClaudeCode: 0.3, withoutClaudeCode: 0.06 },
  endedShare: 0.4,
  afterDays: [2, 26] as const,
} as const;

/** A slight rewrite of a line: one of its longer words renamed (well under a fifth of a long line). */
function rewriteSlightly(line: string, suffix: string): string | undefined {
  const words = [...line.matchAll(/[A-Za-z][A-Za-z0-9_]{3,}/g)];
  const word = words.at(-1);
  if (!word || word.index === undefined) return undefined;
  const at = word.index + word[0].length;
  return `${line.slice(0, at)}${suffix}${line.slice(at)}`;
}

const SUFFIXES = ['Value', 'Next', 'Safe', 'All', 'Once', 'Ok'];

/** Plans the follow-up PRs; returns the shares planted (PRs followed up ÷ candidates, by kind). */
export function planChurn({ planning }: { planning: Planning }): { withClaudeCode: number; withoutClaudeCode: number } {
  const r = planning.random.fork('churn');
  const revertedShas = new Set(planning.pullRequests.filter((p) => p.kind === 'revert').flatMap((p) => p.commits.flatMap((c) => c.parents)));
  const candidates = planning.pullRequests.filter(
    (p) =>
      p.kind === 'feature' &&
      p.mergedAt !== null &&
      (p.author.type !== 'Bot' || p.creditedTo) &&
      !revertedShas.has(p.mergeCommitSha!) &&
      p.commits.some((c) => c.files.some((f) => !f.excluded && counted(addedLines([f])) >= 2)),
  );
  const picked: PlannedPullRequest[] = [];
  const share = { withClaudeCode: 0, withoutClaudeCode: 0 };
  for (const withClaudeCode of [true, false]) {
    const kind = candidates.filter((p) => p.expected.linesWithClaudeCode > 0 === withClaudeCode);
    const rate = withClaudeCode ? DEMO_DURABILITY_EFFECTS.followUpShare.withClaudeCode : DEMO_DURABILITY_EFFECTS.followUpShare.withoutClaudeCode;
    const n = kind.length === 0 ? 0 : Math.max(1, Math.round(rate * kind.length));
    picked.push(...r.shuffle(kind).slice(0, n));
    share[withClaudeCode ? 'withClaudeCode' : 'withoutClaudeCode'] = kind.length === 0 ? 0 : n / kind.length;
  }
  for (const original of picked) planFollowUp({ planning, original, random: r.fork(`follow-up:${original.branch}`) });
  return share;
}

function planFollowUp({ planning, original, random }: { planning: Planning; original: PlannedPullRequest; random: Random }) {
  const owner = (original.creditedTo ?? original.author) as DemoPerson;
  const files = original.commits.flatMap((c) => c.files).filter((f) => !f.excluded && counted(addedLines([f])) >= 2);
  const file = random.pick(files);
  // The file's counted added lines with where they are in the new file.
  const placed: { line: string; at: number }[] = [];
  for (const h of file.hunks) {
    let at = h.newStart;
    for (const l of h.lines) {
      if (l.startsWith('-')) continue;
      if (l.startsWith('+') && isCountedLine(l.slice(1))) placed.push({ line: l.slice(1), at });
      at++;
    }
  }
  const ending = random.shuffle(placed).slice(0, Math.max(1, Math.round(DEMO_DURABILITY_EFFECTS.endedShare * placed.length))).sort((a, b) => a.at - b.at);
  // Alternately deleted and rewritten; each its own one-line hunk (a line's position shifts by one per deletion before it).
  const hunks: Hunk[] = [];
  let shift = 0;
  ending.forEach(({ line, at }, i) => {
    const rewritten = i % 2 === 1 ? rewriteSlightly(line, random.pick(SUFFIXES)) : undefined;
    const fresh = rewritten !== undefined && planning.registry.claimRewrite(file.path, rewritten);
    hunks.push({ oldStart: at, newStart: at + shift, lines: fresh ? [`-${line}`, `+${rewritten}`] : [`-${line}`] });
    if (!fresh) shift--;
  });
  const change: FileChange = { path: file.path, status: 'modified', hunks, excluded: false };

  const author = random.chance(0.6) ? owner : teammateOf({ planning, random, author: owner, team: owner.team });
  const dayStart = Math.floor(original.mergedAt! / DAY) * DAY + random.int(...DEMO_DURABILITY_EFFECTS.afterDays) * DAY;
  const commitAt = dayStart + (9 * 60 + random.int(0, 420)) * MINUTE;
  const createdAt = commitAt + random.int(5, 40) * MINUTE;
  const commit: PlannedCommit = {
    sha: sha(random),
    parents: [original.mergeCommitSha!],
    message: random.pick([`Simplify ${file.path.split('/').at(-1)}`, `Clean up after "${original.title}"`, `Remove dead branches in ${file.path.split('/').at(-1)}`]),
    author: author as DemoPerson,
    at: commitAt,
    files: [change],
    byClaudeCode: false,
  };
  const mergedAt = plannedMergeAt({ planning, random, person: author as DemoPerson, firstCommitAt: commitAt, notBefore: createdAt, withClaudeCode: false });
  const reviewer = teammateOf({ planning, random, author, team: (author as DemoPerson).team });
  const linesAdded = counted(addedLines([change]));
  planning.pullRequests.push({
    id: 0,
    number: 0,
    repository: original.repository,
    author,
    title: commit.message,
    body: `## Summary\n- Follow-up to the change in \`${file.path}\`: drops what turned out unused, renames the rest.`,
    branch: `${author.login}/follow-up-${original.branch.replace(/\//g, '-')}`,
    kind: 'feature',
    createdAt,
    draft: null,
    closedAt: mergedAt,
    mergedAt,
    mergedBy: author,
    mergeCommitSha: sha(random),
    commits: [commit],
    pushes: [{ at: createdAt - 2 * MINUTE, commits: [commit] }],
    review: { id: planning.nextId(2_500_000_000), reviewer, at: Math.max(createdAt + MINUTE, mergedAt - random.int(5, 60) * MINUTE), state: 'approved' },
    otherReviews: [],
    expected: { linesAdded, linesWithClaudeCode: 0 },
    assistedUndetectable: false,
  });
}
