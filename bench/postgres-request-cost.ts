import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import type { ClientTask } from './api-client.js';

/*
 * What one remembered API answer costs in statements on each engine, and each PostgreSQL
 * statement's round trip (sent to answered, in this process):
 *   node --import tsx bench/postgres-request-cost.ts POSTGRES_CLUSTER_URL [route] [requests] [in-process|own-process] [warm-up]
 * The app serves an empty org on a SQLite file and on a fresh PostgreSQL database at once, and both
 * are asked in turn, request by request, after `warm-up` requests each (300 by default, as the API part of
 * `npm run bench -- --engine postgres` does), by a client in this process (`in-process`, the
 * default) or in a process of its own (`own-process`, bench/api-client.ts). The drivers' statement
 * calls are counted by wrapping them before the app is loaded; each PostgreSQL statement's time is
 * split into sent → its answer's first bytes read by the event loop (the socket's 'data') → the
 * driver's callback. Garbage collections of this process are recorded (perf_hooks 'gc' entries):
 * how many requests and statements had one in their time, and the figures of those that had none.
 */
const clusterUrl = process.argv[2]!;
const route = process.argv[3] ?? 'durability';
const N = Number(process.argv[4] ?? 300);
const client = process.argv[5] ?? 'in-process';
if (client !== 'in-process' && client !== 'own-process') throw new Error('the client is in-process or own-process');
const WARM = Number(process.argv[6] ?? 300);

/** A statement sent: when, when its answer's first bytes were read (`arrived`), its time to the callback (`ms`). */
type Sent = { text: string; t0: number; arrived?: number; ms: number };
const log: Sent[] = [];
let counting = false;
// The statement whose answer the next bytes read on its connection start (the driver sends one at a time per connection).
const awaiting = new WeakMap<object, Sent>();
const send = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const t0 = performance.now();
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
  const entry: Sent = { text, t0, ms: 0 };
  const stream = (this as unknown as { connection: { stream: NodeJS.EventEmitter & { probed?: boolean } } }).connection.stream;
  if (counting) {
    if (!stream.probed) {
      stream.probed = true;
      stream.prependListener('data', () => {
        const waiting = awaiting.get(stream);
        if (waiting && waiting.arrived === undefined) waiting.arrived = performance.now();
      });
    }
    awaiting.set(stream, entry);
  }
  const done = (failed: boolean) => {
    entry.ms = performance.now() - t0;
    if (failed) entry.text = `FAILED ${text}`;
    log.push(entry);
  };
  const last = args.length - 1;
  if (counting && typeof args[last] === 'function') {
    const callback = args[last] as (...a: unknown[]) => unknown;
    args[last] = (...a: unknown[]) => {
      done(Boolean(a[0]));
      return callback(...a);
    };
    return send.apply(this, args);
  }
  const result = send.apply(this, args);
  if (counting && result && typeof (result as Promise<unknown>).then === 'function') {
    void (result as Promise<unknown>).then(
      () => done(false),
      () => done(true),
    );
  }
  return result;
};
const collections: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });
const collected = (from: number, to: number) => collections.some((c) => c.start < to && c.end > from);
const sqliteLog: string[] = [];
const Statement = new Database(':memory:').prepare('select 1').constructor.prototype as Record<string, (...a: unknown[]) => unknown>;
for (const m of ['get', 'all', 'run', 'iterate', 'raw', 'pluck']) {
  const original = Statement[m]!;
  Statement[m] = function (this: { source: string }, ...a: unknown[]) {
    if (counting && m !== 'raw' && m !== 'pluck') sqliteLog.push(this.source);
    return original.apply(this, a);
  };
}

const { createTestPostgresDatabase } = await import('../test/helpers/test-postgres.js');
const { startAppServer } = await import('../src/app-server.js');
const { loadConfig } = await import('../src/config.js');
const { createApiKey } = await import('../src/db/api-keys.js');

