import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DEMO_OAUTH } from '../demo/build-demo.js';
import type { DemoPlan } from '../demo/demo-plan.js';
import { startFakeGitHub, type FakeGitHub } from '../demo/fake-github.js';
import { pullRequestPayload } from '../demo/github-shapes.js';
import { createApiKey } from '../src/db/api-keys.js';
import { createDb } from '../src/db/client.js';
import { createIngestToken } from '../src/db/ingest-tokens.js';
import {
  claudeLine,
  claudeUser,
  datePullRequest,
  developerEmail,
  mergePullRequest,
  ORG,
  planPhase,
  seeded,
  sessionIdOf,
  standInPlan,
  writeCall,
  type LivePullRequest,
} from './freshness-plan.js';
import { liveMetricsExport, send, type Body, type Figure } from './ingest.js';
import { child, FULL_SIZE, type OrgSize } from './processing.js';

/*
 * Freshness (issue: live numbers): the real app (`src/main.ts`, as `npm start` runs it) serves the
 * generated 90-day synthetic org, processed once in full, with a stand-in GitHub answering at once.
 * For some minutes it receives what such an org sends: every Claude Code user's OTLP export each
 * minute (a peak hour: all of them at work), their sessions' hook calls, and merged-PR webhooks
 * (one every 2-5 s: the org's ~220 merges a day compressed, so that a run sees a burst). Each merged
 * PR's API route is polled until it answers; the latency from its webhook, and whether its
 * attribution is what its lines make it, are recorded. Then the same load with
 * `PROCESS_DELAY_SECONDS=off` gives the baselines of the same run: ingest throughput, API latency,
 * and the server's CPU rate without incremental processing.
 */

const ROOT = resolve(import.meta.dirname, '..');
const WEBHOOK_SECRET = 'freshness-webhook-secret';
const POLL_EVERY_MS = 2000;
const EXPORT_EVERY_MS = 60_000;
/** A session's Write or Edit outside any PR of the phase, every this often per active developer. */
const BACKGROUND_HOOK_EVERY_MS = 120_000;
const PROBE_EVERY_MS = 15_000;
/** Ingest probe: exports of 10 sessions, as the ingest benchmark sends them, over 8 connections. */
const PROBE_EXPORTS = 50;
const DEFAULT_DELAY_SECONDS = 60;

export interface FreshnessOptions {
  /** 1: the 1,000-developer org; 0.1 for `--quick`. */
  scale: number;
  /** Minutes of merges with incremental processing on. */
  minutes: number;
  /** Minutes of the same load with `PROCESS_DELAY_SECONDS=off`. */
  offMinutes: number;
  /** `PROCESS_DELAY_SECONDS` for the measured phase; unset: the app's default (60 s). */
  processDelaySeconds?: number | undefined;
  /** After the last merge, how long to wait for the PRs still invisible. */
  drainSeconds?: number | undefined;
  /**
   * Before the first merge, the sessions' exports and hook calls run this long (default 60 s): a
   * session exports within its first minute, long before its PR merges, however compressed the merges.
   */
  warmUpSeconds?: number | undefined;
  /** A processed synthetic org to start from (copied; generated when absent). */
  orgDb?: string | undefined;
  log?: ((line: string) => void) | undefined;
}

interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

