import { describe, expect, it } from 'vitest';
import { casedLine } from '../../src/attribution/effective-lines.js';
import { fingerprintLines, lineFingerprint } from '../../src/attribution/line-fingerprint.js';
import { lineLives, lineSurvival, replayLineLives, type ChangeFile, type MergedChange } from '../../src/durability/line-lives.js';

/*
 * Hand-built histories of one repository (spec: Outcomes, "Durability"): which lines of each merged
 * change are still there 14, 30 and 90 days after it merged, and which ended within 21.
 */

const KEY = 'line-lives-test-key';
const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T12:00:00Z');
const fp = (line: string) => lineFingerprint(KEY, casedLine(line).toLowerCase());

/** A file of a change from real lines: fingerprints and sketches as enrichment stores them. */
function file(path: string, { added = [], deleted = [], status = 'modified', previousPath = null }: { added?: string[]; deleted?: string[]; status?: string; previousPath?: string | null }): ChangeFile {
  const { fingerprints, sketches } = fingerprintLines(KEY, added.map(casedLine));
  const gone = new Map<number, number>();
  for (const line of deleted) gone.set(fp(line), (gone.get(fp(line)) ?? 0) + 1);
  return { path, previousPath, status, added: fingerprints, deleted: gone, sketches };
}
const change = (subject: string, day: number, files: ChangeFile[]): MergedChange => ({ subject, at: T0 + day * DAY, files });
const livesOf = (changes: MergedChange[]) => new Map(lineLives(changes).map((l) => [l.subject, l]));

const A_LINES = ['const limit = readLimit(env);', 'const bucket = new TokenBucket(limit);', 'app.use(rateLimit(bucket));'];

