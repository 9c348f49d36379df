/*
 * What a revert says it reverts (spec: Outcomes). Git's `git revert` writes "This reverts commit
 * <sha>." (", reversing changes made to <sha>." for a merge) into the message; GitHub's Revert
 * button opens a PR whose body starts "Reverts owner/repo#N". Only the link is kept, never the
 * text. Messages and bodies are hostile input: only their first 64 KiB are read, names and numbers
 * are bounded, and nothing here backtracks.
 */

/** How much of a message or body is read for a revert link. */
export const REVERT_TEXT_LIMIT = 64 * 1024;

const REVERTED_COMMIT = /^This reverts commit ([0-9a-f]{40}(?:[0-9a-f]{24})?)\b/im;
const REVERTED_PULL_REQUEST = /^Reverts ([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})#([0-9]{1,9})[ \t\r]*$/m;

/** The sha (lowercase) a commit message says it reverts, or null. */
export function revertedShaOf(message: string | null | undefined): string | null {
  if (!message) return null;
  const m = REVERTED_COMMIT.exec(message.slice(0, REVERT_TEXT_LIMIT));
  return m ? m[1]!.toLowerCase() : null;
}

/** `owner/repo#N` (lowercase) a PR body says it reverts (GitHub's revert PRs), or null. */
export function revertedPullRequestOf(body: string | null | undefined): string | null {
  if (!body) return null;
  const m = REVERTED_PULL_REQUEST.exec(body.slice(0, REVERT_TEXT_LIMIT));
  if (!m) return null;
  const number = Number(m[3]);
  return number > 0 ? `${m[1]}/${m[2]}#${number}`.toLowerCase() : null;
}
