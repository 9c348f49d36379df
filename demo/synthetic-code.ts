import { casedLine } from '../src/attribution/effective-lines.js';
import { allowedDistance, decodeSketch, LineSketcher, sketchSimilarity, type DecodedSketch } from '../src/attribution/line-sketch.js';
import type { Random } from './random.js';

/*
 * Plausible source code for the demo's pull requests and Claude Code edits. Every line that counts
 * (see `isCountedLine`) is unique within its file across the whole demo, so a line Claude Code wrote
 * into a file can only match that same line in a later diff: the demo's expected figures then follow
 * from the plan alone.
 */

export type Language = 'TypeScript' | 'Python' | 'Go' | 'Markdown';

export interface Domain {
  nouns: string[];
  verbs: string[];
  qualifiers: string[];
  fields: string[];
}

/** A line with letters or digits and more than three characters once trimmed counts; brackets and blanks do not. */
export function isCountedLine(line: string): boolean {
  let t = line.trim();
  if (t.length <= 3) return false;
  if (t.length < 12) t = t.replace(/\s+/g, ' ');
  return t.length > 3 && (/[A-Za-z0-9]/.test(t) || /[\p{L}\p{N}]/u.test(t));
}

/** The demo's own normal form of a line: what makes two lines "the same" for uniqueness. */
function normalForm(line: string): string {
  return line.trim().replace(/\s+/g, ' ').replace(/['`]/g, '"').toLowerCase();
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (...parts: string[]) => parts.map((p, i) => (i === 0 ? p : cap(p))).join('');
const pascal = (...parts: string[]) => parts.map(cap).join('');
const snake = (...parts: string[]) => parts.join('_');

/**
 * Lines already used per file path (normal form): a generator asks it before emitting a counted line
 * and tries another wording when the line exists, or when it is so close to one (a similarity the
 * app would count as an edit of it, with a margin) that a person's line could pass for Claude
 * Code's. So the demo's expected figures still follow from the plan alone.
 */
export class LineRegistry {
  readonly #used = new Map<string, Set<string>>();
  readonly #sketches = new Map<string, MarkedSketch[]>();
  /** Lines found too close to a claimed one: they stay so (claims only add), and templates draw them again and again. */
  readonly #tooClose = new Map<string, Set<string>>();
  // Any key gives the same similarities (only hash collisions differ), hence the margin below 0.8.
  readonly #sketcher = new LineSketcher('demo line registry');

  claim(path: string, line: string): boolean {
    if (!isCountedLine(line)) return true;
    let set = this.#used.get(path);
    if (!set) this.#used.set(path, (set = new Set()));
    const key = normalForm(line);
    if (set.has(key)) return false;
    const cased = casedLine(line);
    let tooClose = this.#tooClose.get(path);
    if (!tooClose) this.#tooClose.set(path, (tooClose = new Set()));
    if (tooClose.has(cased)) return false;
    const sketch = decodeSketch(this.#sketcher.sketch(cased));
    let sketches = this.#sketches.get(path);
    if (!sketches) this.#sketches.set(path, (sketches = []));
    const marked = sketch && markTokens(sketch);
    if (marked && sketches.some((other) => mayBeClose(marked, other) && sketchSimilarity(marked.sketch, other.sketch, 0.7) !== null)) {
      tooClose.add(cased);
      return false;
    }
    set.add(key);
    if (marked) sketches.push(marked);
    return true;
  }

  /**
   * Claims a slight rewrite of a line the file has (it is close to it on purpose): refused only when
   * the file already has this very line; from then on, lines close to it are refused like any other.
   */
  claimRewrite(path: string, line: string): boolean {
    let set = this.#used.get(path);
    if (!set) this.#used.set(path, (set = new Set()));
    const key = normalForm(line);
    if (set.has(key)) return false;
    set.add(key);
    const sketch = decodeSketch(this.#sketcher.sketch(casedLine(line)));
    if (sketch) {
      let sketches = this.#sketches.get(path);
      if (!sketches) this.#sketches.set(path, (sketches = []));
      sketches.push(markTokens(sketch));
    }
    return true;
  }
}

/** A sketch with its tokens marked in 128 bits (by hash), and the characters of its tokens under each bit. */
interface MarkedSketch {
  sketch: DecodedSketch;
  bits: Int32Array;
  charactersUnder: Uint16Array;
}

function markTokens(sketch: DecodedSketch): MarkedSketch {
  const bits = new Int32Array(4);
  const charactersUnder = new Uint16Array(128);
  sketch.ids.forEach((id, i) => {
    const bit = (id >>> 8) & 127;
    bits[bit >>> 5]! |= 1 << (bit & 31);
    charactersUnder[bit]! += sketch.lengths[i]!;
  });
  return { sketch, bits, charactersUnder };
}

/**
 * False when `a` and `b` cannot reach the registry's similarity: the characters of `a`'s tokens
 * whose bit `b` lacks are shared by no token of `b`, so at most the rest is shared — the bound
 * `sketchSimilarity` computes exactly, found here without comparing token lists (most pairs stop here).
 */
function mayBeClose(a: MarkedSketch, b: MarkedSketch): boolean {
  const longer = Math.max(a.sketch.total, b.sketch.total);
  const allowed = allowedDistance(longer, 0.7);
  if (Math.abs(a.sketch.total - b.sketch.total) > allowed) return false;
  let unshared = 0;
  for (let word = 0; word < 4; word++) {
    let only = a.bits[word]! & ~b.bits[word]!;
    while (only !== 0) {
      const low = only & -only;
      unshared += a.charactersUnder[word * 32 + 31 - Math.clz32(low)]!;
      only ^= low;
    }
  }
  return longer - (a.sketch.total - unshared) <= allowed;
}

interface Names {
  verb: string;
  qualifier: string;
  noun: string;
  other: string;
  field: string;
  field2: string;
  n: number;
  m: number;
}

function names(random: Random, domain: Domain): Names {
  const noun = random.pick(domain.nouns);
  let other = random.pick(domain.nouns);
  if (other === noun) other = random.pick(domain.nouns);
  const field = random.pick(domain.fields);
  let field2 = random.pick(domain.fields);
  if (field2 === field) field2 = random.pick(domain.fields);
  return {
    verb: random.pick(domain.verbs),
    qualifier: random.pick(domain.qualifiers),
    noun,
    other,
    field,
    field2,
    n: random.pick([3, 5, 10, 20, 25, 30, 50, 60, 100, 250, 500, 1000]),
    m: random.int(2, 900),
  };
}

type Template = (x: Names) => string;

const TS_BODY: Template[] = [
  (x) => `  const ${x.qualifier}${cap(x.noun)}s = await store.list${cap(x.noun)}s(${x.other}.id, { status: '${x.qualifier}' });`,
  (x) => `  if (${x.qualifier}${cap(x.noun)}s.length === 0) return [];`,
  (x) => `  const limit = options.limit ?? ${x.n};`,
  (x) => `  const cutoff = Date.now() - ${x.n} * 60_000;`,
  (x) => `  const byId = new Map(${x.noun}s.map((${x.noun}) => [${x.noun}.id, ${x.noun}]));`,
  (x) => `  log.info({ ${x.other}: ${x.other}.id, count: ${x.noun}s.length }, '${x.verb} ${x.qualifier} ${x.noun}s');`,
  (x) => `  const total = ${x.noun}s.reduce((sum, ${x.noun}) => sum + ${x.noun}.${x.field}, 0);`,
  (x) => `  if (${x.noun}.${x.field} > ${x.n}) throw new ${pascal(x.noun)}Error('${x.field} is over the limit of ${x.n}');`,
  (x) => `  const ${camel(x.field, 'by', x.other)} = groupBy(${x.noun}s, (${x.noun}) => ${x.noun}.${x.other}Id);`,
  (x) => `  await queue.enqueue('${x.noun}.${x.verb}', { ${x.noun}Id: ${x.noun}.id, attempt: ${x.m % 5} });`,
  (x) => `  metrics.increment('${x.noun}s_${x.verb}_total', { ${x.field}: String(${x.noun}.${x.field}) });`,
  (x) => `  return ${x.noun}s.filter((${x.noun}) => ${x.noun}.${x.field} >= ${x.m}).slice(0, limit);`,
  (x) => `  const ${x.field}Cents = Math.round(${x.noun}.${x.field} * ${x.n});`,
  (x) => `  // ${cap(x.qualifier)} ${x.noun}s are ${x.verb}ed first: the ${x.other} job expects them settled.`,
  (x) => `  for (const ${x.noun} of ${x.qualifier}${cap(x.noun)}s) await ${camel(x.verb, x.noun)}(${x.noun}, { retries: ${x.m % 7} });`,
  (x) => `  const { data: ${x.other} } = await client.get<${pascal(x.other)}>(\`/${x.other}s/\${${x.noun}.${x.other}Id}\`);`,
  (x) => `  if (!${x.other}.${x.field2}) return { ok: false, reason: 'missing ${x.field2} on ${x.other} ${x.m}' };`,
  (x) => `  const expiresAt = new Date(${x.noun}.createdAt.getTime() + ${x.n} * 86_400_000);`,
  (x) => `  await db.update(${x.noun}s).set({ ${x.field}: ${x.m}, updatedAt: new Date() }).where(eq(${x.noun}s.id, ${x.noun}.id));`,
  (x) => `  const ${camel('sorted', x.noun)}s = [...${x.noun}s].sort((a, b) => a.${x.field} - b.${x.field} || a.id.localeCompare(b.id));`,
  (x) => `  return { ${x.noun}Id: ${x.noun}.id, ${x.field}: ${x.noun}.${x.field}, ${x.field2}: ${x.other}.${x.field2} ?? ${x.m} };`,
  (x) => `  assert(${x.noun}.${x.field2} !== undefined, '${x.noun} ${x.m} has no ${x.field2}');`,
];

const PY_BODY: Template[] = [
  (x) => `    ${snake(x.qualifier, x.noun)}s = repo.list_${x.noun}s(${x.other}.id, status="${x.qualifier}")`,
  (x) => `    if not ${snake(x.qualifier, x.noun)}s:`,
  (x) => `        return {"${x.other}_id": ${x.other}.id, "${x.noun}s": 0, "batch": ${x.m}}`,
  (x) => `    cutoff = now() - timedelta(minutes=${x.n})`,
  (x) => `    frame = frame[frame["${x.field}"] >= ${x.m}].copy()`,
  (x) => `    frame["${x.field2}"] = frame["${x.field}"].fillna(${x.n}).astype("int64")`,
  (x) => `    logger.info("${x.verb} %d ${x.qualifier} ${x.noun}s for ${x.other} %s", len(${x.noun}s), ${x.other}.id)`,
  (x) => `    total_${x.field} = sum(${x.noun}.${x.field} for ${x.noun} in ${x.noun}s if ${x.noun}.${x.field2} > ${x.m})`,
  (x) => `    by_${x.other} = defaultdict(list)  # ${x.noun}s grouped for the ${x.verb} step`,
  (x) => `    for ${x.noun} in ${x.noun}s[: ${x.n}]:`,
  (x) => `        by_${x.other}[${x.noun}.${x.other}_id].append(${x.noun}.${x.field})`,
  (x) => `    result = spark.table("${x.other}_${x.noun}s").where(F.col("${x.field}") > ${x.m})`,
  (x) => `    metrics.incr("${x.noun}s.${x.verb}", tags={"${x.field}": ${x.noun}.${x.field}})`,
  (x) => `    return [${x.noun} for ${x.noun} in ${x.noun}s if ${x.noun}.${x.field2} is not None][: ${x.n}]`,
  (x) => `    # ${cap(x.qualifier)} ${x.noun}s first: the ${x.other} export reads them at ${x.m % 24}:00 UTC.`,
  (x) => `    window = pd.Timedelta(days=${x.m % 30 + 1}, hours=${x.n % 24})`,
  (x) => `    raise ${pascal(x.noun)}Error(f"{${x.noun}.id}: ${x.field} over ${x.n}")`,
  (x) => `    rows = session.execute(select(${pascal(x.noun)}).where(${pascal(x.noun)}.${x.field} < ${x.m})).scalars().all()`,
];

const GO_BODY: Template[] = [
  (x) => `\t${x.noun}s, err := s.store.List${pascal(x.qualifier, x.noun)}s(ctx, ${x.other}ID, ${x.n})`,
  (x) => `\tif err := s.store.Save${pascal(x.noun)}(ctx, ${x.noun}); err != nil {`,
  (x) => `\t\treturn nil, fmt.Errorf("${x.verb} ${x.qualifier} ${x.noun}s for ${x.other} %s: %w", ${x.other}ID, err)`,
  (x) => `\tdeadline := time.Now().Add(${x.n} * time.Millisecond)`,
  (x) => `\ts.log.Info("${x.verb} ${x.noun}s", "${x.other}", ${x.other}ID, "count", len(${x.noun}s), "batch", ${x.m})`,
  (x) => `\tfor _, ${x.noun[0]} := range ${x.noun}s[:min(len(${x.noun}s), ${x.n})] {`,
  (x) => `\t\ttotal${pascal(x.field)} += ${x.noun[0]}.${pascal(x.field)} * ${x.m}`,
  (x) => `\tctx, cancel := context.WithTimeout(ctx, ${x.n}*time.Second) // ${x.other} calls are slow under load`,
  (x) => `\t// ${cap(x.qualifier)} ${x.noun}s stay in the ${x.other} cache for ${x.m} seconds.`,
  (x) => `\ts.metrics.Counter("${x.noun}_${x.verb}_total").With("${x.field}", ${x.noun}.${pascal(x.field)}).Add(${x.m % 9 + 1})`,
  (x) => `\tif ${x.noun}.${pascal(x.field)} > ${x.m} { return nil, Err${pascal(x.noun)}${pascal(x.field)}TooLarge }`,
  (x) => `\treturn &${pascal(x.noun)}Result{${pascal(x.field)}: total${pascal(x.field)}, ${pascal(x.other)}ID: ${x.other}ID, Batch: ${x.m}}, nil`,
  (x) => `\tbackoff := retry.Exponential(${x.n}*time.Millisecond, ${x.m % 6 + 2})`,
];

const MD_LINES: Template[] = [
  (x) => `## ${cap(x.verb)} ${x.qualifier} ${x.noun}s`,
  (x) => `1. Open the ${x.other} dashboard and check the ${x.field} panel (alert above ${x.n}).`,
  (x) => `2. ${cap(x.verb)} the ${x.qualifier} ${x.noun}s with \`make ${x.verb}-${x.noun}s LIMIT=${x.m}\`.`,
  (x) => `- The ${x.noun} ${x.field} is kept for ${x.m} days; older ${x.noun}s are archived.`,
  (x) => `If the ${x.other} queue stays above ${x.n} for ten minutes, page the ${x.qualifier} on-call.`,
  (x) => `| ${x.noun} | ${x.field} | ${x.m} | ${x.qualifier} |`,
  (x) => `> Note: ${x.verb.endsWith('e') && !x.verb.endsWith('ee') ? x.verb.slice(0, -1) : x.verb}ing ${x.noun}s twice is safe; the ${x.field2} check makes it idempotent (${x.m}).`,
];

function header(language: Language, x: Names, random: Random): string[] {
  switch (language) {
    case 'TypeScript':
      return random.chance(0.5)
        ? [`/** ${cap(x.verb)}s the ${x.qualifier} ${x.noun}s of one ${x.other} (at most ${x.n} at a time). */`,
          `export async function ${camel(x.verb, x.qualifier, x.noun)}s(${x.other}: ${pascal(x.other)}, options: { limit?: number } = {}) {`]
        : [`export function ${camel(x.verb, x.noun, 'by', x.field)}(${x.noun}s: ${pascal(x.noun)}[], ${x.other}: ${pascal(x.other)}): ${pascal(x.noun)}Summary {`];
    case 'Python':
      return [`def ${snake(x.verb, x.qualifier, x.noun)}s(${x.other}: ${pascal(x.other)}, limit: int = ${x.n}) -> list[${pascal(x.noun)}]:`,
        `    """${cap(x.verb)} the ${x.qualifier} ${x.noun}s of one ${x.other}."""`];
    case 'Go':
      return [`// ${pascal(x.verb, x.qualifier, x.noun)}s ${x.verb}s the ${x.qualifier} ${x.noun}s of one ${x.other}.`,
        `func (s *Service) ${pascal(x.verb, x.qualifier, x.noun)}s(ctx context.Context, ${x.other}ID string) (*${pascal(x.noun)}Result, error) {`];
    case 'Markdown':
      return [];
  }
}

const CLOSERS: Record<Language, string[]> = { TypeScript: ['}', ''], Python: [''], Go: ['}', ''], Markdown: [''] };

/**
 * About `target` counted lines of new code in `language` for `path`: whole functions (or doc
 * sections), each line claimed in `registry` so it is new to that file.
 */
export function writeCode({ random, registry, path, language, domain, target }: {
  random: Random;
  registry: LineRegistry;
  path: string;
  language: Language;
  domain: Domain;
  target: number;
}): string[] {
  const out: string[] = [];
  let counted = 0;
  const body = language === 'TypeScript' ? TS_BODY : language === 'Python' ? PY_BODY : language === 'Go' ? GO_BODY : MD_LINES;
  let guard = 0;
  while (counted < target && guard++ < target * 20) {
    const head = header(language, names(random, domain), random);
    if (!head.every((l) => registry.claim(path, l))) continue;
    out.push(...head);
    counted += head.filter(isCountedLine).length;
    const size = Math.min(target - counted, random.int(3, 9));
    let tries = 0;
    for (let i = 0; i < size && tries < size * 10; tries++) {
      const line = random.pick(body)(names(random, domain));
      if (!registry.claim(path, line)) continue;
      out.push(line);
      counted++;
      i++;
    }
    out.push(...CLOSERS[language]);
  }
  return out;
}

/** One counted line in place of `line`: the edit a developer makes to a line Claude Code wrote. */
export function reviseLine({ random, registry, path, language, domain }: {
  random: Random;
  registry: LineRegistry;
  path: string;
  language: Language;
  domain: Domain;
}): string {
  const body = language === 'TypeScript' ? TS_BODY : language === 'Python' ? PY_BODY : language === 'Go' ? GO_BODY : MD_LINES;
  for (let i = 0; i < 50; i++) {
    const line = random.pick(body)(names(random, domain));
    if (registry.claim(path, line)) return line;
  }
  // A file many pieces of work touched (its context lines are claimed too) can use up the wordings
  // the templates give its domain: on some calendars the default demo has one with ~300 lines. A
  // line naming a reference of its own is fresh by construction: the reference is one token of
  // more than 30% of the line's similarity form that no other line has (a 16-bit hash collision
  // aside, hence the retries). Only reached after the templates fail, so plans that never needed
  // it stay what they were.
  for (let i = 0; i < 50; i++) {
    const line = referenceLine({ random, language, x: names(random, domain) });
    if (registry.claim(path, line)) return line;
  }
  throw new Error(`no fresh line left for ${path}`);
}

/** A line that names a reference of 16 random letters (one token no other line has). */
function referenceLine({ random, language, x }: { random: Random; language: Language; x: Names }): string {
  let reference = '';
  for (let i = 0; i < 16; i++) reference += String.fromCharCode(97 + random.int(0, 25));
  switch (language) {
    case 'TypeScript':
      return `  const ${x.noun}Ref = '${x.noun}_${reference}';`;
    case 'Python':
      return `    ${x.noun}_ref = "${x.noun}_${reference}"`;
    case 'Go':
      return `\t${x.noun}Ref := "${x.noun}_${reference}"`;
    case 'Markdown':
      return `- Tracked as \`${x.noun}/${reference}\`.`;
  }
}

/** Existing lines of a file around an edit (context and removed lines of a diff). */
export function existingLines(args: { random: Random; registry: LineRegistry; path: string; language: Language; domain: Domain }, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(reviseLine(args));
  return out;
}