describe('line lives', () => {
  it('a line deleted after 10 days: gone at 14, 30 and 90 days and counted as churn', () => {
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('pull_request:2', 10, [file('src/server.ts', { deleted: ['app.use(rateLimit(bucket));'], added: ['app.use(cors());'] })]),
    ]);
    const a = lives.get('pull_request:1')!;
    expect(a.ends).toEqual([{ lifeMs: 10 * DAY, lines: 1, rewritten: 0 }]);
    expect(lineSurvival(a, T0 + 100 * DAY)).toEqual({ lines: 3, surviving14d: 2, surviving30d: 2, surviving90d: 2, deleted21d: 1, rewritten21d: 0 });
    // The later PR's line starts its own life, untouched since.
    expect(lineSurvival(lives.get('pull_request:2')!, T0 + 100 * DAY)).toMatchObject({ lines: 1, surviving14d: 1, surviving90d: 1, deleted21d: 0 });
  });

  it('nothing is known of a horizon not reached yet', () => {
    const [a] = lineLives([change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })])]);
    expect(lineSurvival(a!, T0 + 20 * DAY)).toEqual({ lines: 3, surviving14d: 3, surviving30d: null, surviving90d: null, deleted21d: null, rewritten21d: null });
    expect(lineSurvival(a!, T0 + 14 * DAY - 1)).toMatchObject({ surviving14d: null });
  });

  it('a line rewritten slightly ends, counts as rewritten, and the rewrite lives on as the later change’s', () => {
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('pull_request:2', 3, [
        file('src/server.ts', { deleted: ['const bucket = new TokenBucket(limit);'], added: ['const bucket = new TokenBucket(limit * 2);'] }),
      ]),
    ]);
    expect(lives.get('pull_request:1')!.ends).toEqual([{ lifeMs: 3 * DAY, lines: 1, rewritten: 1 }]);
    expect(lineSurvival(lives.get('pull_request:1')!, T0 + 30 * DAY)).toMatchObject({ surviving14d: 2, deleted21d: 1, rewritten21d: 1 });
    expect(lives.get('pull_request:2')!.lines).toBe(1);
    // A heavy rewrite is a deletion.
    const heavy = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('pull_request:2', 3, [file('src/server.ts', { deleted: ['const bucket = new TokenBucket(limit);'], added: ['export default createServer({ port: 8080 });'] })]),
    ]);
    expect(heavy.get('pull_request:1')!.ends).toEqual([{ lifeMs: 3 * DAY, lines: 1, rewritten: 0 }]);
  });

  it('lines move with their file: a deletion after the rename ends them', () => {
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('pull_request:2', 5, [file('src/http/server.ts', { previousPath: 'src/server.ts', status: 'renamed' })]),
      change('pull_request:3', 40, [file('src/http/server.ts', { deleted: ['const limit = readLimit(env);'] })]),
      // The old path is gone: deleting there ends nothing.
      change('pull_request:4', 41, [file('src/server.ts', { deleted: A_LINES })]),
    ]);
    const a = lives.get('pull_request:1')!;
    expect(a.ends).toEqual([{ lifeMs: 40 * DAY, lines: 1, rewritten: 0 }]);
    expect(lineSurvival(a, T0 + 90 * DAY)).toMatchObject({ surviving14d: 3, surviving30d: 3, surviving90d: 2, deleted21d: 0 });
    expect(lives.get('pull_request:2')!.lines).toBe(0);
  });

  it('a line deleted and re-added later: the first life ends, the re-added one is the later change’s', () => {
    const line = 'const limit = readLimit(env);';
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: [line] })]),
      change('pull_request:2', 5, [file('src/server.ts', { deleted: [line] })]),
      change('pull_request:3', 8, [file('src/server.ts', { added: [line] })]),
      change('pull_request:4', 50, [file('src/server.ts', { deleted: [line] })]),
    ]);
    expect(lives.get('pull_request:1')!.ends).toEqual([{ lifeMs: 5 * DAY, lines: 1, rewritten: 0 }]);
    expect(lives.get('pull_request:3')!.ends).toEqual([{ lifeMs: 42 * DAY, lines: 1, rewritten: 0 }]);
    expect(lineSurvival(lives.get('pull_request:3')!, T0 + 200 * DAY)).toMatchObject({ surviving30d: 1, surviving90d: 0 });
  });

  it('a direct push that deletes a line ends it like a PR does', () => {
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('commit:9', 2, [file('src/server.ts', { deleted: ['app.use(rateLimit(bucket));', 'const limit = readLimit(env);'] })]),
    ]);
    expect(lineSurvival(lives.get('pull_request:1')!, T0 + 30 * DAY)).toMatchObject({ lines: 3, surviving14d: 1, deleted21d: 2 });
  });

  it('one deletion ends one life, the oldest; a line moved within the file lives on; a removed file ends them all', () => {
    const line = 'return cache.get(key);';
    const lives = livesOf([
      change('pull_request:1', 0, [file('src/cache.ts', { added: [line, line, 'cache.clear();'] })]),
      change('pull_request:2', 1, [file('src/cache.ts', { added: [line] })]),
      change('pull_request:3', 4, [file('src/cache.ts', { deleted: [line] })]),
      // Moved: deleted and added back in one change.
      change('pull_request:4', 6, [file('src/cache.ts', { deleted: ['cache.clear();'], added: ['cache.clear();'] })]),
      change('commit:7', 60, [file('src/cache.ts', { status: 'removed' })]),
    ]);
    expect(lives.get('pull_request:1')!.ends).toEqual([
      { lifeMs: 4 * DAY, lines: 1, rewritten: 0 },
      { lifeMs: 60 * DAY, lines: 2, rewritten: 0 },
    ]);
    expect(lives.get('pull_request:2')!.ends).toEqual([{ lifeMs: 59 * DAY, lines: 1, rewritten: 0 }]);
    expect(lives.get('pull_request:4')!.lines).toBe(0);
    expect(lineSurvival(lives.get('pull_request:1')!, T0 + 90 * DAY)).toMatchObject({ lines: 3, surviving30d: 2, surviving90d: 0 });
  });

  it('answers the same whatever order the changes come in', () => {
    const changes = [
      change('pull_request:1', 0, [file('src/server.ts', { added: A_LINES })]),
      change('commit:9', 2, [file('src/server.ts', { deleted: ['app.use(rateLimit(bucket));'] })]),
      change('pull_request:2', 2, [file('src/server.ts', { deleted: ['app.use(rateLimit(bucket));'] })]),
    ];
    expect(lineLives([...changes].reverse())).toEqual(lineLives(changes));
  });

  it('says until when its lives stand as the oldest changes leave the replay: not past a deletion that took the oldest of lines in the running', () => {
    const line = 'return cache.get(key);';
    const changes = [
      change('pull_request:1', 0, [file('src/cache.ts', { added: [line, 'cache.clear();'] })]),
      change('pull_request:2', 1, [file('src/cache.ts', { added: [line] })]),
      change('pull_request:3', 4, [file('src/cache.ts', { deleted: [line] })]),
    ];
    // PR #3's deletion ended PR #1's copy, the oldest; without PR #1 it ends PR #2's.
    const { lives, standsUntil } = replayLineLives(changes);
    expect(standsUntil).toBe(T0);
    expect(lives[1]!.ends).toEqual([]);
    expect(lineLives(changes.slice(1))[0]!.ends).toEqual([{ lifeMs: 3 * DAY, lines: 1, rewritten: 0 }]);

    // Deleting a line only PR #1 had is no contest: PR #1 can leave and the others keep their lives.
    const alone = [changes[0]!, changes[1]!, change('pull_request:3', 4, [file('src/cache.ts', { deleted: ['cache.clear();'] })])];
    const replay = replayLineLives(alone);
    expect(replay.standsUntil).toBe(Infinity);
    expect(lineLives(alone.slice(1))).toEqual(replay.lives.slice(1));
  });

  it('replaying only the changes from a time no later than standsUntil gives the remaining changes the same lives (random histories)', () => {
    let seed = 21;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor((seed / 2_147_483_648) * n);
    };
    const lineOf = (i: number) => `const total${i % 4} = price * ${i % 3} + tax(${i});`;
    const paths = ['src/a.ts', 'src/b.ts', 'src/c.ts'];
    let standing = 0;
    let contested = 0;
    for (let history = 0; history < 300; history++) {
      const changes: MergedChange[] = [];
      for (let c = 0; c < 8; c++) {
        const files: ChangeFile[] = [];
        for (const path of paths) {
          if (random(2) === 0) continue;
          const kind = random(12);
          const lines = (n: number) => Array.from({ length: n }, () => lineOf(random(6)));
          if (kind === 0) files.push(file(path, { status: 'removed' }));
          else if (kind === 1) files.push(file(path, { previousPath: paths[random(paths.length)]!, status: 'renamed', added: lines(random(2)) }));
          else files.push(file(path, { added: lines(random(4)), deleted: lines(random(4)) }));
        }
        changes.push(change(`${random(2) === 0 ? 'commit' : 'pull_request'}:${c}`, c + random(2), files));
      }
      const { lives, standsUntil } = replayLineLives(changes);
      for (const at of new Set(changes.map((c) => c.at))) {
        if (at > standsUntil) {
          contested++;
          continue;
        }
        standing++;
        expect(lineLives(changes.filter((c) => c.at >= at))).toEqual(lives.filter((l) => l.at >= at));
      }
    }
    // Both kinds occur: the check above ran, and the bound is not always infinite.
    expect(standing).toBeGreaterThan(300);
    expect(contested).toBeGreaterThan(100);
  });
});
