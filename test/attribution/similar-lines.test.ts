import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  attributePullRequest,
  type AttributionOptions,
  type FileLines,
  type PullRequestFacts,
  type SessionFacts,
} from '../../src/attribution/attribute-pull-request.js';
import { casedEffectiveLines, effectiveLines } from '../../src/attribution/effective-lines.js';
import { explainEvidence } from '../../src/attribution/explain.js';
import { fingerprintLines, lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { matchSimilarLines, SketchCache } from '../../src/attribution/match-similar-lines.js';

/*
 * Edited and reformatted lines (spec: Attribution, `line_match`: "differs from it by at most 20%").
 * Each example here is one in docs/attribution.md.
 */

const KEY = 'similar-lines-test-key-0123456789abcdef';

function file(path: string, lines: string[]): FileLines {
  return { path, ...fingerprintLines(KEY, casedEffectiveLines(lines)) };
}

function pr(lines: string[], path = 'src/a.ts'): PullRequestFacts {
  return {
    repository: 'acme/widgets',
    number: 7,
    authorLogin: 'dana',
    authorIsBot: false,
    mergedAt: '2026-11-21T12:00:00Z',
    files: [file(path, lines)],
    commits: [{ sha: '6a585aa491d050ef905bad884924ba0a6bf7dd09', claudeCodeTrailer: false }],
  };
}

function session(lines: string[], id = 'c09ec6b4-0000', path = 'src/a.ts'): SessionFacts {
  // The session ran in the repository's clone (`~/src/widgets`), which places it in acme/widgets.
  return {
    id,
    githubLogin: 'dana',
    activeDays: ['2026-11-20'],
    commitShas: [],
    pullRequests: [],
    written: [file(path, lines)],
    whereabouts: { cwd: '/home/dana/src/widgets' },
  };
}

const attribute = (claude: string[], merged: string[], options: AttributionOptions = {}) => attributePullRequest(pr(merged), [session(claude)], options);

/** Lines counted as exact and as edited, over every line_match. */
function counts(result: ReturnType<typeof attributePullRequest>) {
  let exact = 0;
  let edited = 0;
  for (const e of result.evidence) if (e.kind === 'line_match') for (const f of e.files) (exact += f.exact), (edited += f.edited);
  return { lines: result.linesWithClaudeCode, exact, edited };
}

describe('edited lines: similarity ≥ 0.8', () => {
  it('counts a line a person tweaked (a constant changed) as edited', () => {
    const result = attribute(['export const DEFAULT_RATE_LIMIT = 50;'], ['export const DEFAULT_RATE_LIMIT = 75;']);
    expect(counts(result)).toEqual({ lines: 1, exact: 0, edited: 1 });
    expect(result.evidence[0]).toMatchObject({ kind: 'line_match', minSimilarity: 0.8 });
  });

  it('does not count a line a person rewrote by more than a fifth', () => {
    const result = attribute(['const limit = 100;'], ['const limit = computeLimit(config);']);
    expect(counts(result)).toEqual({ lines: 0, exact: 0, edited: 0 });
  });

  // `f(x, x, …, x)`: 100 characters once spaces are gone; renaming d arguments changes d of them.
  const call = (renamed: number) => `f(${Array.from({ length: 49 }, (_, i) => (i < renamed ? 'y' : 'x')).join(', ')})`;
  it.each([
    [19, '0.81', 1],
    [20, '0.80', 1],
    [21, '0.79', 0],
  ])('%i of 100 characters rewritten (similarity %s): %i line', (renamed, _similarity, lines) => {
    expect(attribute([call(0)], [call(renamed)]).linesWithClaudeCode).toBe(lines);
  });

  it('follows ATTRIBUTION_MIN_SIMILARITY: 0.85 refuses 0.81, 1 counts exact matches only', () => {
    expect(attribute([call(0)], [call(19)], { minSimilarity: 0.85 }).linesWithClaudeCode).toBe(0);
    expect(attribute([call(0)], [call(15)], { minSimilarity: 0.85 }).linesWithClaudeCode).toBe(1);
    expect(attribute([call(0)], [call(1)], { minSimilarity: 1 }).linesWithClaudeCode).toBe(0);
  });

  it('takes exact matches first: a line Claude wrote once matches its exact copy, not also an edited one', () => {
    const result = attribute(['const limit = 50;'], ['const limit = 50;', 'const limit = 60;']);
    expect(counts(result)).toEqual({ lines: 1, exact: 1, edited: 0 });
  });

  it('takes exact matches of every session before edited ones', () => {
    // Session a wrote an edited-looking version, session b the exact line: the exact match wins.
    const merged = pr(['const retries = 3;']);
    const result = attributePullRequest(merged, [session(['const retries = 4;'], 'a'), session(['const retries = 3;'], 'b')]);
    expect(result.evidence).toMatchObject([{ kind: 'line_match', sessionId: 'b', files: [{ exact: 1, edited: 0 }] }]);
  });

  it('matches each line Claude wrote to at most one added line, the most similar first', () => {
    const claude = ['const requestTimeoutMs = 1000;'];
    const merged = ['const requestTimeoutMs = 1500;', 'const requestTimeoutMs = 1000 * 2;'];
    // Both are within 20%: 1 − 4 ÷ 26 = 0.85 (the number is one token) and 1 − 2 ÷ 28 = 0.93.
    expect(counts(attribute(claude, merged))).toEqual({ lines: 1, exact: 0, edited: 1 });
    const [written, added] = [file('src/a.ts', claude), file('src/a.ts', merged)];
    const matches = matchSimilarLines(
      { left: new Map(added.fingerprints), sketches: added.sketches },
      { left: new Map(written.fingerprints), sketches: written.sketches },
      0.8,
      new SketchCache(),
    );
    expect(matches).toEqual([
      { addedFingerprint: lineFingerprint(KEY, 'const requesttimeoutms = 1000 * 2;'), claudeFingerprint: [...written.fingerprints.keys()][0], lines: 1, similarity: 1 - 2 / 28 },
    ]);
    // Two Claude lines, two edited copies: both count, each to its own.
    const two = attribute(['const requestTimeoutMs = 1000;', 'const maxRetryCount = 3;'], ['const requestTimeoutMs = 1500;', 'const maxRetryCount = 5;']);
    expect(counts(two)).toEqual({ lines: 2, exact: 0, edited: 2 });
  });

  it('never matches a similar line Claude wrote into another file', () => {
    const result = attributePullRequest(pr(['export const DEFAULT_RATE_LIMIT = 75;'], 'src/b.ts'), [session(['export const DEFAULT_RATE_LIMIT = 50;'])]);
    expect(result.linesWithClaudeCode).toBe(0);
  });

  it('says it in plain words', () => {
    const result = attribute(
      ['export const DEFAULT_RATE_LIMIT = 50;', 'export const WINDOW_MS = 60_000;'],
      ['export const DEFAULT_RATE_LIMIT = 75;', 'export const WINDOW_MS = 60_000;', '// tuned by hand'],
    );
    expect(explainEvidence(result.evidence, result.linesAdded, 'dana')).toEqual([
      '2 of 3 lines match what Claude Code wrote in session c09ec6b4, working in acme/widgets (src/a.ts: 1 exact, 1 edited); an edited line was changed by at most 20% after Claude Code wrote it (a person\'s tweak or a formatter)',
    ]);
  });
});

describe('formatters keep Claude Code’s lines', () => {
  // What Claude Code wrote, in a style prettier changes: single quotes, no semicolons, no spaces
  // inside braces, unparenthesised arrow parameters, a trailing comma, `===` without spaces.
  const CLAUDE_TS = [
    "import {readFile} from 'node:fs/promises'",
    "import type {Config} from './config.js'",
    '',
    'export const DEFAULT_LIMIT = 50',
    '',
    'export async function loadConfig(path: string): Promise<Config> {',
    "  const raw = await readFile(path, 'utf8')",
    '  const parsed = JSON.parse(raw) as Partial<Config>',
    "  const names = Object.keys(parsed).filter(name => name.startsWith('limit'))",
    '  if (names.length===0) throw new Error(`no limits in ${path}`)',
    '  const limit = parsed.limit ?? DEFAULT_LIMIT',
    '  return {limit, names, strict: parsed.strict===true,}',
    '}',
  ].join('\n');

  it('the real prettier over Claude-written TypeScript: every formatted line still counts', async () => {
    const formatted = await format(CLAUDE_TS, { parser: 'typescript' });
    const merged = formatted.split('\n');
    expect(merged).toContain('  const names = Object.keys(parsed).filter((name) => name.startsWith("limit"));');
    expect(merged).toContain('  return { limit, names, strict: parsed.strict === true };');

    const claude = CLAUDE_TS.split('\n');
    const result = attribute(claude, merged);
    expect(result.linesAdded).toBe(10);
    expect(counts(result)).toEqual({ lines: 10, exact: 1, edited: 9 });
    // Exact matching alone (the rule before edited lines counted) kept only what normalization fixed.
    expect(attribute(claude, merged, { minSimilarity: 1 }).linesWithClaudeCode).toBe(1);
  });

  it('the real prettier over Claude-written JavaScript with a human line added: the human line does not count', async () => {
    const claude = ["const express = require('express')", 'const app = express()', "app.get('/health', (req,res) => res.json({ok:true}))", 'module.exports = app'];
    const formatted = (await format([...claude, 'app.listen(process.env.PORT || 8080)'].join('\n'), { parser: 'babel' })).split('\n');
    expect(formatted).toContain('app.get("/health", (req, res) => res.json({ ok: true }));');
    expect(counts(attribute(claude, formatted))).toEqual({ lines: 4, exact: 0, edited: 4 });
    expect(effectiveLines(formatted)).toHaveLength(5);
  });

  // Hand-written transforms of black (Python), gofmt (Go) and rustfmt (Rust): what each does to a
  // line, and that the formatted line still matches what Claude Code wrote.
  it.each([
    ['black: quotes and spacing', "x = {'a':1, 'b':2}", 'x = {"a": 1, "b": 2}'],
    ['black: spaces around operators', 'total=price*qty+tax', 'total = price * qty + tax'],
    ['black: a trailing comma in a call', '    fetch_user(user_id, retries=3)', '    fetch_user(user_id, retries=3,)'],
    ['black: lambda spacing and parentheses', 'key=lambda item:item[1]', 'key = lambda item: item[1]'],
    ['gofmt: operator and brace spacing', 'if err!=nil{', 'if err != nil {'],
    ['gofmt: tab-aligned struct fields', 'Name string `json:"name"`', 'Name\t\tstring\t`json:"name"`'],
    ['gofmt: composite literal spacing', 'p := Point{X:1,Y:2}', 'p := Point{X: 1, Y: 2}'],
    ['rustfmt: trailing comma in a struct literal', '    Config { limit: 50, strict: true }', '    Config { limit: 50, strict: true, }'],
    ['rustfmt: spacing in generics and closures', 'let v:Vec<u32>=xs.iter().map(|x|x*2).collect();', 'let v: Vec<u32> = xs.iter().map(|x| x * 2).collect();'],
    ['prettier: a semicolon and a trailing comma', 'const user = await getUser(id)', 'const user = await getUser(id);'],
    ['prettier: parenthesised arrow parameter', 'items.map(item => item.id)', 'items.map((item) => item.id);'],
  ])('%s', (_name, written, formatted) => {
    expect(counts(attribute([written], [formatted])).lines).toBe(1);
  });

  it('a line a formatter wrapped into several is not followed (a documented limit)', async () => {
    const claude = ['export const handler = createHandler({ route: "/users", method: "GET", auth: true, cache: 60 });'];
    const formatted = (await format(claude.join('\n'), { parser: 'typescript', printWidth: 60 })).split('\n');
    expect(formatted.length).toBeGreaterThan(3);
    // The pieces are lines of their own: none is within 20% of the whole line.
    expect(attribute(claude, formatted).linesWithClaudeCode).toBe(0);
  });
});
