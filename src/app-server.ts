import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Probot } from 'probot';
import type { Config } from './config.js';
import { fingerprintKey, sessionKey } from './db/app-secrets.js';
import { closeDb, createDb, SERVER_BUSY_TIMEOUT_MS, setBusyTimeout, type Db } from './db/client.js';
import { getOrgSettings } from './db/org-settings.js';
import { seatsFor } from './db/usage-queries.js';
import { githubApp, githubJobHandlers } from './github/app.js';
import { scheduleDeliveryCatchUp } from './github/catch-up-deliveries.js';
import { enqueueStaleMemberCounts, queueStaleMemberCounts } from './github/org-member-count.js';
import { createProbot } from './github/probot.js';
import { githubOrgAccess, type OrgAccess } from './http/auth/org-access.js';
import { createHttpApp } from './http/app.js';
import type { WebhookReceiver } from './http/webhook-routes.js';
import { JobWorker } from './jobs/job-worker.js';
import { createProcessor, type Processor } from './processing/processor.js';
import { startIncrementalProcessing } from './processing/incremental-runner.js';
import { startIncrementalThread } from './processing/incremental-thread.js';
import { scheduleProcessing, type ProcessingSchedule } from './processing/scheduler.js';

export interface AppServer {
  db: Db;
  probot: Probot | undefined;
  worker: JobWorker;
  server: ServerType;
  /** The Hono app the server serves (tests call `http.request()` on it). */
  http: ReturnType<typeof createHttpApp>;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops taking requests, lets in-flight ones finish, stops the job worker, closes the database. */
  close(): Promise<void>;
}

export interface AppServerOptions {
  config: Config;
  log: Logger;
  /** Tests turn off Octokit's in-process retries to see the job queue's own. */
  octokitRetries?: boolean;
  /** Tests drive the job worker themselves. */
  startWorker?: boolean;
  /** Who may see an org's pages; by default asked of GitHub with the app's installation token. */
  pagesAccess?: OrgAccess;
  /**
   * The time the app takes for "now" when it receives webhooks, telemetry and hook calls and runs
   * jobs (default: the system clock). The demo replays weeks of history and moves it along.
   */
  now?: () => Date;
}

/**
 * Opens the database, builds Probot (when GitHub credentials are configured) and the Hono app, and
 * listens on one port. Without credentials it still serves the home page and `/healthz`.
 */
export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const { config, log, octokitRetries, startWorker = true, pagesAccess, now = () => new Date() } = options;
  // Starting up may wait for another process's SQLite write lock like the command line does (nothing
  // is served yet); once serving, the wait is milliseconds, and longer waits are on timers
  // (store-busy.ts). PostgreSQL (`DATABASE_URL=postgres://…`) has no such lock.
  const db = await createDb(config.databaseUrl);
  const key = await fingerprintKey(db, config.fingerprintSecret);
  const pagesSessionKey = await sessionKey(db, config.sessionSecret);

  const probot = config.github
    ? createProbot({ credentials: config.github, baseUrl: config.githubApiBaseUrl, log, octokitRetries })
    : undefined;
  if (probot) await probot.load(githubApp({ db, now, countMembers: config.seats === undefined }));
  // Probot runs the handlers of a delivery the webhook route has read, verified and checked.
  const webhooks: WebhookReceiver | undefined =
    probot && config.github ? { secret: config.github.webhookSecret, receive: (event) => probot.receive(event as never) } : undefined;
  if (!probot) log.warn('No GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET): webhooks are refused until they are set.');

  const worker = new JobWorker({
    db,
    log: log.child({ name: 'jobs' }),
    pollIntervalMs: config.jobPollIntervalMs,
    now: () => now().getTime(),
    handlers: probot
      ? githubJobHandlers({ db, octokitFor: (id) => probot.auth(id), fingerprintKey: key, log, now })
      : {},
  });
  // Jobs wait in the database while the app has no credentials to run them with.
  if (startWorker && probot) {
    // Seats default to each org's member count: count the orgs not counted today (then daily, with processing).
    if (config.seats === undefined) await enqueueStaleMemberCounts(db, now());
  }
  // Deliveries lost while the app was down are asked of GitHub again, at start and periodically.
  const catchUp =
    startWorker && probot && config.webhookCatchUp.intervalMinutes > 0
      ? scheduleDeliveryCatchUp({ db, octokit: () => probot.auth(), log: log.child({ name: 'webhook-catch-up' }), now, ...config.webhookCatchUp })
      : undefined;
  setBusyTimeout(db, SERVER_BUSY_TIMEOUT_MS);
  if (startWorker && probot) worker.start();
  const processor = createProcessor({ db, config, log: log.child({ name: 'processing' }), now });
  const schedule = startWorker ? scheduleDailyWork({ db, config, processor, log: log.child({ name: 'processing' }), now }) : undefined;
  // What changed is processed as it arrives, in a thread of its own; the scheduled run reconciles.
  // A test's clock, or an in-memory database (one connection), keeps it on this thread.
  const ownThread = options.now === undefined && config.databaseUrl !== ':memory:' && !config.databaseUrl.startsWith('file::memory:');
  const incremental =
    startWorker && config.processDelaySeconds !== null
      ? ownThread
        ? await startIncrementalThread({ config, log })
        : startIncrementalProcessing({ db, processor, delayMs: config.processDelaySeconds * 1000, log: log.child({ name: 'processing' }), now })
      : undefined;

  const app = createHttpApp({
    db,
    log,
    webhooks,
    webhookMaxBodyBytes: config.webhookMaxBodyBytes,
    fingerprintKey: key,
    now,
    ingestMaxBodyBytes: config.ingestMaxBodyBytes,
    apiRateLimitPerMinute: config.apiRateLimitPerMinute,
    seats: async (org) => {
      // The member count is read only when it is the answer (SEATS not set).
      const memberCount = config.seats !== undefined && config.seats > 0 ? null : (await getOrgSettings(db, org)).memberCount;
      return seatsFor(db, org, config.seats, { memberCount: () => memberCount });
    },
    discountPercent: () => config.discountPercent,
    pages: {
      sessionKey: pagesSessionKey,
      oauth: config.oauth,
      githubApiBaseUrl: config.githubApiBaseUrl,
      githubWebUrl: config.githubWebUrl,
      publicUrl: config.publicUrl,
      access: pagesAccess ?? (probot ? githubOrgAccess({ db, octokitFor: (id) => probot.auth(id) }) : undefined),
      processor,
      freshWaitMs: config.pageFreshWaitMs,
    },
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await schedule?.stop();
      await incremental?.stop();
      await catchUp?.stop();
      await worker.stop();
      await closeDb(db);
    })());

  return { db, probot, worker, server, http: app, url, close };
}

/**
 * Processing on `PROCESS_SCHEDULE`. Without `SEATS`, each tick first queues a fresh count of the
 * members of every org whose count is not from today (UTC): seats default to member counts.
 */
export function scheduleDailyWork({
  db,
  config,
  processor,
  log,
  now,
}: {
  db: Db;
  config: Config;
  processor: Processor;
  log: Logger;
  now: () => Date;
}): ProcessingSchedule {
  return scheduleProcessing({
    processor,
    schedule: config.processSchedule,
    log,
    beforeEachRun: config.seats === undefined ? () => queueStaleMemberCounts({ db, log, now }) : undefined,
  });
}
