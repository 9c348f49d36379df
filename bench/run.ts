import { benchIngest, type Figure } from './ingest.js';

/* `npm run bench`: every benchmark of the project, printed as one table. Not a test. */

function table(rows: Figure[]): string {
  const header: Figure = { figure: 'figure', value: 'value', target: 'target', baseline: 'baseline (same run)' };
  const all = [header, ...rows];
  const width = (k: keyof Figure) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Figure) => `| ${(['figure', 'value', 'target', 'baseline'] as const).map((k) => r[k].padEnd(width(k))).join(' | ')} |`;
  const rule = `| ${(['figure', 'value', 'target', 'baseline'] as const).map((k) => '-'.repeat(width(k))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const quick = process.argv.includes('--quick');
const figures = await benchIngest({ millionPoints: !quick });
console.log(table(figures));
