import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The import rules of docs/architecture.md, checked on the sources: data flows in at the edges, is
 * stored, processed and served, and each part talks to the others only through the parts below it.
 * A new import that breaks a rule fails here with the file and the import named.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The pure modules at the bottom: anyone may import them, they import only each other. */
const CORE = ['utc-days', 'own-property', 'secret-token', 'attribution', 'outcomes', 'durability'];

/** What each part of src/ may import (besides itself and the core). */
const MAY_IMPORT: Record<string, { parts: string[]; typesOnly?: string[] }> = {
  'utc-days': { parts: [] },
  'own-property': { parts: [] },
  'secret-token': { parts: [] },
  attribution: { parts: [] },
  outcomes: { parts: [] },
  durability: { parts: [] },
  config: { parts: [] },
  logger: { parts: ['config'] },
  db: { parts: [] },
  jobs: { parts: ['db'] },
  telemetry: { parts: ['db', 'jobs'] },
  github: { parts: ['db', 'jobs', 'config'] },
  processing: { parts: ['db', 'jobs', 'config'] },
  metrics: { parts: ['db'] },
  // The web edge hands telemetry and webhooks to their receivers and serves what is stored; it
  // reaches processing only through the Processor it is given.
  http: { parts: ['db', 'jobs', 'telemetry', 'github', 'metrics', 'config'], typesOnly: ['processing'] },
  // The composition roots wire everything.
  'app-server': { parts: ['*'] },
  main: { parts: ['*'] },
  cli: { parts: ['*'] },
  'incremental-worker': { parts: ['*'] },
};

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(IMPORT)) found.push({ file, specifier: m[2]!, typeOnly: Boolean(m[1]) });
  for (const m of text.matchAll(DYNAMIC_IMPORT)) found.push({ file, specifier: m[1]!, typeOnly: false });
  return found;
}

/** The part a path inside src/ belongs to: its top folder, or its file name without extension. */
function partOf(pathInSrc: string): string {
  const [top] = pathInSrc.split('/');
  return top!.replace(/\.(js|tsx?)$/, '');
}

const imports = sourceFiles(SRC).flatMap(importsOf);

describe('the import rules of docs/architecture.md', () => {
  it('finds the sources and their imports', () => {
    expect(imports.length).toBeGreaterThan(300);
    expect(new Set(sourceFiles(SRC).map((f) => partOf(relative(SRC, f))))).toEqual(new Set(Object.keys(MAY_IMPORT)));
  });

  it('each part imports only what sits below it', () => {
    const broken: string[] = [];
    for (const { file, specifier, typeOnly } of imports) {
      if (!specifier.startsWith('.')) continue;
      const from = partOf(relative(SRC, file));
      const target = relative(SRC, resolve(dirname(file), specifier));
      if (target.startsWith('..')) {
        broken.push(`${relative(SRC, file)} imports ${specifier}, outside src/ (the demo and scripts use src/, never the reverse)`);
        continue;
      }
      const to = partOf(target);
      if (to === from || CORE.includes(to)) continue;
      const rule = MAY_IMPORT[from]!;
      if (rule.parts.includes('*') || rule.parts.includes(to)) continue;
      if (typeOnly && rule.typesOnly?.includes(to)) continue;
      broken.push(`${relative(SRC, file)} (${from}) imports ${specifier} (${to})`);
    }
    expect(broken).toEqual([]);
  });

  it('the pure core imports no package that does I/O (only hashing, path arithmetic and statistics)', () => {
    const core = imports.filter((i) => CORE.includes(partOf(relative(SRC, i.file))) && !i.specifier.startsWith('.'));
    expect(core.map((i) => i.specifier).filter((s) => !['node:crypto', 'node:path', 'simple-statistics'].includes(s))).toEqual([]);
  });

  it('the pages and the API run no SQL of their own', () => {
    const withSql = sourceFiles(join(SRC, 'http')).filter((file) => /from 'drizzle-orm|\.prepare\(|\bsql`/.test(readFileSync(file, 'utf8')));
    expect(withSql.map((f) => relative(SRC, f))).toEqual([]);
  });
});
