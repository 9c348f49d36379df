import type { RepositorySpec, Team } from './demo-roster.js';
import type { Language } from './synthetic-code.js';

/*
 * The demo organization's whole history as plain data: people, repositories, pull requests with
 * their commits and diffs, Claude Code sessions with every tool use, and what the app should
 * conclude from them. `planDemoOrg` draws it up; sending it to the app and answering GitHub's REST
 * calls read it.
 */

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
  /** Slugs of the GitHub teams this person is in. */
  teams: string[];
  /** The `team` resource attribute their Claude Code sends (OTEL_RESOURCE_ATTRIBUTES). */
  telemetryTeam: string;
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
  /** As GitHub's webhooks spell it. */
  state: 'approved' | 'changes_requested' | 'commented';
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
  /** Opened as a draft, and when it was marked ready for review (null while it is still a draft). */
  draft: { readyForReviewAt: number | null } | null;
  closedAt: number | null;
  mergedAt: number | null;
  mergedBy: Actor | null;
  mergeCommitSha: string | null;
  commits: PlannedCommit[];
  /** Branch pushes: the first before the PR is opened, later ones followed by `synchronize`. */
  pushes: { at: number; commits: PlannedCommit[] }[];
  /** The first review by a teammate (someone else, not a bot): the PR's pickup. */
  review: PlannedReview | null;
  /**
   * The rest of its review timeline: a bot's comments before it, the teammate's approval after
   * their request for changes, the author's replies. None of them is a pickup.
   */
  otherReviews: PlannedReview[];
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
  /** The effects planted on outcomes, for the demo's test to recover (see `DEMO_OUTCOME_EFFECTS`). */
  plantedEffects: {
    cycleTimeHoursDifference: number;
    /** Of the PRs that could be reverted (see `DEMO_OUTCOME_EFFECTS`), the share reverted, by kind. */
    revertRate: { withClaudeCode: number; withoutClaudeCode: number };
    /** Spend ÷ PRs merged with Claude Code, per person it was planted for (their model's price). */
    costPerPullRequestUsd: Record<string, number>;
    /** Of the merged feature PRs not reverted, the share a later PR reworked (see `DEMO_DURABILITY_EFFECTS`), by kind. */
    followUpShare: { withClaudeCode: number; withoutClaudeCode: number };
  };
}