const dir = mkdtempSync(join(tmpdir(), 'ccm-probe-'));
const database = await createTestPostgresDatabase(clusterUrl, { migrated: true });
try {
  const engines = [];
  for (const url of [join(dir, 'probe.db'), database.url]) {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, LOG_LEVEL: 'silent', API_RATE_LIMIT_PER_MINUTE: '1000000' });
    const app = await startAppServer({ config, log: pino({ level: 'silent' }), startWorker: false });
    const { key } = await createApiKey(app.db, { org: 'acme' });
    const path = `/api/v1/orgs/acme/${route}?start_date=2026-09-01&end_date=2026-11-20`;
    const ask = async () => {
      const res = await fetch(`${app.url}${path}`, { headers: { 'x-api-key': key } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${res.status}`);
    };
    engines.push({ app, ask, request: { url: `${app.url}${path}`, headers: { 'x-api-key': key } }, times: [] as number[], outside: [] as number[], clean: [] as number[] });
  }
  const q = (t: number[], f: number) => [...t].sort((a, b) => a - b)[Math.floor(t.length * f)]!;
  const figures = (t: number[]) => `p50 ${q(t, 0.5).toFixed(2)} ms, p95 ${q(t, 0.95).toFixed(2)} ms`;
  if (client === 'in-process') {
    // Both engines asked in turn, request by request (as bench/processing-child.ts 'api' does).
    for (let i = 0; i < WARM; i++) for (const { ask } of engines) await ask();
    counting = true;
    for (let i = 0; i < N; i++) {
      for (const { app, ask, times, outside, clean } of engines) {
        const sent = log.length;
        const t0 = performance.now();
        await ask();
        const t1 = performance.now();
        const ms = t1 - t0;
        times.push(ms);
        if (!collected(t0, t1)) clean.push(ms);
        // The request's time outside its statements' round trips (PostgreSQL; SQLite's run in the process).
        if (app.db.engine === 'postgres') outside.push(ms - log.slice(sent).reduce((sum, s) => sum + s.ms, 0));
      }
    }
  } else {
    // The same requests from a client in a process of its own (as the benchmark's separate client).
    const other = fork(new URL('./api-client.ts', import.meta.url), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const ask = (task: ClientTask) =>
      new Promise<number[][]>((resolve, reject) => {
        other.once('message', (times) => resolve(times as number[][]));
        other.once('exit', (code) => reject(new Error(`the API client exited with ${code}`)));
        other.send(task);
      }).finally(() => other.removeAllListeners('exit'));
    await new Promise((resolve) => other.once('message', resolve));
    const requests = engines.map((e) => e.request);
    await ask({ requests, rounds: WARM, warm: WARM });
    counting = true;
    for (const [n, times] of (await ask({ requests, rounds: N, warm: 0 })).entries()) engines[n]!.times.push(...times);
    other.kill();
  }
  counting = false;
  for (const { app, times, clean } of engines) {
    const count = app.db.engine === 'postgres' ? log.length : sqliteLog.length;
    console.log(`${app.db.engine}: ${(count / N).toFixed(2)} statements/request, ${figures(times)}`);
    if (client === 'in-process') console.log(`  ${times.length - clean.length} of ${times.length} requests had a garbage collection of this process in their time; the others: ${figures(clean)}`);
  }
  const [s, p] = engines.map((e) => e.times);
  console.log(`postgres ÷ sqlite: p50 ${(q(p!, 0.5) / q(s!, 0.5)).toFixed(2)}×, p95 ${(q(p!, 0.95) / q(s!, 0.95)).toFixed(2)}×`);
  if (client === 'in-process') console.log(`postgres outside its statements: ${figures(engines.find((e) => e.app.db.engine === 'postgres')!.outside)}`);
  const byText = new Map<string, Sent[]>();
  for (const sent of log) byText.set(sent.text, [...(byText.get(sent.text) ?? []), sent]);
  for (const [text, sent] of byText) {
    const answered = sent.filter((x) => x.arrived !== undefined);
    const clean = answered.filter((x) => !collected(x.t0, x.arrived!));
    console.log(`  ${sent.length}× p50 ${q(sent.map((x) => x.ms), 0.5).toFixed(3)} ms, p95 ${q(sent.map((x) => x.ms), 0.95).toFixed(3)} ms: ${text.replace(/\s+/g, ' ').slice(0, 120)}`);
    if (!answered.length) continue;
    console.log(`    sent → answer read: ${figures(answered.map((x) => x.arrived! - x.t0))}; answer read → callback: ${figures(answered.map((x) => x.t0 + x.ms - x.arrived!))}`);
    console.log(`    ${answered.length - clean.length} had a garbage collection between sent and answer read; the others, sent → answer read: ${figures(clean.map((x) => x.arrived! - x.t0))}`);
  }
  for (const { app } of engines) await app.close();
} finally {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}
