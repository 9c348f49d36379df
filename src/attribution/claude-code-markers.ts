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

// The Claude GitHub App's bot account, which Claude Code in GitHub Actions (and on the web, when it
// opens the PR) acts as.
const CLAUDE_BOT = /^claude(?:-code)?\[bot\]$/i;

// A link to a Claude Code session on the web, which Claude Code on the web puts in the commits it makes.
const CLAUDE_CODE_SESSION_URL = /https:\/\/claude\.ai\/code\/session_[A-Za-z0-9_-]{6,}/;

// `Co-authored-by: Dana <12345+dana@users.noreply.github.com>`: GitHub's no-reply address names
// the login. Claude Code in GitHub Actions credits the person who asked it this way.
const GITHUB_NOREPLY_CO_AUTHOR = /^[ \t]*co-authored-by:[^<\n]*<(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com>[ \t]*$/gim;

export function isClaudeBotLogin(login: string | null | undefined): boolean {
  return login ? CLAUDE_BOT.test(login) : false;
}

function hasClaudeCodeSessionUrl(commitMessage: string): boolean {
  return CLAUDE_CODE_SESSION_URL.test(commitMessage);
}

/** Branches Claude Code on the web and in GitHub Actions create: `claude/<what it does>`. */
export function isClaudeBranch(ref: string | null | undefined): boolean {
  return ref ? /^claude\/[^/]/i.test(ref) : false;
}

/** The first person a commit names as co-author by their GitHub no-reply address, lowercase. */
export function coAuthorLoginOf(commitMessage: string): string | null {
  for (const m of commitMessage.matchAll(GITHUB_NOREPLY_CO_AUTHOR)) {
    const login = m[1]!.toLowerCase();
    if (!login.endsWith('[bot]') && login !== 'claude') return login;
  }
  return null;
}

/** How a commit shows it was made by Claude Code away from a developer's machine, if it does. */
export function remoteCommitSignal(c: { message: string; authorLogin?: string | null; committerLogin?: string | null }): 'bot_commit' | 'session_url' | null {
  if (isClaudeBotLogin(c.authorLogin) || isClaudeBotLogin(c.committerLogin)) return 'bot_commit';
  if (hasClaudeCodeSessionUrl(c.message)) return 'session_url';
  return null;
}
