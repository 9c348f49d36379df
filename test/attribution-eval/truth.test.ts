import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addedLinesOfPatch, effectiveLines } from '../../src/attribution/effective-lines.js';
import { loadRecording, RECORDINGS_DIR, scenarioNames, scenarioTruth, score, type PullRequestOutcome } from './evaluate.js';

/*
 * A check of the hand-counted truth: the spec's rules applied directly to the recordings, with none
 * of the app's code but the normalization. What each session wrote comes from its hook calls (only
 * the lines new to the file: a Write over an existing file reports them in `structuredPatch`), in
 * the repository it worked in; files are followed through the PR's own moves; a PR line is
 * Claude's when it equals, or is within 20% of (similarity ≥ 0.8), a line Claude wrote into that
 * same file, exact matches first, each written line used once; a commit authored by Claude Code on
 * the web counts whole. The per-file counts must equal those written in the scenario files.
 */

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}
const similarity = (a: string, b: string) => 1 - levenshtein(a, b) / Math.max(a.length, b.length);

interface Hook {
  cwd: string;
  tool_name: string;
  tool_input: { file_path?: string; content?: string };
  tool_response?: { content?: string; structuredPatch?: { lines: string[] }[] };
}

/** Effective lines each session wrote, per `repository:path`. */
function writtenLines(name: string): Map<string, string[]> {
  const written = new Map<string, string[]>();
  for (const session of loadRecording(name).sessions) {
    const dir = join(RECORDINGS_DIR, name, session.id, 'captured');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { file: string; path: string }[];
    for (const r of index.filter((r) => r.path === '/hooks/claude-code')) {
      const hook = JSON.parse(readFileSync(join(dir, r.file), 'utf8')) as Hook;
      if ((hook.tool_name !== 'Write' && hook.tool_name !== 'Edit') || !hook.tool_input.file_path) continue;
      const root = session.cwd ? hook.cwd.slice(0, -session.cwd.length - 1) : hook.cwd;
      const path = hook.tool_input.file_path.slice(root.length + 1);
      const patch = hook.tool_response?.structuredPatch ?? [];
      const lines =
        patch.length > 0
          ? patch.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)))
          : (hook.tool_response?.content ?? hook.tool_input.content ?? '').split('\n');
      const key = `${session.repository}:${path}`;
      written.set(key, [...(written.get(key) ?? []), ...effectiveLines(lines)]);
    }
  }
  return written;
}

function byRules(name: string): { key: string; files: Record<string, [number, number]> }[] {
  const written = writtenLines(name);
  return loadRecording(name).pullRequests.map((pr) => {
    const earlier = new Map<string, string[]>(); // path → the paths it had before moves in this PR
    const remote = new Map<string, string[]>(); // path → lines of commits Claude Code on the web made
    for (const c of pr.commits) {
      for (const f of c.files) {
        if (f.previous_filename) earlier.set(f.filename, [f.previous_filename, ...(earlier.get(f.previous_filename) ?? [])]);
        if (c.author.email === 'noreply@anthropic.com' && f.patch) remote.set(f.filename, effectiveLines(addedLinesOfPatch(f.patch)));
      }
    }
    const files: Record<string, [number, number]> = {};
    for (const f of pr.files) {
      const added = effectiveLines(addedLinesOfPatch(f.patch ?? ''));
      const pool = [f.filename, ...(earlier.get(f.filename) ?? [])].flatMap((p) => written.get(`${pr.repository}:${p}`) ?? []);
      pool.push(...(remote.get(f.filename) ?? []));
      const unmatched: string[] = [];
      let claude = 0;
      for (const line of added) {
        const i = pool.indexOf(line);
        if (i === -1) unmatched.push(line);
        else {
          pool.splice(i, 1);
          claude++;
        }
      }
      for (const line of unmatched) {
        let best = -1;
        let bestSimilarity = 0.8;
        pool.forEach((w, i) => {
          const s = similarity(line, w);
          if (s >= bestSimilarity) [best, bestSimilarity] = [i, s];
        });
        if (best !== -1) {
          pool.splice(best, 1);
          claude++;
        }
      }
      files[f.filename] = [added.length, claude];
    }
    return { key: `${pr.repository}#${pr.number}`, files };
  });
}

describe('the hand-counted truth follows the spec', () => {
  const all: PullRequestOutcome[] = [];
  for (const name of scenarioNames()) {
    it(name, () => {
      const { truths } = scenarioTruth(name);
      for (const { key, files } of byRules(name)) {
        const truth = truths.get(key)!;
        expect({ key, files }).toEqual({ key, files: truth.byFile });
        const total = Object.values(files).reduce((t, [a, c]) => [t[0] + a, t[1] + c], [0, 0]);
        expect(total).toEqual([truth.linesAdded, truth.linesWithClaudeCode]);
        all.push({ scenario: name, key, title: '', truth, got: { linesAdded: total[0]!, linesWithClaudeCode: total[1]!, withClaudeCode: total[1]! > 0, evidence: [] } });
      }
    });
  }

  it('scores the rules themselves at precision 1 and recall 1', () => {
    expect(score(all)).toMatchObject({ pullRequests: 17, pullRequestsRight: 17, claudeLines: 148, precision: 1, recall: 1 });
  });
});

describe('score', () => {
  const outcome = (truth: number, got: number, added = 10): PullRequestOutcome => ({
    scenario: 's',
    key: `acme/x#${truth}${got}`,
    title: '',
    truth: { linesAdded: added, linesWithClaudeCode: truth },
    got: { linesAdded: added, linesWithClaudeCode: got, withClaudeCode: got > 0, evidence: [] },
  });

  it('counts lines credited beyond the truth as false positives and lines short of it as missed', () => {
    expect(score([outcome(8, 10), outcome(5, 2), outcome(0, 0)])).toMatchObject({
      pullRequests: 3,
      pullRequestsRight: 1,
      claudeLines: 13,
      creditedLines: 12,
      truePositives: 10,
      falsePositives: 2,
      falseNegatives: 3,
      precision: 10 / 12,
      recall: 10 / 13,
    });
  });

  it('a PR not attributed at all credits nothing; nothing credited is precision 1', () => {
    expect(score([{ ...outcome(4, 0), got: null }])).toMatchObject({ pullRequestsRight: 0, creditedLines: 0, precision: 1, recall: 0 });
  });
});
