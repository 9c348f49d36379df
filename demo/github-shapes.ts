import { createHash } from 'node:crypto';
import type { Actor, DemoPlan, DemoRepository, FileChange, Hunk, PlannedCommit, PlannedPullRequest, PlannedReview } from './demo-plan.js';

/*
 * The demo's history in GitHub's own shapes: webhook payloads as GitHub delivers them and REST
 * answers as its API gives them (the fields the app reads, and the usual ones around them).
 */

const WEB = 'https://github.com';
const API = 'https://api.github.com';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const seconds = (ms: number) => Math.floor(ms / 1000);
const blobSha = (path: string, commit: string) => createHash('sha1').update(`${commit}:${path}`).digest('hex');

export function userObject(actor: Actor) {
  return {
    login: actor.login,
    id: actor.id,
    node_id: `U_${actor.id.toString(36)}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${actor.id}?v=4`,
    html_url: `${WEB}/${actor.login}`,
    url: `${API}/users/${actor.login}`,
    type: actor.type,
    site_admin: false,
  };
}

function orgAccount(plan: DemoPlan) {
  return { ...userObject({ login: plan.org.login, id: plan.org.id, name: plan.org.name, email: '', type: 'User' }), type: 'Organization' };
}

export function repositoryObject(plan: DemoPlan, repo: DemoRepository, pushedAt: number) {
  return {
    id: repo.id,
    node_id: `R_${repo.id.toString(36)}`,
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: orgAccount(plan),
    html_url: `${WEB}/${repo.fullName}`,
    url: `${API}/repos/${repo.fullName}`,
    description: null,
    fork: false,
    created_at: iso(repo.createdAt),
    updated_at: iso(pushedAt),
    pushed_at: iso(pushedAt),
    default_branch: 'main',
    visibility: 'private',
  };
}

/** The patch text GitHub's REST API gives for one file. */
export function patchOf(file: FileChange): string {
  return file.hunks
    .map((h: Hunk) => {
      const oldLines = h.lines.filter((l) => !l.startsWith('+')).length;
      const newLines = h.lines.filter((l) => !l.startsWith('-')).length;
      return [`@@ -${h.oldStart},${oldLines} +${h.newStart},${newLines} @@`, ...h.lines].join('\n');
    })
    .join('\n');
}

function fileStats(file: FileChange) {
  const lines = file.hunks.flatMap((h) => h.lines);
  const additions = lines.filter((l) => l.startsWith('+')).length;
  const deletions = lines.filter((l) => l.startsWith('-')).length;
  return { additions, deletions };
}

export function restFile(repo: DemoRepository, file: FileChange, commitSha: string) {
  const { additions, deletions } = fileStats(file);
  const sha = blobSha(file.path, commitSha);
  return {
    sha,
    filename: file.path,
    status: file.status,
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `${WEB}/${repo.fullName}/blob/${commitSha}/${file.path}`,
    raw_url: `${WEB}/${repo.fullName}/raw/${commitSha}/${file.path}`,
    contents_url: `${API}/repos/${repo.fullName}/contents/${file.path}?ref=${commitSha}`,
    patch: patchOf(file),
  };
}

