import { toIso, type PullRequestInput, type RepositoryInput } from '../db/github-activity.js';

/*
 * GitHub payload objects → the store's inputs. Webhook payloads and REST answers describe the same
 * objects with small differences (owner objects, optional counts), so these take the loosest shape.
 */

interface RepositoryLike {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  owner?: { login?: string; name?: string | null } | null;
  default_branch?: string;
}

export function repositoryInput(repo: RepositoryLike): RepositoryInput {
  return {
    id: repo.id,
    name: repo.name,
    fullName: repo.full_name,
    ownerLogin: repo.owner?.login ?? repo.full_name.split('/')[0] ?? repo.full_name,
    private: repo.private,
    defaultBranch: repo.default_branch,
  };
}

interface UserLike {
  id: number;
  login: string;
  type?: string;
}

export function isBot(user: UserLike | null | undefined): boolean {
  return user?.type === 'Bot';
}

interface PullRequestLike {
  id: number;
  number: number;
  user: UserLike | null;
  title: string;
  body?: string | null;
  base: { ref: string };
  head: { ref: string; sha?: string };
  draft?: boolean;
  state: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  merge_commit_sha: string | null;
  merged_by?: UserLike | null;
  additions?: number;
  deletions?: number;
  changed_files?: number;
}

export function pullRequestInput(pr: PullRequestLike, repositoryId: number): PullRequestInput {
  return {
    id: pr.id,
    repositoryId,
    number: pr.number,
    authorId: pr.user?.id ?? null,
    // A deleted account shows as `null` user; GitHub itself shows it as "ghost".
    authorLogin: pr.user?.login ?? 'ghost',
    authorIsBot: isBot(pr.user),
    title: pr.title,
    body: pr.body ?? null,
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    headSha: pr.head.sha ?? null,
    draft: pr.draft ?? false,
    state: pr.state,
    createdAt: toIso(pr.created_at),
    githubUpdatedAt: toIso(pr.updated_at),
    closedAt: pr.closed_at ? toIso(pr.closed_at) : null,
    mergedAt: pr.merged_at ? toIso(pr.merged_at) : null,
    mergeCommitSha: pr.merged_at ? pr.merge_commit_sha : null,
    mergedByLogin: pr.merged_at ? (pr.merged_by?.login ?? null) : null,
    additions: pr.additions ?? null,
    deletions: pr.deletions ?? null,
    changedFiles: pr.changed_files ?? null,
  };
}
