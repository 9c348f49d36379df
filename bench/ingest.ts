import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, request } from 'node:http';
import { capturedRequests } from '../test/helpers/replay.js';
import { otlpTypes } from '../src/telemetry/otlp-proto.js';

/*
 * Ingest throughput: realistic Claude Code OTLP exports (JSON and protobuf) and hook calls sent to
 * the real app over HTTP, each beside a floor measured in the same run: a bare node:http server
 * that only reads and parses the same bodies. Also the app's memory growth over a million points.
 */

const ROOT = resolve(import.meta.dirname, '..');
const RECORDING = 'rate-limiter-http-json-details-hooks';
const CONCURRENCY = 8;
const ROUNDS = 3;

export interface Server {
  port: number;
  token: string;
  child: ChildProcess;
}

export function startServer(script: string, args: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)(?: TOKEN (\S+))?/.exec(out);
      if (m) resolvePort({ port: Number(m[1]), token: m[2] ?? 'none', child });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function stop(server: Server): Promise<void> {
  return new Promise((r) => {
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => r());
    server.child.kill('SIGTERM');
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

export type Body = { path: string; contentType: string; body: Buffer; points: number };

const BENCH_START_NANOS = BigInt(Date.now() - 20 * 86_400_000) * 1_000_000n;

/** A realistic metrics export: the recorded one, with a session id and times of its own. */
export function metricsExports(count: number, sessionsPerExport: number, format: 'json' | 'protobuf', prefix: string): Body[] {
  const recorded = capturedRequests(RECORDING).find((r) => r.path === '/v1/metrics')!;
  const template = JSON.parse(recorded.body.toString('utf8'));
  const templateText = JSON.stringify(template.resourceMetrics[0]);
  const pointsPerSession = (templateText.match(/"timeUnixNano"/g) ?? []).length;
  const bodies: Body[] = [];
  for (let i = 0; i < count; i++) {
    const resourceMetrics = [];
    for (let s = 0; s < sessionsPerExport; s++) {
      const session = `${prefix}-${i}-${s}`;
      // One minute apart, starting 20 days ago: the receiver refuses telemetry dated more than a day ahead.
      const time = String(BENCH_START_NANOS + BigInt(i) * 60_000_000_000n);
      resourceMetrics.push(
        JSON.parse(
          templateText
            .replaceAll('c09ec6b4-ccf3-4416-9f0b-ed29aa232022', session)
            .replaceAll('dana@acme.example', `dev${s % 1000}@acme.example`)
            .replace(/"timeUnixNano":"\d+"/g, `"timeUnixNano":"${time}"`),
        ),
      );
    }
    const json = { resourceMetrics };
    const body =
      format === 'json'
        ? Buffer.from(JSON.stringify(json))
        : Buffer.from(otlpTypes.metricsRequest.encode(otlpTypes.metricsRequest.fromObject(json)).finish());
    bodies.push({
      path: '/v1/metrics',
      contentType: format === 'json' ? 'application/json' : 'application/x-protobuf',
      body,
      points: pointsPerSession * sessionsPerExport,
    });
  }
  return bodies;
}

let liveTemplate: { text: string; points: number } | undefined;

/**
 * A live export (freshness benchmark): the recorded export with each given session's id and person,
 * covering the minute before `at`, as Claude Code's exporter sends it every 60 s.
 */
export function liveMetricsExport({ sessions, at, format }: { sessions: { id: string; email: string }[]; at: number; format: 'json' | 'protobuf' }): Body {
  liveTemplate ??= (() => {
    const recorded = capturedRequests(RECORDING).find((r) => r.path === '/v1/metrics')!;
    const text = JSON.stringify(JSON.parse(recorded.body.toString('utf8')).resourceMetrics[0]);
    return { text, points: (text.match(/"timeUnixNano"/g) ?? []).length };
  })();
  const { text: templateText, points: pointsPerSession } = liveTemplate;
  const end = String(BigInt(at) * 1_000_000n);
  const start = String(BigInt(at - 60_000) * 1_000_000n);
  const resourceMetrics = sessions.map((s) =>
    JSON.parse(
      templateText
        .replaceAll('c09ec6b4-ccf3-4416-9f0b-ed29aa232022', s.id)
        .replaceAll('dana@acme.example', s.email)
        .replace(/"startTimeUnixNano":"\d+"/g, `"startTimeUnixNano":"${start}"`)
        .replace(/"timeUnixNano":"\d+"/g, `"timeUnixNano":"${end}"`),
    ),
  );
  const json = { resourceMetrics };
  return {
    path: '/v1/metrics',
    contentType: format === 'json' ? 'application/json' : 'application/x-protobuf',
    body: format === 'json' ? Buffer.from(JSON.stringify(json)) : Buffer.from(otlpTypes.metricsRequest.encode(otlpTypes.metricsRequest.fromObject(json)).finish()),
    points: pointsPerSession * sessions.length,
  };
}

function hookCalls(count: number): Body[] {
  const writes = capturedRequests(RECORDING).filter((r) => r.path === '/hooks/claude-code').map((r) => JSON.parse(r.body.toString('utf8')));
  return Array.from({ length: count }, (_, i) => {
    const call = { ...writes[i % writes.length], session_id: `bench-hook-${i % 500}`, tool_use_id: `toolu_bench_${i}` };
    return { path: '/hooks/claude-code', contentType: 'application/json', body: Buffer.from(JSON.stringify(call)), points: 1 };
  });
}

function post(agent: Agent, port: number, token: string, b: Body): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: b.path,
        method: 'POST',
        agent,
        headers: { 'content-type': b.contentType, 'content-length': b.body.length, authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolveStatus(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(b.body);
  });
}

/**
 * Sends the bodies over CONCURRENCY keep-alive connections; every answer must be 200. Given several
 * servers (replicas), the connections are spread evenly over them.
 */
export async function send(to: Server | Server[], bodies: Body[]): Promise<{ seconds: number; points: number }> {
  const servers = Array.isArray(to) ? to : [to];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  let points = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, connection) => {
      const server = servers[connection % servers.length]!;
      while (next < bodies.length) {
        const b = bodies[next++]!;
        const status = await post(agent, server.port, server.token, b);
        if (status !== 200) throw new Error(`${b.path} answered ${status}`);
        points += b.points;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { seconds, points };
}

export interface Figure {
  figure: string;
  value: string;
  target: string;
  baseline: string;
}

export async function benchIngest(options: { millionPoints?: boolean } = {}): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-'));
  const figures: Figure[] = [];
  try {
    const floor = await startServer('bench/servers/floor-server.ts');
    const app = await startServer('bench/servers/app-server.ts', [join(dir, 'metrics.db')]);

    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    for (const format of ['json', 'protobuf'] as const) {
      const warm = metricsExports(50, 10, format, `warm-${format}`);
      await send(floor, warm);
      await send(app, warm);
      // Rounds alternate floor and app so that machine noise hits both alike; medians are reported.
      const floorRates: number[] = [];
      const appRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const bodies = metricsExports(300, 10, format, `${format}-${round}`);
        const f = await send(floor, bodies);
        floorRates.push(f.points / f.seconds);
        const a = await send(app, bodies);
        appRates.push(a.points / a.seconds);
      }
      const floorRate = median(floorRates);
      const appRate = median(appRates);
      figures.push({
        figure: `OTLP ${format} metrics ingest (points/s, exports of 10 sessions)`,
        value: `${Math.round(appRate).toLocaleString('en')} (${((appRate / floorRate) * 100).toFixed(0)}% of floor)`,
        target: '≥ 50% of floor and ≥ 20,000',
        baseline: `${Math.round(floorRate).toLocaleString('en')} (bare node:http + parse)`,
      });
    }

    const calls = hookCalls(3000);
    const fh = await send(floor, calls);
    const ah = await send(app, calls);
    figures.push({
      figure: 'hook calls (calls/s, recorded Write/Edit/Bash calls)',
      value: `${Math.round(ah.points / ah.seconds).toLocaleString('en')} (${((fh.seconds / ah.seconds) * 100).toFixed(0)}% of floor)`,
      target: 'reported',
      baseline: `${Math.round(fh.points / fh.seconds).toLocaleString('en')} (bare node:http + parse)`,
    });

    if (options.millionPoints !== false) {
      const before = rssMb(app.child.pid!);
      let sent = 0;
      let batch = 0;
      while (sent < 1_000_000) {
        sent += (await send(app, metricsExports(200, 25, 'protobuf', `million-${batch}`))).points;
        batch++;
      }
      const after = rssMb(app.child.pid!);
      figures.push({
        figure: `app memory growth after ${(sent / 1e6).toFixed(2)}M points (RSS MB)`,
        value: `${after - before >= 0 ? '+' : ''}${(after - before).toFixed(0)} (${before.toFixed(0)} → ${after.toFixed(0)})`,
        target: 'bounded (no growth with volume)',
        baseline: `floor RSS ${rssMb(floor.child.pid!).toFixed(0)}`,
      });
    }
    await stop(floor);
    await stop(app);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