/** A commit as `GET /repos/{o}/{r}/pulls/{n}/commits` lists it. */
export function restCommit(repo: DemoRepository, commit: PlannedCommit) {
  const who = { name: commit.author.name, email: commit.author.email, date: iso(commit.at) };
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha.slice(0, 16)}`,
    url: `${API}/repos/${repo.fullName}/commits/${commit.sha}`,
    html_url: `${WEB}/${repo.fullName}/commit/${commit.sha}`,
    commit: {
      author: who,
      committer: who,
      message: commit.message,
      tree: { sha: createHash('sha1').update(`tree:${commit.sha}`).digest('hex') },
      comment_count: 0,
    },
    author: userObject(commit.author),
    committer: userObject(commit.author),
    parents: commit.parents.map((sha) => ({ sha, url: `${API}/repos/${repo.fullName}/commits/${sha}` })),
  };
}

/** A commit as `GET /repos/{o}/{r}/commits/{sha}` answers it: with stats and files. */
export function restCommitWithFiles(repo: DemoRepository, commit: PlannedCommit) {
  const files = commit.files.map((f) => restFile(repo, f, commit.sha));
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { ...restCommit(repo, commit), stats: { additions, deletions, total: additions + deletions }, files };
}

export function installationObject(plan: DemoPlan) {
  return {
    id: plan.installationId,
    account: orgAccount(plan),
    repository_selection: 'selected',
    access_tokens_url: `${API}/app/installations/${plan.installationId}/access_tokens`,
    repositories_url: `${API}/installation/repositories`,
    html_url: `${WEB}/organizations/${plan.org.login}/settings/installations/${plan.installationId}`,
    app_id: 1,
    app_slug: 'claude-code-contribution-metrics-demo',
    target_id: plan.org.id,
    target_type: 'Organization',
    permissions: { contents: 'read', metadata: 'read', members: 'read', pull_requests: 'read' },
    events: ['pull_request', 'pull_request_review', 'push'],
    created_at: iso(plan.installedAt),
    updated_at: iso(plan.installedAt),
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}

export function installationCreatedPayload(plan: DemoPlan) {
  return {
    action: 'created',
    installation: installationObject(plan),
    repositories: plan.repositories.map((r) => ({ id: r.id, node_id: `R_${r.id.toString(36)}`, name: r.name, full_name: r.fullName, private: true })),
    requester: null,
    sender: userObject(plan.signIn.owner),
  };
}

function pullRequestObject(plan: DemoPlan, pr: PlannedPullRequest, at: number) {
  const repo = repositoryObject(plan, pr.repository, at);
  const pushed = pr.pushes.filter((p) => p.at <= at).flatMap((p) => p.commits);
  const files = pushed.flatMap((c) => c.files);
  const stats = files.map(fileStats);
  const closed = pr.closedAt !== null && pr.closedAt <= at;
  const merged = closed && pr.mergedAt !== null;
  const headSha = pushed.at(-1)?.sha ?? pr.commits[0]!.sha;
  return {
    url: `${API}/repos/${pr.repository.fullName}/pulls/${pr.number}`,
    id: pr.id,
    node_id: `PR_${pr.id.toString(36)}`,
    html_url: `${WEB}/${pr.repository.fullName}/pull/${pr.number}`,
    number: pr.number,
    state: closed ? 'closed' : 'open',
    locked: false,
    title: pr.title,
    user: userObject(pr.author),
    body: pr.body,
    created_at: iso(pr.createdAt),
    updated_at: iso(at),
    closed_at: closed ? iso(pr.closedAt!) : null,
    merged_at: merged ? iso(pr.mergedAt!) : null,
    merge_commit_sha: merged ? pr.mergeCommitSha : null,
    assignees: [],
    requested_reviewers: [],
    labels: [],
    draft: pr.draft !== null && (pr.draft.readyForReviewAt === null || at < pr.draft.readyForReviewAt),
    head: { label: `${plan.org.login}:${pr.branch}`, ref: pr.branch, sha: headSha, user: orgAccount(plan), repo },
    base: { label: `${plan.org.login}:main`, ref: 'main', sha: pr.commits[0]!.parents[0], user: orgAccount(plan), repo },
    author_association: pr.author.type === 'Bot' ? 'NONE' : 'MEMBER',
    merged,
    mergeable: merged ? null : true,
    merged_by: merged && pr.mergedBy ? userObject(pr.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    commits: pushed.length,
    additions: stats.reduce((n, s) => n + s.additions, 0),
    deletions: stats.reduce((n, s) => n + s.deletions, 0),
    changed_files: files.length,
  };
}

export function pullRequestPayload(plan: DemoPlan, pr: PlannedPullRequest, action: 'opened' | 'synchronize' | 'ready_for_review' | 'closed', at: number, sender: Actor) {
  return {
    action,
    number: pr.number,
    pull_request: pullRequestObject(plan, pr, at),
    repository: repositoryObject(plan, pr.repository, at),
    organization: { login: plan.org.login, id: plan.org.id, node_id: `O_${plan.org.id.toString(36)}` },
    installation: { id: plan.installationId, node_id: `I_${plan.installationId.toString(36)}` },
    sender: userObject(sender),
  };
}

export function pullRequestReviewPayload(plan: DemoPlan, pr: PlannedPullRequest, review: PlannedReview) {
  return {
    action: 'submitted',
    review: {
      id: review.id,
      node_id: `PRR_${review.id.toString(36)}`,
      user: userObject(review.reviewer),
      body: null,
      commit_id: pr.commits.at(-1)!.sha,
      submitted_at: iso(review.at),
      state: review.state,
      html_url: `${WEB}/${pr.repository.fullName}/pull/${pr.number}#pullrequestreview-${review.id}`,
      author_association: 'MEMBER',
    },
    pull_request: pullRequestObject(plan, pr, review.at),
    repository: repositoryObject(plan, pr.repository, review.at),
    organization: { login: plan.org.login, id: plan.org.id },
    installation: { id: plan.installationId, node_id: `I_${plan.installationId.toString(36)}` },
    sender: userObject(review.reviewer),
  };
}

