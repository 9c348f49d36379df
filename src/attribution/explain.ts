import { DEFAULT_MIN_SIMILARITY, type Evidence } from './attribute-pull-request.js';

/*
 * An attribution's evidence in plain words, for people reading why a PR counts (or not).
 */

const short = (sha: string) => sha.slice(0, 7);
const sessionName = (id: string) => id.slice(0, 8);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const REMOTE_SIGNAL_WORDS = {
  bot_author: "opened by Claude Code's GitHub bot",
  claude_branch: 'from a claude/ branch',
  bot_commit: "commits by Claude Code's GitHub bot",
  session_url: 'a Claude Code session link in the commit message',
} as const;

/** "in acme/widgets", "in acme/mono, folder services/api": where the session worked. */
function whereSessionWorked(e: { repository?: string | undefined; folder?: string | null | undefined }): string {
  if (!e.repository) return '';
  return e.folder ? `, working in ${e.repository}, folder ${e.folder}` : `, working in ${e.repository}`;
}

function monthDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function explainEvidence(evidence: Evidence[], linesAdded: number, authorLogin: string): string[] {
  return evidence.map((e) => {
    switch (e.kind) {
      case 'line_match': {
        const head = `${e.lines} of ${plural(linesAdded, 'line')} match what Claude Code wrote in session ${sessionName(e.sessionId)}${whereSessionWorked(e)}`;
        // Attributions stored before edited lines were matched have no `edited`: all of theirs were exact.
        const edited = e.files.reduce((n, f) => n + (f.edited ?? 0), 0);
        if (edited === 0) return `${head} (${e.files.map((f) => `${f.path}: ${f.lines}`).join(', ')})`;
        const files = e.files.map((f) => `${f.path}: ${f.exact ?? f.lines} exact, ${f.edited ?? 0} edited`).join('; ');
        const percent = Math.round((1 - (e.minSimilarity ?? DEFAULT_MIN_SIMILARITY)) * 100);
        return `${head} (${files}); an edited line was changed by at most ${percent}% after Claude Code wrote it (a person's tweak or a formatter)`;
      }
      case 'commit_link':
        return `${e.commits.length === 1 ? 'commit' : 'commits'} ${e.commits.map(short).join(', ')} ${e.commits.length === 1 ? 'was' : 'were'} made by Claude Code (session ${sessionName(e.sessionId)})${e.lines > 0 ? `; its ${plural(e.lines, 'line')} count` : ''}`;
      case 'trailer': {
        const parts: string[] = [];
        if (e.commits.length > 0) parts.push(`${e.commits.length === 1 ? 'commit' : 'commits'} ${e.commits.map(short).join(', ')} ${e.commits.length === 1 ? 'carries' : 'carry'} a Co-Authored-By: Claude trailer`);
        if (e.prBody) parts.push('the description says "Generated with Claude Code"');
        return `${parts.join('; ')}${e.lines > 0 ? `; ${plural(e.lines, 'line')} counted from them` : ''}`;
      }
      case 'claude_code_remote': {
        const what = e.commits.length > 0 && !e.signals.includes('bot_author') && !e.signals.includes('claude_branch')
          ? `${e.commits.length === 1 ? 'commit' : 'commits'} ${e.commits.map(short).join(', ')} ${e.commits.length === 1 ? 'was' : 'were'} made by Claude Code on the web or in GitHub Actions`
          : 'Claude Code on the web or in GitHub Actions made this change';
        const why = e.signals.map((s) => REMOTE_SIGNAL_WORDS[s]).join(', ');
        const credit = e.creditedTo ? `, credited to ${e.creditedTo}` : '; nobody is known to have asked for it, so it counts with the bots';
        return `${what} (${why}); ${plural(e.lines, 'line')} count${credit}`;
      }
      case 'session_activity':
        return `${authorLogin} used Claude Code on ${plural(e.days.length, 'day')} around the merge (${e.days.map(monthDay).join(', ')}), but nothing links it to this PR; not counted`;
    }
  });
}
