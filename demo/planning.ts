import type { Actor, DemoPerson, DemoRepository, DirectPush, FileChange, PlannedPullRequest, PlannedSession } from './demo-plan.js';
import type { Team } from './demo-roster.js';
import type { Random } from './random.js';
import { isCountedLine, type LineRegistry } from './synthetic-code.js';

/*
 * What the steps of `planDemoOrg` share while they draw up the history: the calendar, the
 * organization, and the lists each step adds to. Every step forks its own random source by name, so
 * a step's choices do not depend on how many numbers another step drew; the line registry, the id
 * sequence and the repositories' files are shared and used in the recipe's order.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const counted = (lines: string[]) => lines.filter(isCountedLine).length;
export const addedLines = (files: FileChange[]) =>
  files.filter((f) => !f.excluded).flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1))));

export interface Planning {
  /** The seed's source; each step forks its own. */
  random: Random;
  now: number;
  /** Days of history; day 0 starts at `day0` (UTC midnight). */
  days: number;
  day0: number;
  /** Every line written so far, so a revision or a new line is never one already in the file. */
  registry: LineRegistry;
  /** `base` plus the next number of one sequence shared by every step (review ids). */
  nextId: (base: number) => number;
  people: DemoPerson[];
  developers: DemoPerson[];
  owner: DemoPerson;
  bot: Actor;
  repositories: DemoRepository[];
  repoByName: Map<string, DemoRepository>;
  /** Files each repository has, by repository name: later work modifies them. */
  filesOf: Map<string, string[]>;
  pullRequests: PlannedPullRequest[];
  directPushes: DirectPush[];
  sessions: PlannedSession[];
  /** The Claude Code session behind a PR or direct push, if any. */
  sessionOf: Map<PlannedPullRequest | DirectPush, PlannedSession>;
}

export const sha = (random: Random) => random.hex(40);

/** A developer other than `author`, from `team` when it has one. */
export function teammateOf({ planning, random, author, team }: { planning: Planning; random: Random; author: Actor; team?: Team | 'design' | undefined }) {
  const { developers } = planning;
  const pool = developers.filter((p) => p.login !== author.login && (team === undefined || p.team === team));
  const any = developers.filter((p) => p.login !== author.login);
  return random.pick(pool.length > 0 ? pool : any.length > 0 ? any : developers);
}
