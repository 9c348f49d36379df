import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Figure } from './ingest.js';

/*
 * Processing at scale: a synthetic org (deterministic seed) is written through the app's storage
 * functions, then processing runs in a child process so that its peak memory is its own. Reports
 * the full recompute, a one-day incremental run, peak RSS, and how time grows from half to full size.
 */

const ROOT = resolve(import.meta.dirname, '..');

export interface OrgSize {
  developers: number;
  days: number;
  pullRequests: number;
  sessionLines: number;
}

export const FULL_SIZE: OrgSize = { developers: 1000, days: 90, pullRequests: 20_000, sessionLines: 5_000_000 };

interface ChildResult {
  generateSeconds: number;
  fullSeconds: number;
  /** Of the full recompute, the time spent on PRs' outcomes. */
  outcomesSeconds: number;
  outcomeFacts: { reviews: number; reverted: number; drafts: number };
  oneDaySeconds: number;
  peakRssMb: number;
  /** The run's memory bounds (PROCESSING_SESSION_LINES_CACHE, PROCESSING_SQLITE_CACHE_MB, PROCESSING_SQLITE_MMAP_MB). */
  memory: { sessionLinesCache: number; sqliteCacheMb: number; sqliteMmapMb: number };
  attributed: number;
  withClaudeCode: number;
  longestStallMs: number;
  p99StallMs: number;
  linesWithClaudeCode: number;
  editedLines: number;
  durabilitySeconds: number;
  durabilityUnchangedSeconds: number;
  durabilityLines: number;
  churnRate: number;
}

export async function runChild(size: OrgSize, dbPath: string): Promise<ChildResult> {
  const generated = await child<{ generateSeconds: number }>('generate', size, dbPath);
  const processed = await child<Omit<ChildResult, 'generateSeconds'>>('process', size, dbPath);
  return { ...generated, ...processed };
}

/** `others`: further databases the 'api' mode serves and asks in turn with `dbPath` (one result per database, in order). */
export function child<T>(mode: 'generate' | 'process' | 'api', size: OrgSize, dbPath: string, ...others: string[]): Promise<T> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/processing-child.ts', mode, dbPath, JSON.stringify(size), ...others], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`processing benchmark child exited with ${code}: ${out}`));
      done(JSON.parse(line) as T);
    });
  });
}