function http(agent: Agent, url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }, retried = false): Promise<HttpAnswer> {
  const { method = 'GET', headers = {}, body } = options;
  const { hostname, port, pathname, search } = new URL(url);
  const t0 = performance.now();
  return new Promise((done, reject) => {
    const req = request(
      { host: hostname, port, path: pathname + search, method, agent, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server closed an idle kept-alive connection as this request left on it (Node's known
      // race): the request never reached the app, and a client sends it again on a new connection.
      if (error.code === 'ECONNRESET' && req.reusedSocket && !retried) http(agent, url, options, true).then(done, reject);
      else reject(error);
    });
    req.end(body);
  });
}

interface App {
  child: ChildProcess;
  url: string;
  /** The last lines it logged. */
  tail(): string[];
  stop(): Promise<void>;
}

/** `src/main.ts` as `npm start` runs it, on port 0; resolves once it logs where it listens. */
function startApp(env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const keep = (d: Buffer) => {
    const parts = (partial + d.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.length > 400) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolveApp, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[^"\s]+)/.exec(lines.join('\n') + partial);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolveApp({
        child,
        url: match[1]!,
        tail: () => [...lines],
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`the app exited before listening: ${lines.slice(-20).join('\n')}`)));
  });
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};
const median = (xs: number[]) => percentile(xs, 0.5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface RunRow {
  id: number;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  attributed: number;
}

interface PhaseResult {
  name: string;
  activeDevelopers: number;
  /** When the phase started, and when its merges (and measurements) began. */
  startedAt: number;
  measuredFrom: number;
  windowSeconds: number;
  merged: number;
  latenciesMs: number[];
  /** PRs whose first answer had the attribution their lines make, and those that did at the end. */
  rightAtFirst: number;
  rightAtEnd: number;
  mismatches: string[];
  withClaudeCode: number;
  summaryMs: number[];
  /** When each of those requests was sent (ms since the epoch). */
  summaryAt: number[];
  ingestRates: number[];
  cpu: { at: number; seconds: number }[];
  runs: RunRow[];
  sent: { exports: number; points: number; hookCalls: number; webhooks: number; failed: number; statuses: Record<string, number> };
  serverTail: string[];
  /** What the server processed before the measured minutes (marks the full run left), if anything. */
  settle: string;
}

interface PhaseParams {
  name: 'on' | 'off';
  dbPath: string;
  env: Record<string, string>;
  prs: LivePullRequest[];
  seconds: number;
  drainSeconds: number;
  developers: number;
  token: string;
  apiKey: string;
  /** Off: PRs are polled as long as they would be with processing on, and never waited for. */
  waitForPullRequests: boolean;
  delaySeconds: number;
  warmUpSeconds: number;
  /** The stand-in GitHub's plan, which webhook payloads describe the org from. */
  plan: DemoPlan;
  log: (line: string) => void;
}

function hasTable(dbPath: string, table: string): boolean {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
  } finally {
    db.close();
  }
}

function pendingMarks(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM processing_marks').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function runsSince(dbPath: string, sinceIso: string): RunRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT id, trigger, status, started_at AS startedAt, finished_at AS finishedAt, attributed FROM processing_runs WHERE started_at >= ? ORDER BY id`,
      )
      .all(sinceIso) as RunRow[];
  } finally {
    db.close();
  }
}

