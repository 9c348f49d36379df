import { benchContention } from './contention.js';
import { benchFreshness } from './freshness.js';
import { benchIngest, type Figure } from './ingest.js';
import { benchPostgres } from './postgres.js';
import { benchProcessing } from './processing.js';

/* `npm run bench`: every benchmark of the project, printed as one table. Not a test. */

function table(rows: Figure[]): string {
  const header: Figure = { figure: 'figure', value: 'value', target: 'target', baseline: 'baseline (same run)' };
  const all = [header, ...rows];
  const width = (k: keyof Figure) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Figure) => `| ${(['figure', 'value', 'target', 'baseline'] as const).map((k) => r[k].padEnd(width(k))).join(' | ')} |`;
  const rule = `| ${(['figure', 'value', 'target', 'baseline'] as const).map((k) => '-'.repeat(width(k))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// --quick: a smaller run of each benchmark, for a fast look; --only=ingest|contention|processing|freshness: one of them.
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
// --engine postgres: ingest, processing and the API on PostgreSQL beside SQLite, in one run.
const engine = process.argv.find((a) => a.startsWith('--engine'))?.split('=')[1] ?? process.argv[process.argv.indexOf('--engine') + 1];
const figures: Figure[] = [];
if (process.argv.some((a) => a.startsWith('--engine')) && engine !== 'postgres' && engine !== 'sqlite') {
  console.error('--engine is sqlite (the default) or postgres');
  process.exit(2);
}
if (engine === 'postgres') {
  figures.push(...(await benchPostgres({ scale: quick ? 0.1 : 1, only })));
  console.log(table(figures));
  process.exit(0);
}
if (!only || only === 'ingest') figures.push(...(await benchIngest({ millionPoints: !quick })));
if (!only || only === 'contention') figures.push(...(await benchContention({ cycles: quick ? 1 : 3 })));
// --scale N (or --scale=N): the synthetic org of the processing benchmark (generation, processing, API and pages) at N× its
// 1,000 developers, PRs and session lines; ingest and contention do not depend on an org's size, and freshness keeps its own.
const scaleArg = process.argv.find((a) => a.startsWith('--scale='))?.slice('--scale='.length) ?? (process.argv.includes('--scale') ? process.argv[process.argv.indexOf('--scale') + 1] : undefined);
const scale = scaleArg === undefined ? (quick ? 0.1 : 1) : Number(scaleArg);
if (!(scale > 0 && scale <= 100)) {
  console.error('--scale is a number of times the 1,000-developer org, above 0 and at most 100');
  process.exit(2);
}
if (!only || only === 'processing') figures.push(...(await benchProcessing(scale)));
// Freshness serves the org for minutes: --minutes=N sets the measured minutes with incremental processing (off: half of them);
// --org-db=PATH starts from a copy of a synthetic org generated and processed before (at the same size) instead of generating one.
const minutes = Number(process.argv.find((a) => a.startsWith('--minutes='))?.slice('--minutes='.length) ?? (quick ? 4 : 10));
const orgDb = process.argv.find((a) => a.startsWith('--org-db='))?.slice('--org-db='.length);
if (!only || only === 'freshness') figures.push(...(await benchFreshness({ scale: quick ? 0.1 : 1, minutes, offMinutes: Math.max(1, minutes / 2), orgDb })).figures);
console.log(table(figures));