export async function benchProcessing(scale = 1): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-processing-'));
  const sized = (f: number): OrgSize => ({
    developers: Math.round(FULL_SIZE.developers * scale * f),
    days: FULL_SIZE.days,
    pullRequests: Math.round(FULL_SIZE.pullRequests * scale * f),
    sessionLines: Math.round(FULL_SIZE.sessionLines * scale * f),
  });
  try {
    const half = await runChild(sized(0.5), join(dir, 'half.db'));
    const full = await runChild(sized(1), join(dir, 'full.db'));
    type RouteLatency = { p50: number; p95: number; first: number; firstStallMs: number; firstCpuMs: number };
    const { overviewAfterRun: afterRun, ...api } = await child<Record<string, RouteLatency> & { overviewAfterRun: { ms: number; earlier: boolean; newAfterMs: number } }>(
      'api',
      sized(1),
      join(dir, 'full.db'),
    );
    const ms = (n: number) => n.toFixed(1);
    const latency = (name: string, figure: string, target: string): Figure => ({
      figure,
      value: `p50 ${ms(api[name]!.p50)} ms, p95 ${ms(api[name]!.p95)} ms${name.endsWith('_page') || name === 'outcomes' || name === 'durability' ? ` (first, computed: ${ms(api[name]!.first)} ms, ${ms(api[name]!.firstCpuMs)} ms of CPU)` : ''}`,
      target,
      baseline: `GET /healthz: p50 ${ms(api.healthz!.p50)} ms, p95 ${ms(api.healthz!.p95)} ms`,
    });
    const label = scale === 1 ? '' : ` (scale ${scale})`;
    // At 10× the org's own targets (issue 21); at other sizes above 1× the figures are reported.
    const target = (at1: string, at10: string) => (scale <= 1 ? at1 : scale === 10 ? at10 : 'reported');
    return [
      {
        figure: `synthetic org${label}: ${sized(1).developers} devs, ${sized(1).pullRequests} PRs, ${(sized(1).sessionLines / 1e6).toFixed(1)}M session lines`,
        value: `generated in ${full.generateSeconds.toFixed(0)} s; ${full.withClaudeCode}/${full.attributed} attributed with Claude Code; ${full.linesWithClaudeCode} lines, ${full.editedLines} of them edited`,
        target: '—',
        baseline: '—',
      },
      { figure: 'full recompute, 90 days (s)', value: full.fullSeconds.toFixed(1), target: target('≤ 120', '≤ 300'), baseline: `half size: ${half.fullSeconds.toFixed(1)}` },
      {
        figure: `outcomes' share of the full recompute (${full.outcomeFacts.reviews} reviews, ${full.outcomeFacts.drafts} drafts, ${full.outcomeFacts.reverted} PRs reverted)`,
        value: `${((full.outcomesSeconds / full.fullSeconds) * 100).toFixed(1)}% (${full.outcomesSeconds.toFixed(1)} s)`,
        target: '≤ 20%',
        baseline: `half size: ${((half.outcomesSeconds / half.fullSeconds) * 100).toFixed(1)}%`,
      },
      { figure: 'one-day incremental run (s)', value: full.oneDaySeconds.toFixed(2), target: target('≤ 5', '≤ 5'), baseline: `half size: ${half.oneDaySeconds.toFixed(2)}` },
      {
        figure: 'longest event-loop stall during the full recompute (ms)',
        value: `${full.longestStallMs.toFixed(0)} (p99 ${full.p99StallMs.toFixed(0)})`,
        target: 'reported (a server running it answers nothing meanwhile)',
        baseline: `half size: ${half.longestStallMs.toFixed(0)}`,
      },
      {
        figure: `peak RSS of the processing process (MB; ${full.memory.sessionLinesCache} session lines cached, SQLite cache ${full.memory.sqliteCacheMb} MB, map ${full.memory.sqliteMmapMb} MB)`,
        value: full.peakRssMb.toFixed(0),
        target: target('≤ 512', '≤ 1024'),
        baseline: `half size: ${half.peakRssMb.toFixed(0)}`,
      },
      latency('summary', 'API summary, 90 days', target('p95 ≤ 50 ms', 'p95 ≤ 50 ms')),
      latency('daily', 'API daily, 90 days', 'reported'),
      latency('users', 'API users, one page of 100', 'p95 ≤ 100 ms'),
      latency('claude_code_usage', 'API claude_code_usage, one page of 20', 'reported'),
      latency('summaries', 'API summaries (DAU/WAU/MAU per day), 90 days', 'reported'),
      latency('user_cost_report', 'API user_cost_report, 31 days, page of 100', 'reported'),
      latency('outcomes', 'API outcomes (with vs without, same-author bootstrap), 90 days; computed once per run', 'p95 ≤ 100 ms, the first answer included'),
      {
        figure: 'longest event-loop stall while the first outcomes answer is computed (ms)',
        value: api.outcomes!.firstStallMs.toFixed(0),
        target: 'reported',
        baseline: `first overview page (outcomes too): ${api.overview_page!.firstStallMs.toFixed(0)}`,
      },
      latency('durability', 'API durability (survival and churn with vs without), 90 days; computed once per run', 'p95 ≤ 100 ms'),
      {
        figure: 'durability step: replay of 104 days (s)',
        value: `${full.durabilitySeconds.toFixed(1)} (${((full.durabilitySeconds / (full.fullSeconds - full.durabilitySeconds)) * 100).toFixed(0)}% added to the rest of the full recompute; ${full.durabilityLines} lines followed, ${(full.churnRate * 100).toFixed(1)}% ended within 21 days); ${full.durabilityUnchangedSeconds.toFixed(2)} s when nothing changed`,
        target: '≤ 25% added',
        baseline: `half size: ${half.durabilitySeconds.toFixed(1)}`,
      },
      latency('overview_page', 'overview page (owner: usage and spend too), 90 days', target('p95 ≤ 500 ms; first ≤ 1 s', 'first ≤ 1 s')),
      {
        figure: 'overview page right after a processing run ended (ms; PAGE_FRESH_WAIT_MS 250)',
        value: `${afterRun.ms.toFixed(0)} (${afterRun.earlier ? "the earlier run's figures, said so" : 'the new figures'}); the new figures shown after ${afterRun.newAfterMs.toFixed(0)}`,
        target: 'reported',
        baseline: `first load: ${api.overview_page!.first.toFixed(0)}`,
      },
      latency('people_page', 'people page, 90 days', 'reported'),
      latency('pull_requests_page', 'pull requests page, 90 days, first 50', 'reported'),
      {
        figure: 'full recompute time, full ÷ half size',
        value: `${(full.fullSeconds / half.fullSeconds).toFixed(2)}×`,
        target: '2× data ≤ 2.2× time',
        baseline: 'half size measured in the same run',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
