import { describe, expect, it } from 'vitest';
import { claudeLine, personLine, planPhase, seeded } from '../../bench/freshness-plan.js';
import { effectiveLine } from '../../src/attribution/effective-lines.js';

/*
 * The freshness benchmark's plan (issue: live numbers): the PRs it merges must carry exactly the
 * attribution it expects of them, or its "attributed as their lines make it" row checks nothing.
 * (The whole benchmark at a 5-developer size takes over 30 s on the development machine, so it is
 * not part of the suite.)
 */

describe('freshness benchmark plan', () => {
  it('plans PRs whose every line counts, and Claude Code lines only where a session wrote them', () => {
    const prs = planPhase({ phase: 't', developers: 20, seconds: 60, firstNumber: 100, seed: 7 });
    // One merge every 2-5 s over 60 s.
    expect(prs.length).toBeGreaterThanOrEqual(12);
    expect(prs.length).toBeLessThanOrEqual(30);
    for (const pr of prs) {
      const added = pr.planned.commits.flatMap((c) => c.files.flatMap((f) => f.hunks.flatMap((h) => h.lines)));
      expect(added.every((l) => l.startsWith('+') && effectiveLine(l.slice(1)) !== null)).toBe(true);
      expect(pr.expected.linesAdded).toBe(added.length);
      // A PR with Claude Code lines comes with the session's Write calls; one without has none.
      expect(pr.hookCalls.length).toBe(pr.expected.withClaudeCode ? 2 : 0);
      if (pr.expected.withClaudeCode) {
        const written = new Set(pr.hookCalls.flatMap((c) => ((c as { tool_input: { content: string } }).tool_input.content.trimEnd().split('\n'))));
        expect(added.filter((l) => written.has(l.slice(1))).length).toBe(pr.expected.linesWithClaudeCode);
        expect(pr.dev % 10).toBeLessThan(6); // only the org's Claude Code users
      } else {
        expect(pr.expected.linesWithClaudeCode).toBe(0);
      }
    }
    expect(prs.some((pr) => pr.expected.withClaudeCode)).toBe(true);
    expect(prs.some((pr) => !pr.expected.withClaudeCode)).toBe(true);
  });

  it('writes people’s lines in words Claude Code’s lines never use', () => {
    const random = seeded(3);
    const claude = claudeLine(random, '1');
    const person = personLine(random, '1');
    const words = (l: string) => new Set(l.match(/[a-z]{2,}/gi)!.map((w) => w.toLowerCase()));
    const shared = [...words(claude)].filter((w) => words(person).has(w));
    expect(shared).toEqual([]);
  });
});