interface PushCommit {
  commit: PlannedCommit;
  distinct: boolean;
  committer?: { name: string; email: string; username: string };
}

/** A push event: `commits` in order, oldest first. */
export function pushPayload(plan: DemoPlan, repo: DemoRepository, branch: string, at: number, pusher: Actor, commits: PushCommit[]) {
  const toPushCommit = ({ commit, distinct, committer }: PushCommit) => {
    const author = { name: commit.author.name, email: commit.author.email, username: commit.author.login };
    return {
      id: commit.sha,
      tree_id: createHash('sha1').update(`tree:${commit.sha}`).digest('hex'),
      distinct,
      message: commit.message,
      timestamp: iso(commit.at).replace('Z', '+00:00'),
      url: `${WEB}/${repo.fullName}/commit/${commit.sha}`,
      author,
      committer: committer ?? author,
      added: commit.files.filter((f) => f.status === 'added').map((f) => f.path),
      removed: commit.files.filter((f) => f.status === 'removed').map((f) => f.path),
      modified: commit.files.filter((f) => f.status === 'modified').map((f) => f.path),
    };
  };
  const list = commits.map(toPushCommit);
  const first = commits[0]!.commit;
  const last = commits.at(-1)!.commit;
  return {
    ref: `refs/heads/${branch}`,
    before: first.parents[0] ?? '0'.repeat(40),
    after: last.sha,
    repository: { ...repositoryObject(plan, repo, at), created_at: seconds(repo.createdAt), pushed_at: seconds(at), master_branch: 'main', stargazers: 0 },
    pusher: { name: pusher.login, email: pusher.email },
    organization: { login: plan.org.login, id: plan.org.id },
    installation: { id: plan.installationId, node_id: `I_${plan.installationId.toString(36)}` },
    sender: userObject(pusher),
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${WEB}/${repo.fullName}/compare/${first.parents[0]?.slice(0, 12) ?? ''}...${last.sha.slice(0, 12)}`,
    commits: list,
    head_commit: list.at(-1) ?? null,
  };
}

/** The merge commit GitHub makes when a PR is merged with a merge commit. */
export function mergeCommitOf(plan: DemoPlan, pr: PlannedPullRequest): PlannedCommit {
  return {
    sha: pr.mergeCommitSha!,
    parents: [pr.commits[0]!.parents[0]!, pr.commits.at(-1)!.sha],
    message: `Merge pull request #${pr.number} from ${plan.org.login}/${pr.branch}\n\n${pr.title}`,
    author: pr.mergedBy!,
    at: pr.mergedAt!,
    files: [],
    byClaudeCode: false,
  };
}

export const WEB_FLOW_COMMITTER = { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' };
