import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/app-server.js';
import { createIngestToken } from '../../src/db/ingest-tokens.js';
import { silentLog, testServerConfig, TEST_FINGERPRINT_KEY } from '../helpers/test-probot.js';
import { testServerDatabase } from '../helpers/test-app.js';

/*
 * One large PostToolUse call (a 6.8 MB Write of 250,000 lines, within the default body limit)
 * must not hold the event loop while its lines are normalized, fingerprinted and sketched:
 * /healthz keeps answering meanwhile, and what is stored is exactly what it always was.
 */

let dir: string;
let database: Awaited<ReturnType<typeof testServerDatabase>>;
let app: AppServer;
let token: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccm-large-hook-'));
  database = await testServerDatabase();
  app = await startAppServer({ config: testServerConfig(dir, { ...database.env, FINGERPRINT_SECRET: TEST_FINGERPRINT_KEY }), log: silentLog, startWorker: false });
  token = (await createIngestToken(app.db, { org: 'acme' })).token;
});

afterEach(async () => {
  await app.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const LINES = 250_000;
// 5,000 distinct lines, each written 50 times: all 250,000 are normalized and fingerprinted, while
// the write stores 5,000 rows (storing 250,000 distinct rows is a transaction of its own cost; README: Operations).
const DISTINCT = 5_000;
const content = Array.from({ length: LINES }, (_, i) => `  total += weights[${i % DISTINCT}] * sample_${i % DISTINCT};`).join('\n');

/** A digest of every stored fingerprint row (fingerprint, occurrences, sketch), in fingerprint order. */
async function storedDigest() {
  const rows = (await app.db.all(sql`SELECT path, fingerprint, occurrences, sketch FROM session_line_fingerprints ORDER BY path, fingerprint`)) as { path: string; fingerprint: number; occurrences: number; sketch: Buffer | null }[];
  const hash = createHash('sha256');
  for (const r of rows) hash.update(`${r.path}\t${r.fingerprint}\t${r.occurrences}\t${r.sketch?.toString('hex') ?? ''}\n`);
  return { rows: rows.length, occurrences: rows.reduce((n, r) => n + r.occurrences, 0), digest: hash.digest('hex') };
}

/** Asks for /healthz one request at a time, 10 ms apart, until told to stop; then posts each wait (ms, -1 for a failure). */
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.once('message', () => { stop = true; });
(async () => {
  const waits = [];
  while (!stop) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url);
      await res.arrayBuffer();
      waits.push(res.status === 200 ? performance.now() - started : -1);
    } catch {
      waits.push(-1);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage(waits);
})();
`;

describe('a large hook call', () => {
  it('leaves /healthz answering while its lines are fingerprinted, and stores the same fingerprints as before', async () => {
    const body = JSON.stringify({
      session_id: 'sess-large',
      hook_event_name: 'PostToolUse',
      tool_name: 'Write',
      tool_use_id: 'toolu_large',
      cwd: '/home/dana/widgets',
      tool_input: { file_path: '/home/dana/widgets/src/weights.ts', content },
      tool_response: { type: 'create', filePath: '/home/dana/widgets/src/weights.ts', content: '', originalFile: null },
    });
    expect(body.length).toBeGreaterThan(6_000_000);

    // The probe runs on a thread of its own: a probe sent from this (the server's) event loop
    // would simply not be sent while the loop is held, and so would not see the stall.
    const prober = new Worker(PROBER, { eval: true, workerData: { url: `${app.url}/healthz` } });
    const waits = new Promise<number[]>((resolve, reject) => {
      prober.once('message', resolve);
      prober.once('error', reject);
    });
    await new Promise((r) => prober.once('online', r));
    await new Promise((r) => setTimeout(r, 100));

    const started = performance.now();
    const res = await fetch(`${app.url}/hooks/claude-code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const hookMs = performance.now() - started;
    prober.postMessage('stop');
    const probes = await waits;
    await prober.terminate();
    expect(res.status).toBe(200);
    expect(probes.every((ms) => ms >= 0)).toBe(true);
    const slowest = Math.max(...probes);
    console.info(`large hook call: ${Math.round(hookMs)} ms, ${probes.length} /healthz probes, slowest ${Math.round(slowest)} ms`);
    // The same rows as the synchronous path stored before the change (digest recorded from it).
    expect(await storedDigest()).toEqual({ rows: DISTINCT, occurrences: LINES, digest: '252333c77435973639f8a0c44371afb45626df95f7be28b132ad875e1ea47b45' });
    expect(probes.length).toBeGreaterThan(3);
    // Relative to the call itself, so a loaded machine slows both alike: held in one piece, the
    // loop stalled for most of the call (about 1 s of 1.4 s); yielding, no stall is half of it.
    expect(slowest).toBeLessThan(hookMs / 2);

  }, 60_000);
});
