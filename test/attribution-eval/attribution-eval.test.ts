import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateScenario, formatTable, scenarioNames, scenarioTruth, score, type PullRequestOutcome } from './evaluate.js';

/*
 * The attribution evaluation (issue 13): scenarios recorded with the real Claude Code CLI, sent
 * through the app's real endpoints, every PR's `lines_added`, `lines_with_claude_code` and
 * `with_claude_code` checked against the truth counted by hand (in
 * test/fixtures/claude-code-scenarios/<scenario>.json), then line precision (must be 1) and recall
 * (must be ≥ 0.95) over all of them. `npm run eval:attribution` prints the same table.
 *
 * Some rules these scenarios need are not merged yet. Each PR below names the features its
 * Claude Code line count depends on; while one of them is missing from MERGED_FEATURES the case is
 * an expected failure (`it.fails`), so the suite stays green and turns red the moment a feature
 * makes a case pass without being listed here. Merging a feature = adding it to MERGED_FEATURES.
 */

type Feature =
  /** Lines within 20% of what Claude wrote count (similarity ≥ 0.8); a formatter's pass keeps lines Claude's. */
  | 'similarity'
  /** A session matches only in the repository (and monorepo folder) it worked in. */
  | 'session_scope'
  /** A file Claude wrote and a later commit of the same PR moved is followed through the PR's commits. */
  | 'moves_through_commits'
  /** A Write over an existing file credits only the lines new to the file. */
  | 'write_over_existing'
  /** Work of Claude Code on the web or in GitHub Actions (claude/ branch, session URL, Claude's bot) counts. */
  | 'claude_code_remote'
  /**
   * The sketches split names into their parts (`taxFor` → `tax`, `For`), so `taxFor` → `vatFor` costs
   * 3 characters and `rate` → `taxRate` 3, not the whole name.
   */
  | 'identifier_parts';

const MERGED_FEATURES = new Set<Feature>(['similarity', 'session_scope', 'write_over_existing', 'moves_through_commits', 'claude_code_remote', 'identifier_parts']);

/** What each PR's Claude Code line count needs, and why it is wrong without it (measured on the code of the attr-eval branch). */
const NEEDS: Record<string, { features: Feature[]; without: string }> = {
  'acme/shop#101': {
    features: ['similarity', 'identifier_parts'],
    without:
      '17 of 23 without similarity: the 6 lines Priya tweaked (a constant, two renames) are missed; 21 of 23 with it: two lines whose renamed names (taxFor → vatFor, rate → taxRate) the sketches price at the whole name fall below 0.8',
  },
  'acme/ledger#201': { features: ['similarity'], without: '11 of 30: the 19 lines prettier changed (semicolons, spacing, arrow parentheses) are missed' },
  'acme/notify#301': {
    features: ['moves_through_commits', 'similarity'],
    without: '3 of 16: the two moved templates (13 lines, one greeting tweaked) show as new files and are missed',
  },
  'acme/platform#402': { features: ['session_scope'], without: '5 credited, truth 0: lines identical to ones Claude wrote in services/api match services/web by path suffix' },
  'acme/billing-web#502': { features: ['session_scope'], without: "15 credited, truth 8: billing-web's src/config.ts matches billing-api's (7 identical lines)" },
  'acme/catalog#601': { features: ['write_over_existing'], without: '14 credited, truth 12: the 2 lines already in search.ts, moved by Kenji, count as Claude\'s Write' },
  'acme/search-ui#704': { features: ['session_scope'], without: "3 credited, truth 0: same path as the file Noor's session wrote in acme/search" },
  'acme/search#705': { features: ['session_scope'], without: "4 credited, truth 0: same path as the file Theo's session wrote in acme/search-ui" },
  'acme/reports#801': { features: ['claude_code_remote'], without: '0 of 7: a claude/ branch and a commit with a Claude Code session URL are not evidence yet' },
};

const ALL_FEATURES: Feature[] = ['similarity', 'session_scope', 'moves_through_commits', 'write_over_existing', 'claude_code_remote', 'identifier_parts'];
const pending = (features: Feature[]) => features.filter((f) => !MERGED_FEATURES.has(f));

const outcomes: PullRequestOutcome[] = [];

for (const name of scenarioNames()) {
  const { title, truths } = scenarioTruth(name);
  describe(`${name}: ${title}`, () => {
    let results: PullRequestOutcome[] = [];
    beforeAll(async () => {
      results = await evaluateScenario(name);
      outcomes.push(...results);
    }, 60_000);
    const outcome = (key: string) => {
      const o = results.find((r) => r.key === key);
      if (!o?.got) throw new Error(`${key} was not attributed`);
      return o.got;
    };

    for (const [key, truth] of truths) {
      it(`${key} counts ${truth.linesAdded} effective lines`, () => {
        expect(outcome(key).linesAdded).toBe(truth.linesAdded);
      });
      const needs = pending(NEEDS[key]?.features ?? []);
      const label = `${key}: ${truth.linesWithClaudeCode} lines with Claude Code, ${truth.linesWithClaudeCode > 0 ? 'with' : 'without'} Claude Code`;
      (needs.length > 0 ? it.fails : it)(needs.length > 0 ? `${label} (expected to fail until ${needs.join(', ')}: ${NEEDS[key]!.without})` : label, () => {
        const got = outcome(key);
        expect({ linesWithClaudeCode: got.linesWithClaudeCode, withClaudeCode: got.withClaudeCode }).toEqual({
          linesWithClaudeCode: truth.linesWithClaudeCode,
          withClaudeCode: truth.linesWithClaudeCode > 0,
        });
      });
    }
  });
}

describe('over every scenario', () => {
  it('every PR of the scenarios was evaluated', () => {
    const expected = scenarioNames().reduce((n, name) => n + scenarioTruth(name).truths.size, 0);
    expect(outcomes).toHaveLength(expected);
    console.log(`\nAttribution evaluation (features merged: ${[...MERGED_FEATURES].join(', ') || 'none'})\n${formatTable(outcomes)}\n`);
  });

  const needs = pending(ALL_FEATURES);
  (needs.length > 0 ? it.fails : it)(`line precision is 1 and recall at least 0.95${needs.length > 0 ? ` (expected to fail until ${needs.join(', ')}; measured 0.831 and 0.696)` : ''}`, () => {
    const s = score(outcomes);
    expect(s.precision).toBe(1);
    expect(s.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('precision guard: no human-only PR is credited with a line, but those waiting for a rule not yet merged', () => {
    // Seven PRs (42 lines) by people who used Claude Code elsewhere the same day.
    const humanOnly = outcomes.filter((o) => o.truth.linesWithClaudeCode === 0);
    expect(humanOnly.map((o) => o.key).sort()).toEqual([
      'acme/platform#402',
      'acme/reports#802',
      'acme/search#703',
      'acme/search#705',
      'acme/search#707',
      'acme/search-ui#704',
      'acme/search-ui#706',
    ]);
    expect(humanOnly.reduce((n, o) => n + o.truth.linesAdded, 0)).toBe(42);
    const credited = humanOnly.filter((o) => (o.got?.linesWithClaudeCode ?? 0) > 0).map((o) => o.key);
    // Today only the PRs waiting for session scoping are credited (listed in NEEDS); nothing else may be.
    const allowed = Object.entries(NEEDS)
      .filter(([, n]) => pending(n.features).length > 0)
      .map(([key]) => key);
    expect(credited.filter((key) => !allowed.includes(key))).toEqual([]);
  });
});