async function runPhase(p: PhaseParams): Promise<PhaseResult> {
  const app = await startApp(p.env);
  if (!hasTable(p.dbPath, 'processing_marks')) {
    await app.stop();
    throw new Error('the app has no incremental processing (no processing_marks table): nothing to measure');
  }
  const marksAtStart = pendingMarks(p.dbPath);
  p.log(
    `freshness ${p.name}: app at ${app.url} (${p.name === 'off' ? 'PROCESS_DELAY_SECONDS=off' : 'incremental processing'}), ${p.prs.length} merges over ${p.seconds} s; ${marksAtStart} processing marks pending at its start`,
  );
  // Marks a full run leaves (it covers PRs, sessions and days of its range, not identity links: the
  // generated org's links) are the server's first incremental run; the measured minutes start after it.
  let settle = '';
  if (p.name === 'on' && marksAtStart > 0) {
    const t0 = Date.now();
    while (pendingMarks(p.dbPath) > 0 && Date.now() - t0 < 15 * 60_000) await sleep(1000);
    const first = runsSince(p.dbPath, new Date(t0 - 60_000).toISOString()).filter((r) => r.trigger === 'incremental');
    settle = `${marksAtStart} marks left by the full run, processed by ${first.length} incremental run(s) in ${((Date.now() - t0) / 1000).toFixed(0)} s after the start`;
    p.log(`freshness ${p.name}: ${settle}`);
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const ingestHeaders = { authorization: `Bearer ${p.token}` };
  const apiHeaders = { 'x-api-key': p.apiKey };
  const result: PhaseResult = {
    name: p.name,
    activeDevelopers: Array.from({ length: p.developers }, (_, dev) => dev).filter(claudeUser).length,
    startedAt: 0,
    measuredFrom: 0,
    windowSeconds: p.seconds,
    merged: 0,
    latenciesMs: [],
    rightAtFirst: 0,
    rightAtEnd: 0,
    mismatches: [],
    withClaudeCode: p.prs.filter((pr) => pr.expected.withClaudeCode).length,
    summaryMs: [],
    summaryAt: [],
    ingestRates: [],
    cpu: [],
    runs: [],
    sent: { exports: 0, points: 0, hookCalls: 0, webhooks: 0, failed: 0, statuses: {} },
    serverTail: [],
    settle,
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = (what: string, work: Promise<HttpAnswer>) => {
    const promise = work.then(
      (a) => {
        if (a.status !== 200) {
          result.sent.failed++;
          result.sent.statuses[`${what} ${a.status}`] = (result.sent.statuses[`${what} ${a.status}`] ?? 0) + 1;
        }
        return a;
      },
      (error: unknown) => {
        result.sent.failed++;
        result.sent.statuses[`${what} ${(error as Error).message}`] = (result.sent.statuses[`${what} ${(error as Error).message}`] ?? 0) + 1;
      },
    );
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  };
  const postBody = (b: Body) => http(agent, `${app.url}${b.path}`, { method: 'POST', headers: { 'content-type': b.contentType, ...ingestHeaders }, body: b.body });
  const postJson = (path: string, body: object, headers: Record<string, string>) =>
    http(agent, `${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  let deliveries = 0;
  const webhook = (pr: LivePullRequest, action: 'opened' | 'closed', at: number) => {
    const body = JSON.stringify(pullRequestPayload(p.plan, pr.planned, action, at, pr.planned.author));
    result.sent.webhooks++;
    return http(agent, `${app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/freshness-bench',
        'x-github-event': 'pull_request',
        'x-github-delivery': `freshness-${p.name}-${++deliveries}-${pr.planned.number}-${action}`,
        'x-github-hook-installation-target-type': 'integration',
        'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
      },
      body,
    });
  };

  // Every Claude Code user of the org at work: one export a minute each, spread over the minute.
  const active = Array.from({ length: p.developers }, (_, dev) => dev).filter(claudeUser);
  const nextExport = new Map(active.map((dev) => [dev, ((dev * 7919) % EXPORT_EVERY_MS) + 200]));
  const nextBackgroundHook = new Map(active.map((dev) => [dev, ((dev * 104_729) % BACKGROUND_HOOK_EVERY_MS) + 500]));
  let backgroundCalls = 0;
  const backgroundRandom = seeded(p.name === 'on' ? 0xb6 : 0xb7);
  type Step = { at: number; run: () => void };
  const steps: Step[] = [];
  const start = Date.now();
  const startIso = new Date(start).toISOString();
  const pending = new Map<LivePullRequest, { deliveredAt: number; polling: boolean; lastPoll: number }>();

  const warmUpMs = p.warmUpSeconds * 1000;
  result.startedAt = start;
  result.measuredFrom = start + warmUpMs;
  for (const pr of p.prs) {
    datePullRequest(pr, start + warmUpMs);
    const mergeMs = warmUpMs + pr.mergeAt * 1000;
    const workMs = Math.max(warmUpMs / 2, mergeMs - 40_000);
    for (const call of pr.hookCalls) {
      steps.push({ at: workMs, run: () => void track('hook', postJson('/hooks/claude-code', call, ingestHeaders)).then(() => result.sent.hookCalls++) });
    }
    steps.push({ at: Math.max(workMs + 50, mergeMs - 30_000), run: () => void track('webhook opened', webhook(pr, 'opened', pr.planned.createdAt)) });
    steps.push({
      at: mergeMs,
      run: () => {
        const at = Date.now();
        mergePullRequest(pr, at);
        result.merged++;
        void track('webhook closed', webhook(pr, 'closed', at)).then(() => {
          pending.set(pr, { deliveredAt: at, polling: false, lastPoll: Date.now() });
        });
      },
    });
  }
  steps.sort((a, b) => a.at - b.at);

  const checkAnswer = (pr: LivePullRequest, body: string): string | null => {
    const got = JSON.parse(body) as { with_claude_code: boolean; lines_added: number; lines_with_claude_code: number };
    const want = pr.expected;
    if (got.with_claude_code === want.withClaudeCode && got.lines_added === want.linesAdded && got.lines_with_claude_code === want.linesWithClaudeCode) return null;
    return `${pr.planned.repository.fullName}#${pr.planned.number}: with_claude_code ${got.with_claude_code}, lines ${got.lines_with_claude_code}/${got.lines_added}; expected ${want.withClaudeCode}, ${want.linesWithClaudeCode}/${want.linesAdded}`;
  };
  const prPath = (pr: LivePullRequest) => `/api/v1/orgs/${ORG}/pull-requests/${pr.planned.repository.fullName}/${pr.planned.number}`;

  const today = utcDay(start);
  const summaryPath = `/api/v1/orgs/${ORG}/summary?start_date=${utcDay(start - 89 * 86_400_000)}&end_date=${today}`;
  let nextSummary = warmUpMs;
  let summaryBusy = false;
  let nextProbe = warmUpMs + 15_000;
  let probeBusy = false;
  let probeRound = 0;
  let nextCpu = 0;
  let nextProgress = 60_000;
  const windowMs = warmUpMs + p.seconds * 1000;
  const drainUntil = windowMs + p.drainSeconds * 1000;
  let step = 0;

  for (;;) {
    const now = Date.now() - start;
    if (now >= nextCpu) {
      result.cpu.push({ at: Date.now(), seconds: cpuSeconds(app.child.pid!) });
      nextCpu += 1000;
    }
    while (step < steps.length && steps[step]!.at <= now) steps[step++]!.run();
    for (const [dev, at] of nextExport) {
      if (at > now) continue;
      const body = liveMetricsExport({ sessions: [{ id: sessionIdOf(p.name, dev), email: developerEmail(dev) }], at: Date.now(), format: 'protobuf' });
      result.sent.exports++;
      result.sent.points += body.points;
      void track('export', postBody(body));
      nextExport.set(dev, at + EXPORT_EVERY_MS);
    }
    for (const [dev, at] of nextBackgroundHook) {
      if (at > now) continue;
      const n = backgroundCalls++;
      const call = writeCall({
        sessionId: sessionIdOf(p.name, dev),
        dev,
        path: `src/scratch/dev-${dev}-${n}.ts`,
        lines: Array.from({ length: 5 }, (_, i) => claudeLine(backgroundRandom, `s${n}x${i}`)),
        toolUseId: `toolu_live_${p.name}_scratch_${n}`,
      });
      void track('hook', postJson('/hooks/claude-code', call, ingestHeaders)).then(() => result.sent.hookCalls++);
      nextBackgroundHook.set(dev, at + BACKGROUND_HOOK_EVERY_MS);
    }
    // The measurement window: API latency once a second, ingest throughput every 30 s.
    if (now < windowMs && now >= nextSummary && !summaryBusy) {
      summaryBusy = true;
      nextSummary += 1000;
      void http(agent, `${app.url}${summaryPath}`, { headers: apiHeaders }).then(
        (a) => {
          summaryBusy = false;
          if (a.status === 200) {
            result.summaryMs.push(a.ms);
            result.summaryAt.push(Date.now() - a.ms);
          }
          else result.sent.statuses[`summary ${a.status}`] = (result.sent.statuses[`summary ${a.status}`] ?? 0) + 1;
        },
        () => (summaryBusy = false),
      );
    }
    if (now < windowMs - 5000 && now >= nextProbe && !probeBusy) {
      probeBusy = true;
      nextProbe += PROBE_EVERY_MS;
      const round = probeRound++;
      // Exports of the active developers' own sessions (no new sessions): what a larger org's minute would add.
      const bodies = Array.from({ length: PROBE_EXPORTS }, (_, i) =>
        liveMetricsExport({
          sessions: Array.from({ length: 10 }, (_, s) => {
            const dev = active[(round * PROBE_EXPORTS * 10 + i * 10 + s) % active.length]!;
            return { id: sessionIdOf(p.name, dev), email: developerEmail(dev) };
          }),
          at: Date.now(),
          format: 'protobuf',
        }),
      );
      void send({ port: Number(new URL(app.url).port), token: p.token, child: app.child }, bodies).then(
        (r) => {
          probeBusy = false;
          result.ingestRates.push(r.points / r.seconds);
          result.sent.points += r.points;
        },
        (error: unknown) => {
          probeBusy = false;
          result.sent.statuses[`probe ${(error as Error).message}`] = (result.sent.statuses[`probe ${(error as Error).message}`] ?? 0) + 1;
        },
      );
    }
    // Each merged PR's route, every 2 s until it answers (off: as long as it would take with processing on).
    for (const [pr, state] of pending) {
      if (state.polling || Date.now() - state.lastPoll < POLL_EVERY_MS) continue;
      if (!p.waitForPullRequests && Date.now() - state.deliveredAt > (p.delaySeconds + 30) * 1000) {
        pending.delete(pr);
        continue;
      }
      state.polling = true;
      state.lastPoll = Date.now();
      void http(agent, `${app.url}${prPath(pr)}`, { headers: apiHeaders }).then(
        (a) => {
          state.polling = false;
          if (a.status !== 200 || !pending.has(pr)) return;
          pending.delete(pr);
          result.latenciesMs.push(Date.now() - state.deliveredAt);
          const wrong = checkAnswer(pr, a.body);
          if (wrong) result.mismatches.push(`first answer ${wrong}`);
          else result.rightAtFirst++;
        },
        () => (state.polling = false),
      );
    }
    if (now >= nextProgress) {
      nextProgress += 60_000;
      p.log(`freshness ${p.name}: ${Math.round(now / 1000)} s, ${result.merged} merged, ${result.latenciesMs.length} visible, ${result.sent.exports} exports, ${result.sent.failed} refused`);
    }
    const allMerged = step >= steps.length;
    const waiting = p.waitForPullRequests ? pending.size > 0 : false;
    if (now >= windowMs && allMerged && (!waiting || now >= drainUntil)) break;
    await sleep(100);
  }
  await Promise.all([...inFlight]);
  while (probeBusy || summaryBusy) await sleep(100);
  result.cpu.push({ at: Date.now(), seconds: cpuSeconds(app.child.pid!) });

  if (p.waitForPullRequests) {
    // The final answer of every merged PR: what a reader sees once processing caught up.
    for (const pr of p.prs) {
      const a = await http(agent, `${app.url}${prPath(pr)}`, { headers: apiHeaders });
      if (a.status !== 200) {
        result.mismatches.push(`at the end ${pr.planned.repository.fullName}#${pr.planned.number}: ${a.status}`);
        continue;
      }
      const wrong = checkAnswer(pr, a.body);
      if (wrong) result.mismatches.push(`at the end ${wrong}`);
      else result.rightAtEnd++;
    }
  }
  agent.destroy();
  result.serverTail = app.tail().slice(-30);
  await app.stop();
  result.runs = runsSince(p.dbPath, startIso);
  return result;
}

