import { benchContention } from './contention.js';
import { benchIngest, type Figure } from './ingest.js';
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

// --quick: a smaller run of each benchmark, for a fast look; --only=ingest|contention|processing: one of them.
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const figures: Figure[] = [];
if (!only || only === 'ingest') figures.push(...(await benchIngest({ millionPoints: !quick })));
if (!only || only === 'contention') figures.push(...(await benchContention({ cycles: quick ? 1 : 3 })));
if (!only || only === 'processing') figures.push(...(await benchProcessing(quick ? 0.1 : 1)));
console.log(table(figures));
