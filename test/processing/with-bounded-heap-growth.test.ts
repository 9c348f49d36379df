import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBoundedHeapGrowth } from '../../src/processing/with-bounded-heap-growth.js';

/*
 * Processing's heap bound, measured as the benchmark found the problem: a small live set and fast,
 * briefly kept garbage (it survives a few minor collections, so it reaches the old generation, as
 * processing's rows and fingerprint maps do). Each measurement runs in a fresh process, so V8's
 * heap is that work's alone.
 */

const ROOT = resolve(import.meta.dirname, '../..');

/** The largest heap (MB) a fresh process reached while churning, with or without the bound. */
function peakHeapMb(bounded: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-heap-'));
  try {
    const script = join(dir, 'churn.mts');
    writeFileSync(
      script,
      `import { withBoundedHeapGrowth } from ${JSON.stringify(join(ROOT, 'src/processing/with-bounded-heap-growth.ts'))};
const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'line ' + i }));
let peak = 0;
const churn = async () => {
  // Garbage kept for a while: a ring of 100,000 objects replaced round-robin.
  const ring = new Array(100_000);
  for (let n = 0; n < 6_000_000; n++) {
    ring[n % ring.length] = { n, s: 'fp ' + n, m: [n, n + 1] };
    if (n % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
  }
};
await (${bounded} ? withBoundedHeapGrowth(churn) : churn());
console.log(JSON.stringify({ peak: peak / 1048576, live: live.length }));`,
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    return (JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { peak: number }).peak;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('withBoundedHeapGrowth', () => {
  it('answers what the work answers and passes its failure on', async () => {
    expect(await withBoundedHeapGrowth(async () => 42)).toBe(42);
    await expect(withBoundedHeapGrowth(async () => Promise.reject(new Error('run failed')))).rejects.toThrow('run failed');
    // Overlapping runs: each gets its own answer.
    const [a, b] = await Promise.all([withBoundedHeapGrowth(async () => 'a'), withBoundedHeapGrowth(async () => 'b')]);
    expect([a, b]).toEqual(['a', 'b']);
  });

  it('keeps the heap of fast-churning work well below what V8 lets it grow to unbounded', { timeout: 120_000 }, () => {
    const unbounded = peakHeapMb(false);
    const bounded = peakHeapMb(true);
    expect(bounded).toBeLessThan(unbounded * 0.8);
  });
});
