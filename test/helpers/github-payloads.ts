import { createRequire } from 'node:module';
import type { RecordedCommit } from './claude-code-recordings.js';

/*
 * Webhook payloads for scenarios: real payloads from @octokit/webhooks-examples, re-pointed at the
 * recorded Claude Code session's organization (acme/widgets, Dana, PR #42).
 */

const require = createRequire(import.meta.url);
interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as ExampleGroup[];

/** Every recorded example of one event (and action, when given). */
export function webhookExamples(event: string, action?: string): Record<string, any>[] {
  const group = examples.find((g) => g.name === event);
  if (!group) throw new Error(`no examples for ${event}`);
  return group.examples.filter((e) => action === undefined || e.action === action).map((e) => structuredClone(e));
}

export const ACME = { login: 'acme', id: 5001, type: 'Organization' };
export const INSTALLATION_ID = 4242;
export const DANA = { login: 'dana', id: 9001, type: 'User' };
export const DEPENDABOT = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' };

export const WIDGETS = {
  id: 7001,
  node_id: 'R_widgets',
  name: 'widgets',
  full_name: 'acme/widgets',
  private: true,
  owner: { ...ACME },
  default_branch: 'main',
  master_branch: 'main',
};

function user(u: { login: string; id: number; type: string }) {
  return { ...u, node_id: `U_${u.id}`, site_admin: false, url: `https://api.github.com/users/${u.login}` };
}

function installationObject() {
  const base = webhookExamples('installation', 'created')[0]!.installation;
  return {
    ...base,
    id: INSTALLATION_ID,
    account: user(ACME),
    target_type: 'Organization',
    target_id: ACME.id,
    repository_selection: 'selected',
    suspended_at: null,
    suspended_by: null,
    created_at: '2026-11-01T09:00:00Z',
    updated_at: '2026-11-01T09:00:00Z',
  };
}

export function installationPayload(action: 'created' | 'deleted' | 'suspend' | 'unsuspend', updatedAt = '2026-11-01T09:00:00Z') {
  const base = webhookExamples('installation', action)[0]!;
  return {
    ...base,
    action,
    installation: {
      ...installationObject(),
      updated_at: updatedAt,
      suspended_at: action === 'suspend' ? updatedAt : null,
    },
    repositories: [{ id: WIDGETS.id, node_id: WIDGETS.node_id, name: WIDGETS.name, full_name: WIDGETS.full_name, private: true }],
    sender: user(DANA),
  };
}

export function installationRepositoriesPayload(
  action: 'added' | 'removed',
  repos: { id: number; name: string }[],
) {
  const base = webhookExamples('installation_repositories', action)[0]!;
  const list = repos.map((r) => ({ id: r.id, node_id: `R_${r.name}`, name: r.name, full_name: `acme/${r.name}`, private: true }));
  return {
    ...base,
    action,
    installation: installationObject(),
    repositories_added: action === 'added' ? list : [],
    repositories_removed: action === 'removed' ? list : [],
    sender: user(DANA),
  };
}

export interface PullRequestScenario {
  number?: number;
  id?: number;
  author?: { login: string; id: number; type: string };
  title?: string;
  body?: string | null;
  createdAt?: string;
  updatedAt?: string;
  mergedAt?: string | null;
  closedAt?: string | null;
  mergeCommitSha?: string | null;
  draft?: boolean;
  additions?: number;
  deletions?: number;
  changedFiles?: number;
  headRef?: string;
  headSha?: string;
}

export const PR42: Required<PullRequestScenario> = {
  number: 42,
  id: 420042,
  author: DANA,
  title: 'Add rate limiting',
  body: 'Adds a token bucket.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)',
  createdAt: '2026-11-21T20:33:48Z',
  updatedAt: '2026-11-21T20:33:48Z',
  mergedAt: null,
  closedAt: null,
  mergeCommitSha: null,
  draft: false,
  additions: 29,
  deletions: 0,
  changedFiles: 2,
  headRef: 'feature/rate-limit',
  headSha: '6a585aa491d050ef905bad884924ba0a6bf7dd09',
};

