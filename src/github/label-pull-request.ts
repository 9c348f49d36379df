import type { ProbotOctokit } from 'probot';
import type { LabelPullRequestPayload } from '../jobs/job-kinds.js';

export const CLAUDE_CODE_LABEL = 'claude-code-assisted';

/** Labels a PR attributed to Claude Code (optional; needs `pull_requests: write`). GitHub creates the label if missing. */
export async function labelPullRequest({ octokit, payload }: { octokit: ProbotOctokit; payload: LabelPullRequestPayload }): Promise<void> {
  await octokit.rest.issues.addLabels({ owner: payload.owner, repo: payload.repo, issue_number: payload.number, labels: [CLAUDE_CODE_LABEL] });
}
