import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDb } from '../src/db/client.js';
import {
  linkPullRequestCommits,
  markPullRequestEnriched,
  recordDraftChange,
  recordReview,
  upsertCommit,
  upsertGitHubUser,
  upsertInstallation,
  upsertPullRequest,
  upsertRepository,
} from '../src/db/github-activity.js';
import { addApiRequests, addTelemetryCounters, linkIdentity, recordSessions, type ApiRequestIncrement, type CounterIncrement, type SessionSighting } from '../src/db/telemetry-store.js';
import { startBulkLoad } from './bulk-load.js';
import { claudeUser, createRandom, editedSketch, FILES_PER_PR, isEdited, lineRandom, sessionLines, sketchOf } from './synthetic-lines.js';
import { runProcessing } from '../src/processing/run-processing.js';
import { updateDurability } from '../src/processing/update-durability.js';
import type { OrgSize } from './processing.js';
import type { AppServer } from '../src/app-server.js';

/*
 * One benchmark size in its own process: generate the synthetic org through the storage functions
 * (on SQLite with two child processes of this script writing the line tables beside it: modes
 * `session-lines` and `pr-lines`), then time a full recompute and a one-day run, and report peak
 * RSS (VmHWM) as one JSON line.
 */

const [mode, dbPath, sizeJson] = process.argv.slice(2) as ['generate' | 'session-lines' | 'pr-lines' | 'process' | 'api', string, string];
const size = JSON.parse(sizeJson) as OrgSize;
const db = await createDb(dbPath);

const rng = createRandom();
const random = () => rng.next();
const pick = (n: number) => Math.floor(random() * n);
const fingerprint = () => Math.floor(random() * 2 ** 48);

const ORG = 'synthetic';
const END = Date.parse('2026-11-21T00:00:00Z');
const DAY_MS = 86_400_000;
const day = (i: number) => new Date(END - (size.days - 1 - i) * DAY_MS).toISOString().slice(0, 10);
const REPOS = 50;
const LINES_PER_PR = 150;

