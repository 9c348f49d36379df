import type { ProbotOctokit } from 'probot';

export const LABEL_PULL_REQUEST = 'label-pull-request';
export const CLAUDE_CODE_LABEL = 'claude-code-assisted';

export interface LabelPullRequestPayload {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/** Labels a PR attributed to Claude Code (optional; needs `pull_requests: write`). GitHub creates the label if missing. */
export async function labelPullRequest({ octokit, payload }: { octokit: ProbotOctokit; payload: LabelPullRequestPayload }): Promise<void> {
  await octokit.rest.issues.addLabels({ owner: payload.owner, repo: payload.repo, issue_number: payload.number, labels: [CLAUDE_CODE_LABEL] });
}
