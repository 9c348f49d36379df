import { describe, expect, it } from 'vitest';
import {
  addedLinesOfPatch,
  effectiveLine,
  effectiveLines,
  excludedFileReason,
  normalizeLine,
} from '../../src/attribution/effective-lines.js';

describe('normalizeLine', () => {
  it.each([
    ['  const x = 1;  ', 'const x = 1;'],
    ['\tif (a)\t\t{', 'if (a) {'],
    ["import { a } from './a.js';", 'import { a } from "./a.js";'],
    ['const s = `hi`;', 'const s = "hi";'],
    ['Return Value;', 'return value;'],
    ['a    =     b', 'a = b'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeLine(input)).toBe(expected);
  });

  it('makes quote, whitespace and case variants of one line equal', () => {
    const variants = [
      "import { TokenBucket } from './rate-limiter.js';",
      'import {   TokenBucket } from "./rate-limiter.js";',
      '    IMPORT { TokenBucket } FROM `./rate-limiter.js`;   ',
    ];
    expect(new Set(variants.map(normalizeLine)).size).toBe(1);
  });
});

describe('effectiveLine', () => {
  it.each([
    ['', null, 'empty'],
    ['    ', null, 'whitespace only'],
    ['}', null, 'closing brace'],
    ['});', null, 'brackets and semicolon'],
    ['  ],  ', null, 'bracket and comma'],
    ['*/', null, 'comment close'],
    ['---', null, 'rule'],
    ['=> {', null, 'arrow and brace'],
    ['abc', null, '3 characters'],
    ['  a b  ', null, 'short after trimming'],
    ['abcd', 'abcd', '4 characters'],
    ['x++;', 'x++;', 'letters with punctuation'],
    ['return true;', 'return true;', 'a statement'],
    ['  } else {', '} else {', 'brackets around a keyword'],
    ["  const k = 'v';", 'const k = "v";', 'normalized'],
    ['a'.repeat(1000), 'a'.repeat(1000), '1,000 characters'],
    ['a'.repeat(1001), null, 'over 1,000 characters'],
    [`const data = "${'x'.repeat(2000)}";`, null, 'long data line'],
  ])('%j → %j (%s)', (input: string, expected: string | null, _why: string) => {
    expect(effectiveLine(input)).toBe(expected);
  });

  it('keeps duplicates and order', () => {
    expect(effectiveLines(['return x;', '}', 'return x;', ''])).toEqual(['return x;', 'return x;']);
  });
});

describe('excludedFileReason', () => {
  it.each([
    ['package-lock.json', 'lock_file'],
    ['web/yarn.lock', 'lock_file'],
    ['pnpm-lock.yaml', 'lock_file'],
    ['Cargo.lock', 'lock_file'],
    ['go.sum', 'lock_file'],
    ['poetry.lock', 'lock_file'],
    ['Gemfile.lock', 'lock_file'],
    ['composer.lock', 'lock_file'],
    ['ios/Podfile.lock', 'lock_file'],
    ['dist/index.js', 'generated'],
    ['packages/ui/build/app.js', 'generated'],
    ['target/release/x.rs', 'generated'],
    ['public/jquery.min.js', 'generated'],
    ['api/v1/service.pb.go', 'generated'],
    ['proto/service_pb2.py', 'generated'],
    ['node_modules/left-pad/index.js', 'vendored'],
    ['vendor/github.com/x/y.go', 'vendored'],
    ['src/__snapshots__/app.test.ts.snap', 'snapshot'],
    ['src/view.snap', 'snapshot'],
    ['test/fixtures/payload.json', 'fixture'],
    ['spec/cassettes/github.yml', 'fixture'],
    ['src/rate-limiter.ts', null],
    ['README.md', null],
    ['src/build.ts', null],
    ['src/distance.ts', null],
    ['docs/lockfile.md', null],
    ['src/fixtures.ts', null],
  ])('%s → %s', (path, expected) => {
    expect(excludedFileReason(path)).toBe(expected);
  });
});

describe('addedLinesOfPatch', () => {
  it('reads the added lines of a GitHub file patch', () => {
    const patch = [
      '@@ -1,7 +1,9 @@',
      " import { createServer } from 'node:http';",
      "+import { TokenBucket } from './rate-limiter.js';",
      ' ',
      ' export function start(port: number) {',
      '+  const bucket = new TokenBucket(100, 50);',
      '   const server = createServer((req, res) => {',
      '-    res.end();',
      "     res.writeHead(200, { 'content-type': 'text/plain' });",
      "     res.end('ok');",
      '   });',
    ].join('\n');
    expect(addedLinesOfPatch(patch)).toEqual([
      "import { TokenBucket } from './rate-limiter.js';",
      '  const bucket = new TokenBucket(100, 50);',
    ]);
  });

  it('skips file headers of a multi-file diff but keeps added lines that start with ++', () => {
    const patch = [
      'diff --git a/a.c b/a.c',
      'index 1..2 100644',
      '--- a/a.c',
      '+++ b/a.c',
      '@@ -1 +1,2 @@',
      ' int i;',
      '+++i;',
      'diff --git a/b.c b/b.c',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/b.c',
      '@@ -0,0 +1 @@',
      '+int b;',
      '\\ No newline at end of file',
    ].join('\n');
    expect(addedLinesOfPatch(patch)).toEqual(['++i;', 'int b;']);
  });

  it('handles several hunks and CRLF line endings', () => {
    const patch = '@@ -1,1 +1,2 @@\r\n a\r\n+b\r\n@@ -10,2 +11,1 @@\r\n-c\r\n d\r\n';
    expect(addedLinesOfPatch(patch)).toEqual(['b']);
  });

  it('returns nothing for an empty or missing patch', () => {
    expect(addedLinesOfPatch('')).toEqual([]);
  });
});
