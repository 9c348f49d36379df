import type { DemoPlan } from './demo-plan.js';
import { utcDay } from './planning.js';
import { isCountedLine } from './synthetic-code.js';

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

/** What the Teams page and `GET …/teams` should show for one team, counted from the plan. */
export interface ExpectedTeam {
  slug: string;
  source: 'github' | 'telemetry';
  pullRequestsMerged: number;
  pullRequestsWithClaudeCode: number;
  linesCommitted: number;
}

/**
 * The teams' figures (spec: Teams), counted from the plan: a GitHub team's people are its members
 * (the stand-in GitHub lists them), and whoever's Claude Code named the team (its slug) on a day is
 * in it that day. A merged PR counts for a team when its author was in it on the merge day, so a
 * person in two teams counts in both; the org's totals stay what `expectedFigures` counts.
 * `telemetryDays(login)` gives the UTC days a person's Claude Code sent telemetry.
 */
export function expectedTeams(
  plan: DemoPlan,
  telemetryDays: (login: string) => Set<string>,
  range: { startDate: string; endDate: string } = { startDate: plan.days[0]!, endDate: plan.days.at(-1)! },
): ExpectedTeam[] {
  const inRange = (day: string) => day >= range.startDate && day <= range.endDate;
  const slugOf = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const github = new Set(plan.people.flatMap((p) => p.teams));
  const telemetry = new Set(
    plan.people
      .filter((p) => p.claudeCode && [...telemetryDays(p.login)].some(inRange))
      .map((p) => slugOf(p.telemetryTeam))
      .filter((slug) => !github.has(slug)),
  );
  const inTeam = (slug: string, login: string, day: string) => {
    const person = plan.people.find((p) => p.login === login);
    if (!person) return false;
    return person.teams.includes(slug) || (person.claudeCode !== null && slugOf(person.telemetryTeam) === slug && telemetryDays(login).has(day));
  };
  const work = [
    ...plan.pullRequests
      .filter((p) => p.mergedAt !== null && (p.author.type !== 'Bot' || p.creditedTo))
      .map((p) => ({ login: (p.creditedTo ?? p.author).login, day: utcDay(p.mergedAt!), pr: true, lines: p.expected.linesAdded, withClaudeCode: p.expected.linesWithClaudeCode > 0 })),
    ...plan.directPushes
      .filter((d) => d.pusher.type !== 'Bot')
      .map((d) => ({ login: d.pusher.login, day: utcDay(d.at), pr: false, lines: d.expected.linesAdded, withClaudeCode: false })),
  ].filter((w) => inRange(w.day));
  return [...[...github].map((slug) => ({ slug, source: 'github' as const })), ...[...telemetry].map((slug) => ({ slug, source: 'telemetry' as const }))]
    .sort((a, b) => a.slug.localeCompare(b.slug))
    .map(({ slug, source }) => {
      const mine = work.filter((w) => inTeam(slug, w.login, w.day));
      const prs = mine.filter((w) => w.pr);
      return {
        slug,
        source,
        pullRequestsMerged: prs.length,
        pullRequestsWithClaudeCode: prs.filter((w) => w.withClaudeCode).length,
        linesCommitted: mine.reduce((n, w) => n + w.lines, 0),
      };
    });
}

/** One merged PR's lines as the plan made them: how many it added, and after how long each group of them ended. */
export interface ExpectedLineLives {
  pullRequest: DemoPlan['pullRequests'][number];
  mergedAt: number;
  lines: number;
  /** Milliseconds from the merge to each ending, one entry per line ended. */
  endedAfterMs: number[];
}

/**
 * The lives of the lines each person's merged PR added (spec: Durability), replayed from the plan:
 * every merged change (PRs, bots' too, and direct pushes) in merge order; a counted line a change
 * deletes from a file ends the oldest life with that text there, a file removed ends every life in
 * it, and a counted line a change adds starts a life (the demo's counted lines are unique per file,
 * so text stands for the app's fingerprint). Lock files and the like have no lives.
 */
export function expectedLineLives(plan: DemoPlan): ExpectedLineLives[] {
  const changes = [
    ...plan.pullRequests.filter((p) => p.mergedAt !== null).map((p) => ({ at: p.mergedAt!, repository: p.repository.name, files: p.commits.flatMap((c) => c.files), pr: p })),
    ...plan.directPushes.map((d) => ({ at: d.at, repository: d.repository.name, files: d.commit.files, pr: undefined })),
  ].sort((a, b) => a.at - b.at);
  const lives = new Map<string, { text: string; owner: ExpectedLineLives | undefined }[]>();
  const out: ExpectedLineLives[] = [];
  const clean = (line: string) => line.trim().replace(/\s+/g, ' ');
  for (const change of changes) {
    const human = change.pr && (change.pr.author.type !== 'Bot' || change.pr.creditedTo);
    const owner: ExpectedLineLives | undefined = human ? { pullRequest: change.pr!, mergedAt: change.at, lines: 0, endedAfterMs: [] } : undefined;
    if (owner) out.push(owner);
    const end = (life: { owner: ExpectedLineLives | undefined }) => life.owner?.endedAfterMs.push(change.at - life.owner.mergedAt);
    for (const file of change.files) {
      if (file.excluded) continue;
      const key = `${change.repository}\u0000${file.path}`;
      const inFile = lives.get(key) ?? [];
      lives.set(key, inFile);
      if (file.status === 'removed') {
        for (const life of inFile.splice(0)) end(life);
        continue;
      }
      const lines = file.hunks.flatMap((h) => h.lines);
      for (const l of lines) {
        if (!l.startsWith('-') || !isCountedLine(l.slice(1))) continue;
        const i = inFile.findIndex((life) => life.text === clean(l.slice(1)));
        if (i >= 0) end(inFile.splice(i, 1)[0]!);
      }
      for (const l of lines) {
        if (!l.startsWith('+') || !isCountedLine(l.slice(1))) continue;
        inFile.push({ text: clean(l.slice(1)), owner });
        if (owner) owner.lines++;
      }
    }
  }
  return out;
}
