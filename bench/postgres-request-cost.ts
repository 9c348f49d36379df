import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';

/*
 * What one remembered API answer costs in statements on each engine, and each PostgreSQL
 * statement's round trip (sent to answered, in this process):
 *   node --import tsx bench/postgres-request-cost.ts POSTGRES_CLUSTER_URL [route] [requests]
 * The app serves an empty org on a SQLite file and on a fresh PostgreSQL database at once, and both
 * are asked in turn, request by request, after 300 requests each to warm up (as the API part of
 * `npm run bench -- --engine postgres` does). The drivers' statement calls are counted by wrapping
 * them before the app is loaded.
 */
const clusterUrl = process.argv[2]!;
const route = process.argv[3] ?? 'durability';
const N = Number(process.argv[4] ?? 300);

const log: { text: string; ms: number }[] = [];
let counting = false;
const send = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const t0 = performance.now();
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
  const last = args.length - 1;
  if (counting && typeof args[last] === 'function') {
    const callback = args[last] as (...a: unknown[]) => unknown;
    args[last] = (...a: unknown[]) => {
      log.push({ text, ms: performance.now() - t0 });
      return callback(...a);
    };
    return send.apply(this, args);
  }
  const result = send.apply(this, args);
  if (counting && result && typeof (result as Promise<unknown>).then === 'function') {
    void (result as Promise<unknown>).then(
      () => log.push({ text, ms: performance.now() - t0 }),
      () => log.push({ text: `FAILED ${text}`, ms: performance.now() - t0 }),
    );
  }
  return result;
};
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
    engines.push({ app, ask, times: [] as number[], outside: [] as number[] });
  }
  // Both engines asked in turn, request by request (as bench/processing-child.ts 'api' does).
  for (let i = 0; i < 300; i++) for (const { ask } of engines) await ask();
  counting = true;
  for (let i = 0; i < N; i++) {
    for (const { app, ask, times, outside } of engines) {
      const sent = log.length;
      const t0 = performance.now();
      await ask();
      const ms = performance.now() - t0;
      times.push(ms);
      // The request's time outside its statements' round trips (PostgreSQL; SQLite's run in the process).
      if (app.db.engine === 'postgres') outside.push(ms - log.slice(sent).reduce((sum, s) => sum + s.ms, 0));
    }
  }
  counting = false;
  const q = (t: number[], f: number) => [...t].sort((a, b) => a - b)[Math.floor(t.length * f)]!;
  for (const { app, times } of engines) {
    const count = app.db.engine === 'postgres' ? log.length : sqliteLog.length;
    console.log(`${app.db.engine}: ${(count / N).toFixed(2)} statements/request, p50 ${q(times, 0.5).toFixed(2)} ms, p95 ${q(times, 0.95).toFixed(2)} ms`);
  }
  const outside = engines.find((e) => e.app.db.engine === 'postgres')!.outside;
  console.log(`postgres outside its statements: p50 ${q(outside, 0.5).toFixed(2)} ms, p95 ${q(outside, 0.95).toFixed(2)} ms`);
  const [s, p] = engines.map((e) => e.times);
  console.log(`postgres ÷ sqlite: p50 ${(q(p!, 0.5) / q(s!, 0.5)).toFixed(2)}×, p95 ${(q(p!, 0.95) / q(s!, 0.95)).toFixed(2)}×`);
  const byText = new Map<string, number[]>();
  for (const { text, ms } of log) byText.set(text, [...(byText.get(text) ?? []), ms]);
  for (const [text, ms] of byText) console.log(`  ${ms.length}× p50 ${q(ms, 0.5).toFixed(3)} ms, p95 ${q(ms, 0.95).toFixed(3)} ms: ${text.replace(/\s+/g, ' ').slice(0, 120)}`);
  for (const { app } of engines) await app.close();
} finally {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}
