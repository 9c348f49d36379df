/*
 * The marks Claude Code leaves in commit messages and PR bodies (spec: Attribution, `trailer`).
 */

// `Co-Authored-By: Claude <noreply@anthropic.com>`, also with a model name
// (`Claude Opus 4.5 <noreply@anthropic.com>`), in any letter case, as a line of its own.
const CO_AUTHORED_BY_CLAUDE = /^[ \t]*co-authored-by:[ \t]*claude\b[^<\n]*<noreply@anthropic\.com>[ \t]*$/im;

// The line Claude Code appends to PR descriptions: "🤖 Generated with [Claude Code](https://claude.com/claude-code)".
const GENERATED_WITH_CLAUDE_CODE = /generated with \[?claude code\]?/i;

export function hasClaudeCodeTrailer(commitMessage: string): boolean {
  return CO_AUTHORED_BY_CLAUDE.test(commitMessage);
}

export function hasGeneratedWithClaudeCodeLine(pullRequestBody: string | null | undefined): boolean {
  return pullRequestBody ? GENERATED_WITH_CLAUDE_CODE.test(pullRequestBody) : false;
}