if (mode === 'api') {
  // The metrics API and pages over HTTP on the processed org: latency of each route beside /healthz.
  // Further databases after the size (`api PATH SIZE OTHER…`) are served at the same time and asked
  // in turn, request by request: every engine then meets the same moments of a shared machine's
  // load and the same warm-up, instead of one engine's minute against another's.
  await db.close();
  const dbPaths = [dbPath, ...process.argv.slice(5)];
  const { startAppServer } = await import('../src/app-server.js');
  const { loadConfig } = await import('../src/config.js');
  const { createApiKey } = await import('../src/db/api-keys.js');
  const { createWebSession } = await import('../src/db/web-sessions.js');
  const { serializeSigned } = await import('hono/utils/cookie');
  const { pino } = await import('pino');
  const range = `start_date=${day(0)}&end_date=${day(size.days - 1)}`;
  const month = `starting_at=${day(size.days - 31)}&ending_at=${day(size.days - 1)}`;
  const served: { servers: AppServer[]; routes: Record<string, [AppServer, string, Record<string, string>]> }[] = [];
  for (const path of dbPaths) {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: path,
      LOG_LEVEL: 'silent',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      SEATS: String(size.developers),
    });
    const app = await startAppServer({ config, log: pino({ level: 'silent' }), startWorker: false });
    const { key } = await createApiKey(app.db, { org: ORG });
    // The pages' access check asks GitHub, which a benchmark has none of: the org owner's answer is
    // given here, at that one boundary; everything after it (session, queries, rendering) is the app's.
    const owner = { roleOf: async () => 'owner' as const, forget: () => undefined, isMember: async () => true };
    const pages = await startAppServer({ config, log: pino({ level: 'silent' }), startWorker: false, pagesAccess: owner });
    const session = await createWebSession(pages.db, { login: 'bench-owner', id: 1 });
    const cookie = (await serializeSigned('ccm_session', session.id, config.sessionSecret!)).split(';')[0]!;
    served.push({
      servers: [app, pages],
      routes: {
        healthz: [app, '/healthz', {}],
        summary: [app, `/api/v1/orgs/${ORG}/summary?${range}`, { 'x-api-key': key }],
        daily: [app, `/api/v1/orgs/${ORG}/daily?${range}`, { 'x-api-key': key }],
        users: [app, `/api/v1/orgs/${ORG}/users?${range}&limit=100`, { 'x-api-key': key }],
        claude_code_usage: [app, `/api/v1/orgs/${ORG}/claude_code_usage?starting_at=${day(size.days - 1)}&limit=20`, { 'x-api-key': key }],
        summaries: [app, `/api/v1/orgs/${ORG}/summaries?starting_date=${day(0)}`, { 'x-api-key': key }],
        user_cost_report: [app, `/api/v1/orgs/${ORG}/user_cost_report?${month}&limit=100`, { 'x-api-key': key }],
        outcomes: [app, `/api/v1/orgs/${ORG}/outcomes?${range}`, { 'x-api-key': key }],
        durability: [app, `/api/v1/orgs/${ORG}/durability?${range}`, { 'x-api-key': key }],
        overview_page: [pages, `/orgs/${ORG}?${range}`, { cookie }],
        people_page: [pages, `/orgs/${ORG}/users?${range}`, { cookie }],
        pull_requests_page: [pages, `/orgs/${ORG}/pull-requests?${range}`, { cookie }],
      },
    });
  }
  // With more than one database (the engines compared), each route is also timed from a client in a
  // process of its own (bench/api-client.ts), as a real API client is, after a longer warm-up; and
  // every API route takes 400 requests instead of 120 (a p95 of 110 is the 6th slowest). With the
  // client in this process its work is the server's too, and while a request waits on PostgreSQL
  // this process's V8 worker threads (compiling, collecting) take the core the database server's
  // process needs (measured: README, "Where the API's PostgreSQL tail went"). The in-process
  // figures (p50, p95, first answer) stay beside the separate client's.
  const comparing = dbPaths.length > 1;
  const apiRounds = comparing ? 400 : 120;
  type Quantiles = { p50: number; p95: number; samples: number };
  type RouteLatency = { p50: number; p95: number; first: number; firstStallMs: number; firstCpuMs: number; separateClient?: Quantiles };
  const results: Record<string, RouteLatency>[] = served.map(() => ({}));
  const quantiles = (times: number[]): Quantiles => {
    const t = [...times].sort((a, b) => a - b);
    return { p50: t[Math.floor(t.length * 0.5)]!, p95: t[Math.floor(t.length * 0.95)]!, samples: t.length };
  };
  // The event loop's longest stall while a route computes its first answer: how long the server
  // answered nobody else meanwhile (client and server share this process's event loop).
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  // Before any route is measured, each engine's request path warms up alike, so the first route
  // measured does not pay for it alone: /healthz (a read of the database), then the API's key
  // check, rate limit and remembered report, on the summary of the last day only (the measured
  // routes' first answers stay to be computed). A server in use has long been warm; a fresh
  // process's first few hundred requests ran about 1.6 times slower on PostgreSQL.
  const lastDay = `start_date=${day(size.days - 1)}&end_date=${day(size.days - 1)}`;
  for (let i = 0; i < 300; i++) {
    for (const { routes } of served) {
      await (await fetch(`${routes.healthz![0].url}/healthz`)).arrayBuffer();
      const [app, , headers] = routes.summary!;
      await (await fetch(`${app.url}/api/v1/orgs/${ORG}/summary?${lastDay}`, { headers })).arrayBuffer();
    }
  }
  for (const name of Object.keys(served[0]!.routes)) {
    const times: number[][] = served.map(() => []);
    const rounds = name.endsWith('_page') ? 60 : apiRounds;
    for (let i = 0; i < rounds; i++) {
      for (const [n, { routes }] of served.entries()) {
        const [server, path, headers] = routes[name]!;
        // CPU time of this process (client and server) for the first answer: on a shared machine the
        // wall time swings with the other processes, the CPU time much less.
        let cpu0: NodeJS.CpuUsage | undefined;
        if (i === 0) {
          stalls.reset();
          stalls.enable();
          cpu0 = process.cpuUsage();
        }
        const t0 = performance.now();
        const res = await fetch(`${server.url}${path}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        const ms = performance.now() - t0;
        if (i === 0) {
          stalls.disable();
          const cpu = process.cpuUsage(cpu0!);
          results[n]![name] = { p50: 0, p95: 0, first: ms, firstStallMs: stalls.max / 1e6, firstCpuMs: (cpu.user + cpu.system) / 1000 };
        }
        if (i >= 10) times[n]!.push(ms); // the first ones warm up
      }
    }
    for (const [n, t] of times.entries()) Object.assign(results[n]![name]!, quantiles(t));
  }
  if (comparing) {
    const { fork } = await import('node:child_process');
    const client = fork(new URL('./api-client.ts', import.meta.url), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      client.once('message', () => resolve());
      client.once('error', reject);
    });
    const ask = (task: import('./api-client.js').ClientTask) =>
      new Promise<number[][]>((resolve, reject) => {
        client.once('message', (times) => resolve(times as number[][]));
        client.once('exit', (code) => reject(new Error(`the benchmark's API client exited with ${code}`)));
        client.send(task);
      }).finally(() => client.removeAllListeners('exit'));
    const requests = (name: string) => served.map(({ routes }) => ({ url: `${routes[name]![0].url}${routes[name]![1]}`, headers: routes[name]![2] }));
    // Warm-up: the client's own fetch, and the servers' request paths beyond the in-process pass's
    // 300 rounds. Measured with bench/postgres-request-cost.ts: after 300 requests the PostgreSQL
    // path's p95 was still about twice what it was after 3,000 (V8's worker threads of this process,
    // compiling and collecting, still busy on the core the database server's process also needs); a
    // server in use is long past it.
    await ask({ requests: requests('summary'), rounds: 3000, warm: 3000 });
    for (const name of Object.keys(served[0]!.routes)) {
      const times = await ask({ requests: requests(name), rounds: (name.endsWith('_page') ? 60 : apiRounds) + 10, warm: 10 });
      for (const [n, t] of times.entries()) results[n]![name]!.separateClient = quantiles(t);
    }
    client.kill();
  }
  // One org: the overview right after a processing run ended (here a one-day run). With the default
  // PAGE_FRESH_WAIT_MS the page waits that long for the new figures, then shows the earlier run's
  // (saying so) while they compute; asked every 50 ms until the new ones show.
  let overviewAfterRun: { ms: number; earlier: boolean; newAfterMs: number } | undefined;
  if (!comparing) {
    const [pages, path, headers] = served[0]!.routes.overview_page!;
    await runProcessing(pages.db, { org: ORG, fromDay: day(size.days - 1), toDay: day(size.days - 1), trigger: 'bench' });
    const ask = async () => {
      const res = await fetch(`${pages.url}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return (await res.text()).includes('data-earlier-figures');
    };
    const t0 = performance.now();
    const earlier = await ask();
    const ms = performance.now() - t0;
    while (await ask()) await new Promise((resolve) => setTimeout(resolve, 50));
    overviewAfterRun = { ms, earlier, newAfterMs: performance.now() - t0 };
  }
  for (const { servers } of served) for (const server of servers) await server.close();
  console.log(JSON.stringify(dbPaths.length === 1 ? { ...results[0], overviewAfterRun } : results));
  process.exit(0);
}

if (mode === 'process') {
  // Stopped from outside (SIGTERM), the process still exits through Node's exit, which writes a `--cpu-prof` profile.
  process.on('SIGTERM', () => process.exit(143));
  // A fresh process, so its peak memory is processing's own. The event loop's longest stall is how
  // long a server running this processing would leave every request unanswered.
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  let t0 = performance.now();
  // Time spent on outcomes inside the run (timelines read, outcomes decided and written).
  const stageTimes = { outcomesMs: 0 };
  // BENCH_PROCESSING_LOG=debug: the run's log on stderr, with its memory at each stage of the org.
  const { pino } = await import('pino');
  const log = process.env.BENCH_PROCESSING_LOG ? pino({ level: process.env.BENCH_PROCESSING_LOG }, pino.destination(2)) : undefined;
  // The run's memory bounds, from the same settings as the app's (PROCESSING_SESSION_LINES_CACHE, PROCESSING_SQLITE_CACHE_MB, PROCESSING_SQLITE_MMAP_MB).
  const { loadConfig } = await import('../src/config.js');
  const memory = loadConfig(
    Object.fromEntries(['PROCESSING_SESSION_LINES_CACHE', 'PROCESSING_SQLITE_CACHE_MB', 'PROCESSING_SQLITE_MMAP_MB'].map((name) => [name, process.env[name]])),
  ).processingMemory;
  const full = await runProcessing(db, { org: ORG, fromDay: day(0), toDay: day(size.days - 1), trigger: 'bench', stageTimes, log, memory });
  const fullSeconds = (performance.now() - t0) / 1000;
  const outcomesSeconds = stageTimes.outcomesMs / 1000;
  stalls.disable();
  const longestStallMs = stalls.max / 1e6;
  const p99StallMs = stalls.percentile(99) / 1e6;
  t0 = performance.now();
  await runProcessing(db, { org: ORG, fromDay: day(size.days - 1), toDay: day(size.days - 1), trigger: 'bench', log, memory });
  const oneDaySeconds = (performance.now() - t0) / 1000;
  const withClaudeCode = (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM attributions WHERE with_claude_code = TRUE`))!.n;
  let linesWithClaudeCode = 0;
  let editedLines = 0;
  await db.eachRow(sql`SELECT lines_with_claude_code AS n, evidence FROM attributions`, (row) => {
    const [n, evidence] = row as [number, string];
    linesWithClaudeCode += n;
    for (const e of JSON.parse(evidence) as { kind: string; files?: { edited?: number }[] }[]) {
      if (e.kind === 'line_match') for (const f of e.files ?? []) editedLines += f.edited ?? 0;
    }
  });
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
  const outcomeFacts = (await db.get<{ reviews: number; reverted: number; drafts: number }>(
    sql`SELECT (SELECT count(*) FROM pull_request_reviews) AS reviews, (SELECT count(*) FROM pull_request_outcomes WHERE reverted_by IS NOT NULL) AS reverted,
              (SELECT count(*) FROM pull_requests WHERE opened_as_draft = TRUE) AS drafts`,
  ))!;
  // Durability's step on its own, its replay of the last 104 days forced (a run replays a repository
  // whose changes changed since its last replay): its share of the recompute. Then as a run that
  // finds nothing new sees it.
  await db.run(sql`DELETE FROM repository_durability_replays`);
  t0 = performance.now();
  await updateDurability(db, { org: ORG, now: new Date(), write: async (w) => w() });
  const durabilitySeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await updateDurability(db, { org: ORG, now: new Date(), write: async (w) => w() });
  const durabilityUnchangedSeconds = (performance.now() - t0) / 1000;
  const churn = (await db.get<{ lines: number; deleted: number; old: number }>(
    sql`SELECT sum(lines) AS lines, sum(deleted_21d) AS deleted, sum(CASE WHEN deleted_21d IS NULL THEN 0 ELSE lines END) AS old FROM pull_request_durability`,
  ))!;
  console.log(
    JSON.stringify({
      fullSeconds,
      outcomesSeconds,
      outcomeFacts,
      oneDaySeconds,
      peakRssMb,
      memory: { sessionLinesCache: memory.sessionLinesCache, sqliteCacheMb: memory.sqliteCacheMb, sqliteMmapMb: memory.sqliteMmapMb },
      attributed: full.attributed,
      withClaudeCode,
      linesWithClaudeCode,
      editedLines,
      longestStallMs,
      p99StallMs,
      durabilitySeconds,
      durabilityUnchangedSeconds,
      durabilityLines: churn.lines,
      churnRate: churn.old > 0 ? churn.deleted / churn.old : 0,
    }),
  );
  process.exit(0);
}

if (mode === 'session-lines') {
  // The child that writes the org's session lines into a file of its own (`dbPath`), beside the
  // generator: in key order (session, path, fingerprint), so each row is appended to the table and
  // its key. The generator copies the table into the org's file when both are done.
  const load = startBulkLoad(db);
  const { files } = sessionLines(size);
  const sessions: [string, number, number][] = [];
  for (let i = 0; i < size.days; i++) for (let dev = 0; dev < size.developers; dev++) if (claudeUser(dev)) sessions.push([`s-${dev}-${i}`, dev, i]);
  sessions.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const SESSIONS_PER_TRANSACTION = 500;
  for (let at = 0; at < sessions.length; at += SESSIONS_PER_TRANSACTION) {
    await db.transaction(async (tx) => {
      for (const [sessionId, dev, i] of sessions.slice(at, at + SESSIONS_PER_TRANSACTION)) {
        const writtenAt = `${day(i)}T10:00:00.000Z`;
        for (const { path, fps } of files(dev, i).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
          await load.addSessionLineFingerprints(tx, {
            sessionId,
            path,
            org: ORG,
            writtenAt,
            fingerprints: new Map(fps.map((fp) => [fp, 1])),
            sketches: new Map(fps.map((fp) => [fp, sketchOf(fp)])),
          });
        }
      }
    });
  }
  await db.close();
  process.exit(0);
}

const started = performance.now();
const at = new Date(END).toISOString();
// SQLite: loaded as a bulk load (bulk-load.ts); the line tables through it, the rest through the storage functions.
const load = startBulkLoad(db);
const lines = sessionLines(size);
// On SQLite the line tables are written meanwhile by two child processes, each into a file of its
// own (the machine's second core): the session lines (mode `session-lines`), and the PRs' files and
// lines (mode `pr-lines`: the PRs drawn as here, only their files written). This process writes the
// rest; the tables are copied in at the end. Elsewhere everything is written here.
const linesApart =
  mode === 'generate' && load.copyTables
    ? Promise.all([writeApart('session-lines', `${dbPath}.session-lines`), writeApart('pr-lines', `${dbPath}.pr-lines`)])
    : null;
const writeMetadata = mode === 'generate';
const writeLines = mode === 'pr-lines' || !linesApart;
if (writeMetadata) {
  await db.transaction(async (tx) => {
    await upsertInstallation(tx, {
      id: 1,
      accountId: 1,
      accountLogin: ORG,
      accountType: 'Organization',
      repositorySelection: 'all',
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    for (let r = 0; r < REPOS; r++) {
      await upsertRepository(tx, { id: 1000 + r, ownerLogin: ORG, name: `repo-${r}`, fullName: `${ORG}/repo-${r}`, private: true, defaultBranch: 'main' }, 1, at);
    }
    for (let d = 0; d < size.developers; d++) await upsertGitHubUser(tx, { id: 10_000 + d, login: `dev-${d}`, type: 'User' }, at);
  });

  // Claude Code: one session per Claude-using developer and day, writing into the files PRs will touch.
  const linesPerSession = lines.linesPerSession;
  for (let i = 0; i < size.days; i++) {
    await db.transaction(
      async (tx) => {
        // The day's sessions, counters and API requests in one statement each (a day's rows at 10×: 6,000 sessions).
        const sightings: SessionSighting[] = [];
        const counters: CounterIncrement[] = [];
        const apiRequests: ApiRequestIncrement[] = [];
        for (let dev = 0; dev < size.developers; dev++) {
          if (!claudeUser(dev)) continue;
          const id = `s-${dev}-${i}`;
          const iso = `${day(i)}T10:00:00.000Z`;
          // Each developer's sessions work in one repository (its folder is named after it), where their PRs with Claude Code land.
          const cwd = `/home/dev-${dev}/src/repo-${dev % REPOS}`;
          sightings.push({ id, org: ORG, seenAt: iso, userEmail: `dev-${dev}@synthetic.example`, githubLogin: `dev-${dev}`, cwd });
          if (writeLines) {
            for (const { path, fps } of lines.files(dev, i)) {
              await load.addSessionLineFingerprints(tx, {
                sessionId: id,
                path,
                org: ORG,
                writtenAt: iso,
                fingerprints: new Map(fps.map((fp) => [fp, 1])),
                sketches: new Map(fps.map((fp) => [fp, sketchOf(fp)])),
              });
            }
          }
          counters.push(
            { org: ORG, day: day(i), sessionId: id, metric: 'sessions', dimension: '', value: 1 },
            { org: ORG, day: day(i), sessionId: id, metric: 'lines_added', dimension: '', value: linesPerSession },
            { org: ORG, day: day(i), sessionId: id, metric: 'edit_decisions', dimension: 'Edit:accept', value: 8 },
            { org: ORG, day: day(i), sessionId: id, metric: 'edit_decisions', dimension: 'Write:reject', value: 1 },
            { org: ORG, day: day(i), sessionId: id, metric: 'cost_micro_usd', dimension: 'claude-sonnet-4-5', value: 1_250_000 },
            { org: ORG, day: day(i), sessionId: id, metric: 'tokens', dimension: 'claude-sonnet-4-5:input', value: 120_000 },
            { org: ORG, day: day(i), sessionId: id, metric: 'active_time_seconds', dimension: 'cli', value: 1800 },
          );
          apiRequests.push({ org: ORG, day: day(i), sessionId: id, model: 'claude-sonnet-4-5', requests: 40, inputTokens: 120_000, outputTokens: 9000, cacheReadTokens: 0, cacheCreationTokens: 0, costMicroUsd: 1_250_000 });
        }
        const iso = `${day(i)}T10:00:00.000Z`;
        await recordSessions(tx, sightings);
        await addTelemetryCounters(tx, counters, iso);
        await addApiRequests(tx, apiRequests, iso);
      },
      { behavior: 'immediate' },
    );
  }
  await db.transaction(async (tx) => {
    for (let dev = 0; dev < size.developers; dev++) {
      await linkIdentity(tx, { org: ORG, kind: 'email', value: `dev-${dev}@synthetic.example`, githubLogin: `dev-${dev}`, source: 'personal_token', createdAt: at });
    }
  });
}

// The sessions' lines were the first draws (sessionLines); the PRs draw after them.
rng.skip(lines.draws);

// GitHub: merged PRs spread over the days; a Claude user's PR usually reuses some lines a recent
// session wrote (not always, so that people have PRs of both kinds for the same-author comparison).
// Each PR has a timeline as teams make them: one to three commits authored over the days before it
// opened, a quarter opened as drafts and made ready later, reviews by teammates (comments, requests
// for changes, approvals; the author's own replies and a review bot's comments too), and about one
// in a hundred reverted by a later PR (GitHub's "Reverts owner/repo#N" body, git's "This reverts
// commit <sha>." message), a few more by a revert commit pushed to the default branch.
const perDay = Math.ceil(size.pullRequests / size.days);
const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const teammate = (dev: number) => (Math.floor(dev / 8) * 8 + ((dev % 8) + 1 + pick(7)) % 8) % size.developers; // teams of 8, never the author
const REVIEW_STATES = ['COMMENTED', 'CHANGES_REQUESTED', 'APPROVED'] as const;
const revertable: { id: number; repositoryId: number; sha: string; merged: number }[] = [];
let reviewId = 1;
let prId = 1;
// Churn (durability): half the PRs change a file an earlier PR of the repository added, deleting
// about 30% of the lines of it still there (a line gone within weeks is what churn measures; about
// 5% of all lines end so). Drawn from their own generator so the rest of the org stays as it was.
const churnRandom = lineRandom(0xc4a2);
const CHURN_SHARE = 0.5;
const CHURN_DELETED = 0.3;
/** Per repository, the files PRs added lately and their lines still there. */
/** The PRs' storage functions; the child writing PR lines draws the same PRs but writes none of them. */
const storage = { upsertPullRequest, recordDraftChange, upsertCommit, linkPullRequestCommits, recordReview, markPullRequestEnriched };
const github = writeMetadata ? storage : (Object.fromEntries(Object.keys(storage).map((name) => [name, async () => 0])) as unknown as typeof storage);
const recentFiles = new Map<number, { path: string; fps: number[] }[]>();
for (let i = 0; i < size.days && prId <= size.pullRequests; i++) {
  await db.transaction(async (tx) => {
    for (let k = 0; k < perDay && prId <= size.pullRequests; k++, prId++) {
      const dev = pick(size.developers);
      const randomRepository = pick(REPOS);
      const source = claudeUser(dev) && random() < 0.75 ? lines.files(dev, Math.max(0, i - pick(5))) : undefined;
      const merged = END - (size.days - 1 - i) * 86_400_000 + (10 + (k % 12)) * HOUR_MS;
      // A revert lands after what it reverts: only PRs of earlier days are candidates.
      const candidate = revertable.length > 0 && random() < 0.012 ? pick(revertable.length) : -1;
      const reverts = candidate >= 0 && revertable[candidate]!.merged < merged - 86_400_000 ? revertable.splice(candidate, 1)[0]! : null;
      const repositoryId = reverts ? reverts.repositoryId : 1000 + (source ? dev % REPOS : randomRepository);
      const mergedAt = iso(merged);
      // Each developer has a pace of their own (1-3×): slower people stay slower with or without Claude Code.
      const pace = 1 + (dev % 5) / 2;
      const reviewHours = pace * (1 + random() * 20);
      const pickupHours = pace * (0.5 + random() * 16);
      const draftHours = random() < 0.25 ? 1 + random() * 30 : 0;
      const created = merged - (reviewHours + pickupHours + draftHours) * HOUR_MS;
      const firstCommit = created - pace * random() * 72 * HOUR_MS;
      const sha = prId.toString(16).padStart(40, '0');
      await github.upsertPullRequest(tx, {
        id: prId,
        repositoryId,
        number: prId,
        authorId: 10_000 + dev,
        authorLogin: `dev-${dev}`,
        authorIsBot: false,
        title: reverts ? `Revert "Change ${reverts.id}"` : `Change ${prId}`,
        body: reverts && random() < 0.5 ? `Reverts ${ORG}/repo-${reverts.repositoryId - 1000}#${reverts.id}\n\nIt broke the nightly build.` : null,
        baseRef: 'main',
        headRef: `feature/${prId}`,
        headSha: null,
        draft: false,
        state: 'closed',
        createdAt: iso(created),
        githubUpdatedAt: mergedAt,
        closedAt: mergedAt,
        mergedAt,
        mergeCommitSha: null,
        additions: LINES_PER_PR,
        deletions: 10,
        changedFiles: FILES_PER_PR,
      });
      await github.recordDraftChange(tx, { pullRequestId: prId, action: 'opened', at: iso(created), draft: draftHours > 0 });
      if (draftHours > 0) await github.recordDraftChange(tx, { pullRequestId: prId, action: 'ready_for_review', at: iso(created + draftHours * HOUR_MS), draft: false });
      const commitIds: number[] = [];
      const commitCount = 1 + pick(3);
      for (let c = 0; c < commitCount; c++) {
        const message = c === 0 && reverts ? `Revert "Change ${reverts.id}"\n\nThis reverts commit ${reverts.sha}.` : `Change ${prId}${c ? ` (${c + 1})` : ''}`;
        const authoredAt = iso(c === 0 ? firstCommit : firstCommit + random() * (merged - firstCommit));
        const commitSha = c === 0 ? sha : `${prId.toString(16).padStart(32, '0')}${c.toString(16).padStart(8, '0')}`;
        commitIds.push(await github.upsertCommit(tx, { repositoryId, sha: commitSha, message, authorLogin: `dev-${dev}`, authoredAt, committedAt: authoredAt, claudeCodeTrailer: false }));
      }
      await github.linkPullRequestCommits(tx, prId, commitIds);
      if (!reverts && random() < 0.5) revertable.push({ id: prId, repositoryId, sha, merged });
      // Reviews: a bot's comment at once now and then, the first teammate's review after pickup, more rounds after it.
      const ready = created + draftHours * HOUR_MS;
      if (random() < 0.3) await github.recordReview(tx, { id: reviewId++, pullRequestId: prId, reviewerLogin: 'review-bot[bot]', reviewerIsBot: true, state: 'COMMENTED', submittedAt: iso(ready + 5 * 60_000) });
      if (random() < 0.9) {
        const rounds = 1 + pick(3);
        let at = ready + pickupHours * HOUR_MS;
        for (let r = 0; r < rounds; r++) {
          const state = r === rounds - 1 ? 'APPROVED' : REVIEW_STATES[pick(2)]!;
          await github.recordReview(tx, { id: reviewId++, pullRequestId: prId, reviewerLogin: `dev-${teammate(dev)}`, state, submittedAt: iso(at) });
          if (random() < 0.2) await github.recordReview(tx, { id: reviewId++, pullRequestId: prId, reviewerLogin: `dev-${dev}`, state: 'COMMENTED', submittedAt: iso(at + 10 * 60_000) });
          at += ((merged - at) * random()) / 2;
        }
      }
      const pathsOfThisPr = new Set<string>();
      const files = Array.from({ length: FILES_PER_PR }, (_, f) => {
        const fps = new Map<number, number>();
        const sketches = new Map<number, Uint8Array>();
        const claude = source?.[f];
        const fromClaude = claude ? claude.fps.slice(0, Math.floor(claude.fps.length * 0.7)) : [];
        for (const fp of fromClaude) {
          // An edited line is a new fingerprint whose sketch is Claude's line with one token changed.
          const added = isEdited(fp) ? (fp + 3) % 2 ** 48 : fp;
          fps.set(added, 1);
          if (writeLines) sketches.set(added, added === fp ? sketchOf(fp) : editedSketch(fp));
        }
        while (fps.size < LINES_PER_PR / FILES_PER_PR) {
          const fp = fingerprint();
          fps.set(fp, 1);
          if (writeLines) sketches.set(fp, sketchOf(fp));
        }
        let path = claude?.path ?? `src/module-${pick(40)}/file-${pick(20)}-${f}.ts`;
        const deletedFingerprints = new Map<number, number>();
        const recent = recentFiles.get(repositoryId) ?? [];
        if (!claude && f === FILES_PER_PR - 1 && recent.length > 0 && churnRandom() < CHURN_SHARE) {
          const earlier = recent[Math.floor(churnRandom() * recent.length)]!;
          if (!pathsOfThisPr.has(earlier.path)) path = earlier.path;
          if (path === earlier.path) earlier.fps = earlier.fps.filter((fp) => {
            if (churnRandom() >= CHURN_DELETED) return true;
            deletedFingerprints.set(fp, 1);
            return false;
          });
        }
        pathsOfThisPr.add(path);
        recent.push({ path, fps: [...fps.keys()] });
        if (recent.length > 300) recent.shift();
        recentFiles.set(repositoryId, recent);
        return {
          path,
          previousPath: null,
          status: 'modified',
          additions: fps.size,
          deletions: 3 + deletedFingerprints.size,
          effectiveLines: fps.size,
          excludedReason: null,
          patchMissing: false,
          fingerprints: fps,
          sketches,
          deletedFingerprints,
        };
      });
      if (writeLines) await load.replaceChangedFiles(tx, { pullRequestId: prId }, files);
      await github.markPullRequestEnriched(tx, prId, mergedAt);
    }
  });
}
if (mode === 'pr-lines') {
  await db.close();
  process.exit(0);
}
// A few reverts pushed straight to the default branch, as `git revert` and `git push` make them.
await db.transaction(async (tx) => {
  for (let n = 0; n < size.pullRequests / 400 && revertable.length > 0; n++) {
    const reverted = revertable.splice(pick(revertable.length), 1)[0]!;
    const at = iso(reverted.merged + (1 + random() * 72) * HOUR_MS);
    await upsertCommit(tx, {
      repositoryId: reverted.repositoryId,
      sha: `f${reverted.sha.slice(1)}`,
      message: `Revert "Change ${reverted.id}"\n\nThis reverts commit ${reverted.sha}.`,
      authorLogin: `dev-${pick(size.developers)}`,
      authoredAt: at,
      claudeCodeTrailer: false,
      pushedToDefaultBranch: true,
      pushedAt: at,
    });
  }
});
recentFiles.clear();
if (linesApart) {
  const [sessionLinesFile, pullRequestLinesFile] = await linesApart;
  await load.copyTables!(sessionLinesFile, ['session_line_fingerprints']);
  await load.copyTables!(pullRequestLinesFile, ['changed_files', 'added_line_fingerprints', 'deleted_line_fingerprints']);
}
await load.finish();
const generateSeconds = (performance.now() - started) / 1000;

console.log(JSON.stringify({ generateSeconds }));

/** Starts a child process of this generator that writes its share of the org (`mode`) into `path`; resolves to `path` when it is done. */
function writeApart(mode: 'session-lines' | 'pr-lines', path: string): Promise<string> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const child = fork(new URL(import.meta.url), [mode, path, sizeJson], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve(path) : reject(new Error(`the generator's ${mode} child exited with ${code ?? signal}`))));
  });
}