/** CPU seconds of `cpu` samples spent inside the runs' intervals, and the seconds those intervals cover. */
function cpuInRuns(cpu: PhaseResult['cpu'], runs: { start: number; end: number }[]): { cpu: number; seconds: number } {
  let inRuns = 0;
  let seconds = 0;
  for (let i = 1; i < cpu.length; i++) {
    const [a, b] = [cpu[i - 1]!, cpu[i]!];
    if (b.at <= a.at) continue;
    let overlap = 0;
    for (const r of runs) overlap += Math.max(0, Math.min(b.at, r.end) - Math.max(a.at, r.start));
    const share = Math.min(1, overlap / (b.at - a.at));
    inRuns += (b.seconds - a.seconds) * share;
    seconds += ((b.at - a.at) * share) / 1000;
  }
  return { cpu: inRuns, seconds };
}

const cpuRate = (cpu: PhaseResult['cpu'], fromMs: number, toMs: number) => {
  const inside = cpu.filter((c) => c.at >= fromMs && c.at <= toMs);
  if (inside.length < 2) return Number.NaN;
  return (inside.at(-1)!.seconds - inside[0]!.seconds) / ((inside.at(-1)!.at - inside[0]!.at) / 1000);
};

/** Generates and fully processes the synthetic org at `scale` (as the processing benchmark does), unless given one. */
async function processedOrg(scale: number, dir: string, log: (line: string) => void, given?: string): Promise<{ dbPath: string; size: OrgSize }> {
  const size: OrgSize = {
    developers: Math.round(FULL_SIZE.developers * scale),
    days: FULL_SIZE.days,
    pullRequests: Math.round(FULL_SIZE.pullRequests * scale),
    sessionLines: Math.round(FULL_SIZE.sessionLines * scale),
  };
  const dbPath = join(dir, 'org.db');
  if (given) {
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(given + suffix)) copyFileSync(given + suffix, dbPath + suffix);
    return { dbPath, size };
  }
  let t0 = performance.now();
  await child('generate', size, dbPath);
  log(`freshness: generated ${size.developers} developers, ${size.pullRequests} PRs in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  t0 = performance.now();
  // The full recompute, as `npm run cli -- process` over every day of the org (and the days since).
  const today = Date.now();
  const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'process', '--org', ORG, '--from', utcDay(today - 120 * 86_400_000), '--to', utcDay(today)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: dbPath, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  cli.stdout.on('data', (d) => (output += d));
  cli.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((r) => cli.on('exit', r));
  if (code !== 0) throw new Error(`processing the synthetic org failed: ${output}`);
  log(`freshness: processed in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${output.trim().split('\n').at(-1)}`);
  return { dbPath, size };
}

export interface FreshnessResult {
  figures: Figure[];
  on: PhaseResult;
  off: PhaseResult;
}

export async function benchFreshness(options: FreshnessOptions): Promise<FreshnessResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-freshness-'));
  let github: FakeGitHub | undefined;
  try {
    const { dbPath, size } = await processedOrg(options.scale, dir, log, options.orgDb);
    const setup = await createDb(dbPath);
    const { token } = await createIngestToken(setup, { org: ORG });
    const { key: apiKey } = await createApiKey(setup, { org: ORG });
    await setup.close();

    const delaySeconds = options.processDelaySeconds ?? DEFAULT_DELAY_SECONDS;
    const onPrs = planPhase({ phase: 'on', developers: size.developers, seconds: options.minutes * 60, firstNumber: 100_000, seed: 0xf2e5 });
    const offPrs = planPhase({ phase: 'off', developers: size.developers, seconds: options.offMinutes * 60, firstNumber: 200_000, seed: 0x0ff });
    const plan = standInPlan({ developers: size.developers, pullRequests: [...onPrs, ...offPrs].map((pr) => pr.planned) });
    github = await startFakeGitHub({ plan, oauth: DEMO_OAUTH });
    const env = {
      DATABASE_URL: dbPath,
      LOG_LEVEL: 'info',
      APP_ID: '1',
      PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      WEBHOOK_SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      // The benchmark's pollers are one client; the per-key limit is for people's scripts.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      // The nightly run stays out of the measured minutes (the session may cross its hour).
      PROCESS_SCHEDULE: '0 0 1 1 *',
      ...(options.processDelaySeconds === undefined ? {} : { PROCESS_DELAY_SECONDS: String(options.processDelaySeconds) }),
    };
    const common = { dbPath, developers: size.developers, token, apiKey, delaySeconds, plan, log, warmUpSeconds: options.warmUpSeconds ?? 60 };
    const startedAt = new Date();
    const loadBefore = loadavg()[0]!;
    const on = await runPhase({ ...common, name: 'on', env, prs: onPrs, seconds: options.minutes * 60, drainSeconds: options.drainSeconds ?? delaySeconds + 180, waitForPullRequests: true });
    const off = await runPhase({ ...common, name: 'off', env: { ...env, PROCESS_DELAY_SECONDS: 'off' }, prs: offPrs, seconds: options.offMinutes * 60, drainSeconds: 0, waitForPullRequests: false });
    if (github.stats.unknown.length > 0) log(`freshness: the stand-in GitHub was asked for what it does not serve: ${[...new Set(github.stats.unknown)].slice(0, 5).join(', ')}`);
    const machine = {
      figure: 'freshness run: when and how busy the machine was',
      value: `${startedAt.toISOString().slice(0, 16).replace('T', ' ')}–${new Date().toISOString().slice(11, 16)} UTC; load average ${loadBefore.toFixed(1)} at the start of the merges, ${loadavg()[0]!.toFixed(1)} at the end`,
      target: '—',
      baseline: `${cpus().length} cores`,
    };
    return { figures: [...figuresOf({ on, off, size, delaySeconds }), machine], on, off };
  } finally {
    await github?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function figuresOf({ on, off, size, delaySeconds }: { on: PhaseResult; off: PhaseResult; size: OrgSize; delaySeconds: number }): Figure[] {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const ms = (x: number) => x.toFixed(1);
  const spread = (xs: number[]) => `${Math.round(Math.min(...xs)).toLocaleString('en')}–${Math.round(Math.max(...xs)).toLocaleString('en')}`;
  const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
  const visible = on.latenciesMs.length;
  const incrementalRuns = on.runs.filter((r) => r.trigger === 'incremental');
  const runIntervals = incrementalRuns.filter((r) => r.finishedAt).map((r) => ({ start: Date.parse(r.startedAt), end: Date.parse(r.finishedAt!) }));
  // The server's CPU rate under the same load without incremental processing, over its measured minutes.
  const offRate = cpuRate(off.cpu, off.measuredFrom, off.measuredFrom + off.windowSeconds * 1000);
  // CPU inside the runs' intervals, less what the server spends on the same load without processing.
  const during = cpuInRuns(on.cpu, runIntervals);
  const spent = Math.max(0, during.cpu - offRate * during.seconds);
  const runSeconds = runIntervals.map((r) => (r.end - r.start) / 1000);
  const onIngest = median(on.ingestRates);
  const offIngest = median(off.ingestRates);
  const onP95 = percentile(on.summaryMs, 0.95);
  // The answers slower than a second, and which of them overlapped an incremental run.
  const slow = on.summaryMs.map((t, i) => ({ from: on.summaryAt[i]!, to: on.summaryAt[i]! + t, ms: t })).filter((r) => r.ms > 1000);
  const slowInRuns = slow.filter((r) => runIntervals.some((run) => r.from < run.end && r.to > run.start)).length;
  const offP95 = percentile(off.summaryMs, 0.95);
  const label = size.developers === FULL_SIZE.developers ? '' : ` (${size.developers} developers)`;
  return [
    {
      figure: `freshness${label}: load while serving the 90-day org, ${(on.windowSeconds / 60).toFixed(0)} min with incremental processing (PROCESS_DELAY_SECONDS ${delaySeconds}), ${(off.windowSeconds / 60).toFixed(0)} min off`,
      value: `${on.merged} merges (one every ${(on.windowSeconds / Math.max(1, on.merged)).toFixed(1)} s; ${on.withClaudeCode} with Claude Code lines); ${on.sent.exports} OTLP exports (${on.activeDevelopers} developers, one a minute each), ${on.sent.hookCalls} hook calls, ${on.ingestRates.length} ingest probes; ${on.sent.failed} requests refused${on.sent.failed ? ` (${Object.entries(on.sent.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
      target: '—',
      baseline: `off: ${off.merged} merges, ${off.sent.exports} exports, ${off.sent.hookCalls} hook calls; ${off.sent.failed} refused`,
    },
    {
      figure: 'merge webhook → PR visible in the API (s)',
      value: `p50 ${s(median(on.latenciesMs))}, p95 ${s(percentile(on.latenciesMs, 0.95))}, max ${s(Math.max(...on.latenciesMs))} (${visible} of ${on.merged} visible)`,
      target: 'p95 ≤ 120',
      baseline: `PROCESS_DELAY_SECONDS ${delaySeconds}`,
    },
    {
      figure: 'attribution of the merged PRs as their lines make it',
      value: `${on.rightAtFirst}/${visible} at first answer, ${on.rightAtEnd}/${on.merged} at the end${on.mismatches.length ? `; e.g. ${on.mismatches.slice(0, 2).join('; ')}` : ''}`,
      target: 'all',
      baseline: `${on.withClaudeCode} with Claude Code lines, ${on.merged - on.withClaudeCode} without`,
    },
    {
      figure: 'CPU spent on incremental processing per merged PR',
      value: `${(spent / Math.max(1, on.merged)).toFixed(2)} s`,
      target: '≤ 1 s',
      baseline: `server CPU during runs ${during.cpu.toFixed(1)} s over ${during.seconds.toFixed(0)} s of runs, minus the no-processing rate (${offRate.toFixed(2)} CPU-s/s) = ${spent.toFixed(1)} s for ${on.merged} merged PRs`,
    },
    {
      figure: 'processing runs during the merges (a burst is batches)',
      value: `${incrementalRuns.length} runs for ${on.merged} merges; run time p50 ${median(runSeconds).toFixed(2)} s, max ${Math.max(0, ...runSeconds).toFixed(2)} s; PRs attributed per run p50 ${median(incrementalRuns.map((r) => r.attributed))}`,
      target: 'batches, not one run per PR',
      baseline: `other runs meanwhile: ${on.runs.length - incrementalRuns.length}${on.settle ? `; before the measured minutes: ${on.settle}` : ''}`,
    },
    {
      figure: 'OTLP protobuf ingest while serving (points/s, exports of 10 sessions, median of probes)',
      value: `${Math.round(onIngest).toLocaleString('en')} (${pct(onIngest, offIngest)}; ${on.ingestRates.length} probes, ${spread(on.ingestRates)})`,
      target: 'within 10% of off',
      baseline: `off: ${Math.round(offIngest).toLocaleString('en')} (${off.ingestRates.length} probes, ${spread(off.ingestRates)})`,
    },
    {
      figure: 'API summary, 90 days, once a second while serving (ms)',
      value: `p50 ${ms(median(on.summaryMs))}, p95 ${ms(onP95)} (${pct(onP95, offP95)}), max ${ms(Math.max(...on.summaryMs))}; ${on.summaryMs.length} requests, ${slow.length} over 1 s (${slowInRuns} of them while a run was going)`,
      target: 'p95 within 10% of off',
      baseline: `off: p50 ${ms(median(off.summaryMs))}, p95 ${ms(offP95)}, max ${ms(Math.max(...off.summaryMs))}; ${off.summaryMs.length} requests`,
    },
  ];
}
