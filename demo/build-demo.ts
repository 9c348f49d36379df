import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { startAppServer, type AppServer } from '../src/app-server.js';
import { loadConfig, type LogLevel } from '../src/config.js';
import { sql } from 'drizzle-orm';
import { createApiKey } from '../src/db/api-keys.js';
import type { Db } from '../src/db/client.js';
import { createIngestToken } from '../src/db/ingest-tokens.js';
import { countJobsByStatus, lastFailedJobs } from '../src/jobs/job-queue.js';
import { createLogger } from '../src/logger.js';
import { isPostgresUrl } from '../src/db/postgres-client.js';
import { runIncrementalProcessing, runProcessing } from '../src/processing/run-processing.js';
import { sessionTelemetry } from './claude-code-telemetry.js';
import { DemoBrowser, signInToDemo } from './demo-browser.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import {
  installationCreatedPayload,
  mergeCommitOf,
  pullRequestPayload,
  pullRequestReviewPayload,
  pushPayload,
  WEB_FLOW_COMMITTER,
} from './github-shapes.js';
import type { DemoPlan } from './demo-plan.js';
import { planDemoOrg } from './plan-demo-org.js';

/*
 * `npm run demo`, as a function: plans the demo organization, starts the stand-in GitHub and the
 * real app (real port, real SQLite file or PostgreSQL database), and feeds the app through its real doors — signed
 * webhooks, OTLP exports and hook calls with an ingest token — while the app enriches merged PRs
 * from the stand-in GitHub with its job queue; then processing runs over the whole range. An
 * already built demo directory is served again as it is.
 *
 * The app's clock follows the history being replayed (webhooks, telemetry, hook calls and jobs are
 * received "when they happened"), and is the real clock again once the build is done.
 */

export interface DemoOptions {
  /** Where the demo database (`demo.db`) and its marker (`demo.json`) live. */
  dir?: string;
  /**
   * A PostgreSQL database (`postgres://…`) to build the demo in instead of `demo.db`: it must be
   * empty (migrated or not) unless `dir`'s marker says the demo was built in it.
   */
  databaseUrl?: string;
  /** The app's port (0: any free port). */
  port?: number;
  host?: string;
  /** The stand-in GitHub's port: by default the app's port + 1 (any free port when the app's is 0). */
  githubPort?: number;
  /** The demo's history ends on this instant's day. */
  now?: Date;
  seed?: number;
  /** Developers in the organization (1…25). */
  developers?: number;
  days?: number;
  /** Deletes the demo database first (on PostgreSQL, the marker only: the database must be an empty one). */
  reset?: boolean;
  logLevel?: LogLevel;
  onProgress?: (message: string) => void;
}

export interface Demo {
  app: AppServer;
  github: FakeGitHub;
  plan: DemoPlan;
  org: string;
  /** A fresh metrics API key for the demo org (shown once, like every key). */
  apiKey: string;
  /** False when an already built demo was opened. */
  built: boolean;
  /** The SQLite file, or the PostgreSQL URL. */
  databasePath: string;
  /** Milliseconds per phase of the build (empty when reopened). */
  timings: Record<string, number>;
  /** Requests sent to the app while building, by kind. */
  sent: Record<string, number>;
  /**
   * What the final full run changed after incremental processing had followed the history: the
   * nightly run's corrections, 0 when incremental processing kept up (null when reopened).
   */
  corrections: number | null;
  close(): Promise<void>;
}

export const DEMO_WEBHOOK_SECRET = 'demo-webhook-secret';
export const DEMO_OAUTH = { clientId: 'Iv1.demo0000000000', clientSecret: 'demo-client-secret' };
const MARKER_VERSION = 1;

interface Marker {
  version: number;
  builtAt: string;
  now: string;
  seed: number | null;
  developers: number | null;
  days: number | null;
  org: string;
}

/** Deletes a demo database, its WAL files and its marker. */
function deleteDemo(dir: string): void {
  for (const name of ['demo.db', 'demo.db-wal', 'demo.db-shm', 'demo.json']) rmSync(join(dir, name), { force: true });
}

