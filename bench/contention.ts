import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { metricsExports, startServer, stop, type Body, type Figure, type Server } from './ingest.js';

/*
 * Ingest while another process holds SQLite's write lock for seconds at a time (bench/servers/
 * lock-holder.ts). Exporters send OTLP protobuf exports and retry them as the OpenTelemetry JS
 * exporter does (429/502/503/504 are retryable; `Retry-After` is honoured; 5 retries, backoff 1 s
 * × 1.5 with 20% jitter; the whole export must end within its 10 s timeout, else it is dropped).
 * Meanwhile `GET /healthz` is polled. Reports export latency, the answers seen, the points lost
 * (checked in the database afterwards) and the health check's latency, beside the same exporters
 * without the long writer.
 */

const ROOT = resolve(import.meta.dirname, '..');
const EXPORTERS = 4;
const SESSIONS_PER_EXPORT = 10;
const EXPORT_TIMEOUT_MS = 10_000;
const RETRYABLE = new Set([429, 502, 503, 504]);

interface ExportOutcome {
  stored: boolean;
  ms: number;
  statuses: number[];
  sessions: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attempt(server: Server, body: Body, timeoutMs: number): Promise<{ status: number; retryAfterMs?: number }> {
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}${body.path}`, {
      method: 'POST',
      headers: { 'content-type': body.contentType, authorization: `Bearer ${server.token}` },
      body: body.body,
      signal: AbortSignal.timeout(Math.max(1, Math.round(timeoutMs))),
    });
    await res.arrayBuffer();
    const retryAfter = Number(res.headers.get('retry-after'));
    return { status: res.status, ...(Number.isFinite(retryAfter) && res.headers.has('retry-after') ? { retryAfterMs: retryAfter * 1000 } : {}) };
  } catch (error) {
    // Timed out (status 0) or not answered at all (-1): either way the exporter drops the export.
    return { status: (error as Error).name === 'TimeoutError' ? 0 : -1 }; // timed out or refused: the exporter drops the export
  }
}

/** One export, retried the way the OpenTelemetry JS OTLP exporter retries. */
async function exportOnce(server: Server, body: Body, sessions: string[]): Promise<ExportOutcome> {
  const started = performance.now();
  const deadline = started + EXPORT_TIMEOUT_MS;
  const statuses: number[] = [];
  let result = await attempt(server, body, EXPORT_TIMEOUT_MS);
  statuses.push(result.status);
  let nextBackoff = 1000;
  for (let retries = 5; RETRYABLE.has(result.status) && retries > 0; retries--) {
    const backoff = Math.min(nextBackoff * (1 + (Math.random() * 0.4 - 0.2)), 5000);
    nextBackoff *= 1.5;
    const retryIn = result.retryAfterMs ?? backoff;
    const remaining = deadline - performance.now();
    if (retryIn > remaining) break;
    await sleep(retryIn);
    result = await attempt(server, body, deadline - performance.now());
    statuses.push(result.status);
  }
  return { stored: result.status === 200, ms: performance.now() - started, statuses, sessions };
}

/** EXPORTERS exporters, each sending an export, then the next 250 ms later, until `until` resolves. */
async function exportUntil(server: Server, prefix: string, until: Promise<unknown>): Promise<ExportOutcome[]> {
  let done = false;
  void until.then(() => (done = true));
  const outcomes: ExportOutcome[] = [];
  await Promise.all(
    Array.from({ length: EXPORTERS }, async (_, e) => {
      for (let n = 0; !done; n++) {
        const id = `${prefix}-${e}-${n}`;
        const [body] = metricsExports(1, SESSIONS_PER_EXPORT, 'protobuf', id);
        const sessions = Array.from({ length: SESSIONS_PER_EXPORT }, (_, s) => `${id}-0-${s}`);
        outcomes.push(await exportOnce(server, body!, sessions));
        await sleep(250);
      }
    }),
  );
  return outcomes;
}

async function pollHealth(server: Server, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.then(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.arrayBuffer(), () => undefined);
    latencies.push(performance.now() - started);
    await sleep(100);
  }
  return latencies;
}

function holdLocks(dbPath: string, holdMs: number, freeMs: number, cycles: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servers/lock-holder.ts', dbPath, String(holdMs), String(freeMs), String(cycles)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((done, reject) => child.on('exit', (code) => (code === 0 ? done() : reject(new Error(`lock holder exited with ${code}`)))));
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

export async function benchContention(options: { holdMs?: number; freeMs?: number; cycles?: number } = {}): Promise<Figure[]> {
  const { holdMs = 8000, freeMs = 2000, cycles = 3 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-contention-'));
  const dbPath = join(dir, 'metrics.db');
  try {
    const app = await startServer('bench/servers/app-server.ts', [dbPath]);
    const calm = exportUntil(app, 'calm', sleep(5000));
    const calmHealth = await pollHealth(app, calm);
    const calmOutcomes = await calm;

    const writer = holdLocks(dbPath, holdMs, freeMs, cycles);
    const busy = exportUntil(app, 'busy', writer);
    const busyHealth = await pollHealth(app, busy);
    const busyOutcomes = await busy;
    await stop(app);

    // What reached the database: every session of an export sums to the same values, so one figure per session tells stored, lost and double-counted apart.
    const db = new Database(dbPath, { readonly: true });
    const sums = new Map(
      (db.prepare('SELECT session_id AS id, sum(value) AS total FROM telemetry_daily GROUP BY session_id').all() as { id: string; total: number }[]).map((r) => [r.id, r.total]),
    );
    db.close();
    const expected = sums.get(calmOutcomes[0]!.sessions[0]!);
    const pointsPerSession = metricsExports(1, 1, 'protobuf', 'count')[0]!.points;
    const sent = busyOutcomes.flatMap((o) => o.sessions);
    const lostSessions = sent.filter((s) => !sums.has(s));
    const acknowledgedLost = busyOutcomes.filter((o) => o.stored).flatMap((o) => o.sessions).filter((s) => !sums.has(s));
    const doubled = sent.filter((s) => sums.has(s) && sums.get(s) !== expected);
    const count = (status: number) => busyOutcomes.reduce((n, o) => n + o.statuses.filter((s) => s === status).length, 0);
    const fiveHundreds = busyOutcomes.reduce((n, o) => n + o.statuses.filter((s) => s >= 500 && s !== 503).length, 0);
    const timeouts = count(0);
    const unanswered = count(-1);
    const droppedExports = busyOutcomes.filter((o) => !o.stored).length;

    // The one figure that must hold: `.ci/run` runs this benchmark and fails when a point was lost or counted twice.
    if (lostSessions.length > 0 || doubled.length > 0) {
      console.error(`contention: ${lostSessions.length} sessions lost, ${doubled.length} counted twice`);
      process.exitCode = 1;
    }

    const label = `long writer (lock held ${holdMs / 1000} s, free ${freeMs / 1000} s, ×${cycles}), ${EXPORTERS} retrying OTLP exporters`;
    return [
      {
        figure: `OTLP export latency under a ${label}`,
        value: `p50 ${fmt(quantile(busyOutcomes.map((o) => o.ms), 0.5))}, p99 ${fmt(quantile(busyOutcomes.map((o) => o.ms), 0.99))} (${busyOutcomes.length} exports)`,
        target: `p99 within the exporter's ${EXPORT_TIMEOUT_MS / 1000} s timeout`,
        baseline: `no writer: p50 ${fmt(quantile(calmOutcomes.map((o) => o.ms), 0.5))}, p99 ${fmt(quantile(calmOutcomes.map((o) => o.ms), 0.99))}`,
      },
      {
        figure: 'answers under the long writer',
        value: `${count(503)} × 503 (retried), ${fiveHundreds} other 5xx, ${timeouts} timed out, ${unanswered} unanswered; ${droppedExports} exports dropped by the exporter`,
        target: 'only 503s, no export dropped',
        baseline: `no writer: ${calmOutcomes.filter((o) => !o.stored).length} dropped`,
      },
      {
        figure: 'points lost under the long writer (checked in the database)',
        value: `${(lostSessions.length * pointsPerSession).toLocaleString('en')} of ${(sent.length * pointsPerSession).toLocaleString('en')} (${acknowledgedLost.length * pointsPerSession} acknowledged; ${doubled.length} sessions counted twice)`,
        target: '0 lost, 0 counted twice',
        baseline: '',
      },
      {
        figure: '`GET /healthz` under the long writer',
        value: `p50 ${fmt(quantile(busyHealth, 0.5))}, p99 ${fmt(quantile(busyHealth, 0.99))}, max ${fmt(Math.max(...busyHealth))}`,
        target: 'as without the writer (milliseconds, not seconds)',
        baseline: `no writer: p50 ${fmt(quantile(calmHealth, 0.5))}, p99 ${fmt(quantile(calmHealth, 0.99))}`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
