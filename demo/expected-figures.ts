import type { DemoPlan } from './demo-plan.js';
import { utcDay } from './planning.js';

/*
 * The figures the app should report for the demo, counted from the plan itself (what was sent),
 * not from the app's database: the demo's test compares the two.
 */

export interface ExpectedFigures {
  pullRequests: { merged: number; withClaudeCode: number; withoutClaudeCode: number; opened: number; byBots: number };
  linesCommitted: { total: number; withClaudeCode: number };
  claudeCode: {
    sessions: number;
    activeUsers: number;
    linesAccepted: number;
    decisions: { accepted: number; rejected: number };
    commits: number;
    pullRequests: number;
    costUsd: number;
  };
  /** Logins of developers who merged PRs and never used Claude Code in the range. */
  developersWithoutClaudeCode: string[];
}

export function expectedFigures(plan: DemoPlan, range: { startDate: string; endDate: string } = { startDate: plan.days[0]!, endDate: plan.days.at(-1)! }): ExpectedFigures {
  const inRange = (ms: number) => {
    const d = utcDay(ms);
    return d >= range.startDate && d <= range.endDate;
  };
  const merged = plan.pullRequests.filter((p) => p.mergedAt !== null && inRange(p.mergedAt));
  // A PR Claude Code's bot opened for a person is that person's (spec: `claude_code_remote`).
  const human = merged.filter((p) => p.author.type !== 'Bot' || p.creditedTo);
  const pushes = plan.directPushes.filter((d) => inRange(d.at) && d.pusher.type !== 'Bot');
  const sessions = plan.sessions.filter((s) => inRange(s.startedAt));
  const steps = sessions.flatMap((s) => s.steps);
  const writes = steps.filter((s) => s.kind === 'write' || s.kind === 'edit');

  const claudeUsers = new Set(sessions.map((s) => s.person.login));
  const mergers = new Set(human.map((p) => (p.creditedTo ?? p.author).login));
  return {
    pullRequests: {
      merged: human.length,
      withClaudeCode: human.filter((p) => p.expected.linesWithClaudeCode > 0).length,
      withoutClaudeCode: human.filter((p) => p.expected.linesWithClaudeCode === 0).length,
      opened: plan.pullRequests.filter((p) => p.author.type !== 'Bot' && inRange(p.createdAt)).length,
      byBots: merged.length - human.length,
    },
    linesCommitted: {
      total: human.reduce((n, p) => n + p.expected.linesAdded, 0) + pushes.reduce((n, d) => n + d.expected.linesAdded, 0),
      withClaudeCode: human.reduce((n, p) => n + p.expected.linesWithClaudeCode, 0) + pushes.reduce((n, d) => n + d.expected.linesWithClaudeCode, 0),
    },
    claudeCode: {
      sessions: sessions.length,
      activeUsers: claudeUsers.size,
      linesAccepted: writes.reduce((n, s) => n + (s.kind === 'write' || s.kind === 'edit' ? s.linesAdded : 0), 0),
      decisions: { accepted: writes.length, rejected: steps.filter((s) => s.kind === 'reject').length },
      commits: steps.filter((s) => s.kind === 'bash' && s.commit).length,
      pullRequests: steps.filter((s) => s.kind === 'bash' && s.pullRequest).length,
      costUsd: sessions.reduce((n, s) => n + s.apiRequests.reduce((k, r) => k + r.costUsd, 0), 0),
    },
    developersWithoutClaudeCode: [...mergers].filter((login) => !claudeUsers.has(login)).sort(),
  };
}