function readMarker(dir: string, onPostgres: boolean): Marker | undefined {
  const path = join(dir, 'demo.json');
  if (!existsSync(path) || (!onPostgres && !existsSync(join(dir, 'demo.db')))) return undefined;
  try {
    const marker = JSON.parse(readFileSync(path, 'utf8')) as Marker;
    return marker.version === MARKER_VERSION ? marker : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A PostgreSQL database cannot be deleted like a file: a build starts only on one that holds no
 * data yet, so the history is never sent twice into one database.
 */
async function assertEmpty(db: Db, url: string): Promise<void> {
  const held = await db.get<{ n: number }>(sql`SELECT (SELECT count(*) FROM webhook_deliveries) + (SELECT count(*) FROM otlp_exports) AS n`);
  if (held && held.n > 0) throw new Error(`The demo database ${new URL(url).pathname.slice(1)} already holds data: build the demo into an empty PostgreSQL database`);
}

export async function buildDemo(options: DemoOptions = {}): Promise<Demo> {
  const dir = resolve(options.dir ?? 'data');
  const progress = options.onProgress ?? (() => {});
  const onPostgres = options.databaseUrl !== undefined;
  if (onPostgres && !isPostgresUrl(options.databaseUrl!)) throw new Error('databaseUrl must be a postgres:// or postgresql:// URL (the SQLite demo lives in dir)');
  mkdirSync(dir, { recursive: true });
  if (options.reset) deleteDemo(dir);
  const marker = readMarker(dir, onPostgres);
  if (!marker) deleteDemo(dir); // a build that did not finish: start over

  const plan = planDemoOrg({
    now: marker ? new Date(marker.now) : (options.now ?? new Date()),
    seed: marker?.seed ?? options.seed,
    developers: marker?.developers ?? options.developers,
    days: marker?.days ?? options.days,
  });
  const port = options.port ?? 3000;
  const github = await startFakeGitHub({ plan, oauth: DEMO_OAUTH, port: options.githubPort ?? (port === 0 ? 0 : port + 1) });

  // The app's clock: the replayed history's time while building, the real time after.
  let replayAt: number | undefined;
  const now = () => new Date(replayAt ?? Date.now());

  const databasePath = options.databaseUrl ?? join(dir, 'demo.db');
  const config = loadConfig({
    PORT: String(port),
    HOST: options.host ?? '127.0.0.1',
    DATABASE_URL: databasePath,
    LOG_LEVEL: options.logLevel ?? 'warn',
    APP_ID: '1',
    // A fresh key each start: the stand-in GitHub accepts any app JWT.
    PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    WEBHOOK_SECRET: DEMO_WEBHOOK_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    GITHUB_CLIENT_ID: DEMO_OAUTH.clientId,
    GITHUB_CLIENT_SECRET: DEMO_OAUTH.clientSecret,
  });
  let app: AppServer;
  try {
    // Octokit's in-process throttling queues every call on timers, which costs more than the stand-in
    // GitHub takes to answer; it never rate-limits, and the app's job queue still retries failures.
    app = await startAppServer({ config, log: createLogger(config.logLevel), now, octokitRetries: false });
  } catch (error) {
    await github.close();
    throw error;
  }
  const close = async () => {
    await app.close();
    await github.close();
  };

  const timings: Record<string, number> = {};
  const sent: Record<string, number> = {};
  let corrections: number | null = null;
  try {
    if (!marker) {
      if (onPostgres) await assertEmpty(app.db, databasePath);
      const started = performance.now();
      corrections = await replayHistory({ app, plan, progress, setClock: (at) => (replayAt = at), timings, sent });
      writeFileSync(
        join(dir, 'demo.json'),
        `${JSON.stringify(
          {
            version: MARKER_VERSION,
            builtAt: new Date().toISOString(),
            now: new Date(plan.now).toISOString(),
            seed: options.seed ?? null,
            developers: options.developers ?? null,
            days: options.days ?? null,
            org: plan.org.login,
          } satisfies Marker,
          null,
          2,
        )}\n`,
      );
      timings.total = Math.round(performance.now() - started);
    }
    const { key } = await createApiKey(app.db, { org: plan.org.login });
    return { app, github, plan, org: plan.org.login, apiKey: key, built: !marker, databasePath, timings, sent, corrections, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface ReplayArgs {
  app: AppServer;
  plan: DemoPlan;
  progress: (message: string) => void;
  setClock: (at: number | undefined) => void;
  timings: Record<string, number>;
  sent: Record<string, number>;
}

/** One request of the demo's history, as data: when it happened, where it goes, its body and headers. */
export interface HistoryRequest {
  at: number;
  kind: 'webhook' | 'metrics' | 'logs' | 'hook';
  path: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The plan's history as the requests GitHub and Claude Code would send, in time order: signed
 * webhooks (deliveries numbered in that order), OTLP exports and hook calls with the ingest token
 * `token`.
 */
export function historyRequests(plan: DemoPlan, { token }: { token: string }): HistoryRequest[] {
  const requests: HistoryRequest[] = [];
  const webhook = (at: number, event: string, payload: object) => {
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/demo',
      'x-github-event': event,
      'x-github-hook-installation-target-type': 'integration',
      'x-hub-signature-256': `sha256=${createHmac('sha256', DEMO_WEBHOOK_SECRET).update(body).digest('hex')}`,
    };
    requests.push({ at, kind: 'webhook', path: '/api/github/webhooks', body, headers });
  };
  webhook(plan.installedAt, 'installation', installationCreatedPayload(plan));
  for (const pr of plan.pullRequests) {
    const repo = pr.repository;
    pr.pushes.forEach((push, i) => {
      webhook(push.at, 'push', pushPayload(plan, repo, pr.branch, push.at, pr.author, push.commits.map((commit) => ({ commit, distinct: true }))));
      if (i > 0) webhook(push.at + 1_000, 'pull_request', pullRequestPayload(plan, pr, 'synchronize', push.at + 1_000, pr.author));
    });
    webhook(pr.createdAt, 'pull_request', pullRequestPayload(plan, pr, 'opened', pr.createdAt, pr.author));
    const readyAt = pr.draft?.readyForReviewAt;
    if (readyAt) webhook(readyAt, 'pull_request', pullRequestPayload(plan, pr, 'ready_for_review', readyAt, pr.author));
    for (const review of [...(pr.review ? [pr.review] : []), ...pr.otherReviews]) webhook(review.at, 'pull_request_review', pullRequestReviewPayload(plan, pr, review));
    if (pr.closedAt !== null) webhook(pr.closedAt, 'pull_request', pullRequestPayload(plan, pr, 'closed', pr.closedAt, pr.mergedBy ?? pr.author));
    // GitHub also reports each merge as a push to the default branch (the PR's commits and a merge
    // commit). The app learns nothing from it that the PR does not tell (the merge commit is skipped
    // as part of the PR), so the demo sends it only for a sample, to keep the build fast.
    if (pr.mergedAt !== null && pr.number % 5 === 0) {
      const at = pr.mergedAt + 2_000;
      const commits = [...pr.commits.map((commit) => ({ commit, distinct: false })), { commit: mergeCommitOf(plan, pr), distinct: true, committer: WEB_FLOW_COMMITTER }];
      webhook(at, 'push', pushPayload(plan, repo, 'main', at, pr.mergedBy!, commits));
    }
  }
  for (const push of plan.directPushes) {
    webhook(push.at, 'push', pushPayload(plan, push.repository, 'main', push.at, push.pusher, [{ commit: push.commit, distinct: true }]));
  }
  for (const session of plan.sessions) {
    for (const r of sessionTelemetry(session)) {
      const kind = r.path === '/v1/metrics' ? 'metrics' : r.path === '/v1/logs' ? 'logs' : 'hook';
      const body = JSON.stringify(r.body);
      requests.push({ at: r.at, kind, path: r.path, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'OTel-OTLP-Exporter-JavaScript/0.57.2' } });
    }
  }
  requests.sort((a, b) => a.at - b.at);
  let delivery = 0;
  for (const r of requests) if (r.kind === 'webhook') r.headers['x-github-delivery'] = `demo-${String(++delivery).padStart(6, '0')}`;
  return requests;
}

/** Sends the plan's history to the app in time order, lets enrichment finish, then processes. */
async function replayHistory({ app, plan, progress, setClock, timings, sent }: ReplayArgs): Promise<number> {
  const org = plan.org.login;
  const human = plan.people.filter((p) => p.developer);
  progress(
    `Planned ${org}: ${human.length} developers (${human.filter((p) => p.claudeCode).length} use Claude Code), ${plan.repositories.length} repositories, ` +
      `${plan.days.length} days (${plan.days[0]} … ${plan.days.at(-1)}): ${plan.pullRequests.length} pull requests, ` +
      `${plan.directPushes.length} direct pushes, ${plan.sessions.length} Claude Code sessions.`,
  );

  const { token } = await createIngestToken(app.db, { org }, new Date(plan.installedAt));
  // Plain node:http on one kept-alive connection: thousands of requests, and fetch's per-request cost shows.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(app.url);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    new Promise<void>((resolvePost, reject) => {
      const req = request({ host: hostname, port, path, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolvePost();
          else reject(new Error(`POST ${path} answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const requests = historyRequests(plan, { token });
  for (const r of requests) sent[r.kind] = (sent[r.kind] ?? 0) + 1;
  progress(
    `Sending ${requests.length} requests through the app's real endpoints: ${sent.webhook ?? 0} signed webhooks, ` +
      `${(sent.metrics ?? 0) + (sent.logs ?? 0)} OTLP exports, ${sent.hook ?? 0} hook calls…`,
  );

  let t = performance.now();
  let reported = 0;
  let day = '';
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    // Each day of history, what arrived the day before is processed (as the server's incremental
    // runner does a minute after it arrives; a run it has going is left to finish).
    const today = new Date(r.at).toISOString().slice(0, 10);
    if (today !== day) {
      if (day !== '') await runIncrementalProcessing(app.db);
      day = today;
    }
    setClock(r.at);
    await post(r.path, r.body, r.headers);
    const done = Math.floor(((i + 1) / requests.length) * 4);
    if (done > reported) {
      reported = done;
      progress(`  ${done * 25}% (through ${new Date(r.at).toISOString().slice(0, 10)})`);
    }
  }
  timings.send = Math.round(performance.now() - t);
  agent.destroy();

  // The history is in; the app's clock is the real one again. Enrichment jobs (the app fetching
  // each merged PR's commits and files from the stand-in GitHub) finish now.
  setClock(undefined);
  t = performance.now();
  const merged = plan.pullRequests.filter((p) => p.mergedAt !== null).length;
  const during = await countJobsByStatus(app.db);
  progress(
    `The app enriches ${merged} merged pull requests and ${plan.directPushes.length} direct pushes from the stand-in GitHub ` +
      `(${during.done} of ${during.done + during.pending + during.running + during.failed} jobs done while sending)…`,
  );
  for (;;) {
    await app.worker.runDueJobs();
    const counts = await countJobsByStatus(app.db);
    if (counts.pending === 0 && counts.running === 0) {
      if (counts.failed > 0) {
        const failed = (await lastFailedJobs(app.db, 3)).map((j) => ({ kind: j.kind, error: j.lastError }));
        throw new Error(`${counts.failed} enrichment jobs failed, e.g. ${JSON.stringify(failed)}`);
      }
      break;
    }
    await sleep(20);
  }
  timings.enrich = Math.round(performance.now() - t);

  // The server processed what arrived as it arrived (the app's clock was the history's); what is
  // still marked is processed now, so the full run below is a nightly run's reconciliation.
  t = performance.now();
  for (;;) {
    const incremental = await runIncrementalProcessing(app.db);
    if (incremental === null) break;
    if ('busy' in incremental) await sleep(50);
  }
  timings.incremental = Math.round(performance.now() - t);
  t = performance.now();
  progress(`Processing ${plan.days.length} days…`);
  const { corrections } = await runProcessing(app.db, { org, fromDay: plan.days[0], toDay: plan.days.at(-1), trigger: 'demo' });
  timings.process = Math.round(performance.now() - t);

  // The owner lets the team of developers see the metrics, on the settings page like anyone would.
  const browser = new DemoBrowser();
  await signInToDemo(browser, app.url, plan.signIn.owner.login, `/orgs/${org}/settings`);
  const saved = await browser.postForm(`${app.url}/orgs/${org}/settings/access`, { viewer_teams: plan.viewerTeam });
  if (saved.status !== 303 && saved.status !== 302) throw new Error(`saving the viewer team answered ${saved.status}: ${(await saved.text()).slice(0, 300)}`);
  await saved.body?.cancel();
  return corrections;
}
