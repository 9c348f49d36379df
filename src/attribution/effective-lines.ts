/*
 * Which added lines count (spec: Attribution, "Effective lines"). The PR side (GitHub patches)
 * and the Claude Code side (hook calls) both go through this module, so a line Claude wrote and
 * the same line in a merged diff normalize and fingerprint identically.
 */

/** Lines longer than this (minified code, data blobs) never count. */
const MAX_LINE_LENGTH = 1000;

/**
 * Trim, collapse whitespace, one quote style; not yet lowercased. The sketch reads the case of this
 * form to split names into their parts (`taxFor` → `tax`, `for`); the fingerprint never sees it.
 */
export function casedLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ').replace(/['`]/g, '"');
}

/** Trim, collapse whitespace, one quote style, lowercase. */
export function normalizeLine(line: string): string {
  return casedLine(line).toLowerCase();
}

// Nothing but brackets, punctuation and symbols (`});`, `],`, `---`, `*/`) says nothing about who wrote it.
const PUNCTUATION_ONLY = /^[\p{P}\p{S}\s]*$/u;

/** The normalized form of `line` if it counts, otherwise null. */
export function effectiveLine(line: string): string | null {
  if (line.length > MAX_LINE_LENGTH) return null;
  const normalized = normalizeLine(line);
  if (normalized.length <= 3) return null;
  if (PUNCTUATION_ONLY.test(normalized)) return null;
  return normalized;
}

/**
 * The effective lines among `lines` in their cased form (`casedLine`), in order, duplicates kept:
 * what `fingerprintLines` takes, so the sketch can split names by case. Lowercased, each is its
 * line's `effectiveLine`.
 */
export function casedEffectiveLines(lines: Iterable<string>): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (effectiveLine(line) !== null) out.push(casedLine(line));
  }
  return out;
}

/** The normalized effective lines among `lines`, in order, duplicates kept. */
export function effectiveLines(lines: Iterable<string>): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const normalized = effectiveLine(line);
    if (normalized !== null) out.push(normalized);
  }
  return out;
}

export type ExclusionReason = 'lock_file' | 'generated' | 'vendored' | 'snapshot' | 'fixture';

const LOCK_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'deno.lock',
  'cargo.lock',
  'go.sum',
  'go.work.sum',
  'poetry.lock',
  'pipfile.lock',
  'pdm.lock',
  'uv.lock',
  'gemfile.lock',
  'composer.lock',
  'mix.lock',
  'pubspec.lock',
  'podfile.lock',
  'package.resolved',
  'packages.lock.json',
  'gradle.lockfile',
  'flake.lock',
  'cartfile.resolved',
]);

const VENDORED_DIRS = new Set(['node_modules', 'vendor', 'third_party', 'bower_components', '.yarn']);
const GENERATED_DIRS = new Set(['dist', 'build', 'target', 'out', '.next', '.nuxt', 'coverage', '__generated__']);
const SNAPSHOT_DIRS = new Set(['__snapshots__']);
const FIXTURE_DIRS = new Set(['fixtures', '__fixtures__', 'cassettes', 'testdata']);

const GENERATED_FILES: RegExp[] = [
  /\.min\.(js|mjs|css)$/,
  /\.(js|css)\.map$/,
  /\.pb\.(go|cc|h|swift)$/,
  /_pb2(_grpc)?\.pyi?$/,
  /_pb\.(js|d\.ts)$/,
  /\.g\.dart$/,
  /\.freezed\.dart$/,
  /\.designer\.cs$/,
  /\.generated\.[a-z]+$/,
  /_generated\.go$/,
  /_string\.go$/, // `stringer` output
];

/**
 * Why a whole file is left out of line counts, or null when its lines count.
 * Paths are repository-relative with `/` separators, as GitHub reports them.
 */
export function excludedFileReason(path: string): ExclusionReason | null {
  const segments = path.toLowerCase().split('/');
  const base = segments.at(-1) ?? '';
  const dirs = segments.slice(0, -1);

  if (LOCK_FILES.has(base)) return 'lock_file';
  if (dirs.some((d) => VENDORED_DIRS.has(d))) return 'vendored';
  if (dirs.some((d) => GENERATED_DIRS.has(d)) || GENERATED_FILES.some((re) => re.test(base))) return 'generated';
  if (dirs.some((d) => SNAPSHOT_DIRS.has(d)) || base.endsWith('.snap')) return 'snapshot';
  if (dirs.some((d) => FIXTURE_DIRS.has(d))) return 'fixture';
  return null;
}

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

/**
 * The added lines of a unified diff, without their `+`. Lines are only read inside hunks and
 * each hunk is consumed by its declared lengths, so an added line that itself starts with
 * `++` (`+++i;`) is not mistaken for a file header, and file headers of a multi-file diff are skipped.
 */
export function addedLinesOfPatch(patch: string): string[] {
  return linesOfPatch(patch, '+');
}

/**
 * The deleted lines of a unified diff, without their `-`, read by the same hunk rules: what a
 * change took out of the file (spec: Outcomes, "Durability").
 */
export function deletedLinesOfPatch(patch: string): string[] {
  return linesOfPatch(patch, '-');
}

function linesOfPatch(patch: string, side: '+' | '-'): string[] {
  const added: string[] = [];
  const lines = patch.split('\n');
  let oldLeft = 0;
  let newLeft = 0;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (oldLeft > 0 || newLeft > 0) {
      const tag = line[0];
      if (tag === '+') {
        if (side === '+') added.push(line.slice(1));
        newLeft--;
      } else if (tag === '-') {
        if (side === '-') added.push(line.slice(1));
        oldLeft--;
      } else if (tag === '\\') {
        // "\ No newline at end of file" belongs to the previous line.
      } else {
        // Context line (GitHub may drop the leading space of an empty context line).
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const header = HUNK_HEADER.exec(line);
    if (header) {
      oldLeft = header[1] === undefined ? 1 : Number(header[1]);
      newLeft = header[2] === undefined ? 1 : Number(header[2]);
    }
  }
  return added;
}