export const PR42_MERGED: Required<PullRequestScenario> = {
  ...PR42,
  updatedAt: '2026-11-21T21:10:00Z',
  mergedAt: '2026-11-21T21:10:00Z',
  closedAt: '2026-11-21T21:10:00Z',
  mergeCommitSha: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
};

function pullRequestObject(s: PullRequestScenario) {
  const p = { ...PR42, ...s };
  const base = webhookExamples('pull_request', 'opened')[0]!.pull_request;
  return {
    ...base,
    id: p.id,
    node_id: `PR_${p.id}`,
    number: p.number,
    state: p.closedAt ? 'closed' : 'open',
    title: p.title,
    body: p.body,
    user: user(p.author),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    merged: p.mergedAt !== null,
    draft: p.draft,
    additions: p.additions,
    deletions: p.deletions,
    changed_files: p.changedFiles,
    head: { ...base.head, ref: p.headRef, sha: p.headSha, label: `acme:${p.headRef}`, repo: WIDGETS, user: user(p.author) },
    base: { ...base.base, ref: 'main', label: 'acme:main', repo: WIDGETS, user: user(ACME) },
  };
}

export function pullRequestPayload(action: string, scenario: PullRequestScenario = {}) {
  const base = webhookExamples('pull_request', 'opened')[0]!;
  const pr = pullRequestObject(scenario);
  return {
    ...base,
    action,
    number: pr.number,
    pull_request: pr,
    repository: WIDGETS,
    organization: { login: ACME.login, id: ACME.id },
    installation: { id: INSTALLATION_ID, node_id: 'I_4242' },
    sender: user(scenario.author ?? DANA),
  };
}

export function pullRequestReviewPayload(review: { id: number; submittedAt: string; state?: string; reviewer?: typeof DANA }, scenario: PullRequestScenario = {}) {
  const base = webhookExamples('pull_request_review', 'submitted')[0]!;
  const pr = pullRequestObject(scenario);
  // Review payloads carry a shorter pull request object without counts or `merged`.
  const { additions, deletions, changed_files, merged, ...shortPr } = pr;
  const reviewer = review.reviewer ?? { login: 'lee', id: 9002, type: 'User' };
  return {
    ...base,
    action: 'submitted',
    review: { ...base.review, id: review.id, user: user(reviewer), state: review.state ?? 'approved', submitted_at: review.submittedAt },
    pull_request: shortPr,
    repository: WIDGETS,
    installation: { id: INSTALLATION_ID, node_id: 'I_4242' },
    sender: user(reviewer),
  };
}

/** A push of recorded commits to `branch`, shaped like GitHub's push event. */
export function pushPayload(branch: string, commits: RecordedCommit[], options: { distinct?: boolean; pushedAt?: number; login?: string } = {}) {
  const base = webhookExamples('push').find((e) => String(e.ref).startsWith('refs/heads/'))!;
  const login = options.login ?? DANA.login;
  const toPushCommit = (c: RecordedCommit) => ({
    id: c.sha,
    tree_id: '0'.repeat(40),
    distinct: options.distinct ?? true,
    message: c.message,
    timestamp: c.author.date,
    url: `https://github.com/acme/widgets/commit/${c.sha}`,
    author: { name: c.author.name, email: c.author.email, username: login },
    committer: { name: c.committer.name, email: c.committer.email, username: login },
    added: [],
    removed: [],
    modified: c.files.map((f) => f.file),
  });
  const last = commits.at(-1);
  return {
    ...base,
    ref: `refs/heads/${branch}`,
    before: commits[0]?.parents[0] ?? '0'.repeat(40),
    after: last?.sha ?? '0'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    commits: commits.map(toPushCommit),
    head_commit: last ? toPushCommit(last) : null,
    repository: { ...WIDGETS, pushed_at: options.pushedAt ?? 1795300000, created_at: 1790000000 },
    pusher: { name: login, email: 'dana@acme.example' },
    organization: { login: ACME.login, id: ACME.id },
    installation: { id: INSTALLATION_ID, node_id: 'I_4242' },
    sender: user(DANA),
  };
}
