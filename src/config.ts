import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { z } from 'zod';

/**
 * The environment, parsed once at start-up. Every variable is listed in `.env.example`.
 * A bad value stops the process with a message that names the variable.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const envSchema = z.object({
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().default('data/metrics.db')),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(logLevels).default('info')),
  APP_ID: z.preprocess(emptyAsUndefined, z.string().regex(/^\d+$/, 'must be the numeric GitHub App ID').optional()),
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  WEBHOOK_SECRET: optionalString,
  GHE_HOST: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as github.example.com, without scheme or path')
      .optional(),
  ),
  GHE_PROTOCOL: z.preprocess(emptyAsUndefined, z.enum(['https', 'http']).default('https')),
  FINGERPRINT_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  ),
  PROCESS_SCHEDULE: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('0 2 * * *')
      .superRefine((pattern, ctx) => {
        try {
          new Cron(pattern, { paused: true, timezone: 'UTC' }).stop();
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a cron pattern: ${(error as Error).message}` });
        }
      }),
  ),
  PROCESS_DELAY_SECONDS: z.preprocess(
    emptyAsUndefined,
    z.union([z.literal('off'), z.coerce.number().int().min(1).max(86_400)]).default(60),
  ),
  PROCESS_LOOKBACK_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(366).default(35)),
  ATTRIBUTION_DAYS_BEFORE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(365).default(21)),
  ATTRIBUTION_DAYS_AFTER: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(365).default(2)),
  ATTRIBUTION_MIN_SIMILARITY: z.preprocess(emptyAsUndefined, z.coerce.number().min(0.5).max(1).default(0.8)),
  LABEL_PULL_REQUESTS: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  PROCESSING_SESSION_LINES_CACHE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1000).max(100_000_000).default(150_000)),
  PROCESSING_SQLITE_CACHE_MB: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(2).max(65_536).default(16)),
  PROCESSING_SQLITE_MMAP_MB: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65_536).default(0)),
  API_RATE_LIMIT_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(60)),
  SEATS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).optional()),
  DISCOUNT_PERCENT: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(100).default(0)),
  PAGE_FRESH_WAIT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(60_000).default(250)),
  RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(30).default(120)),
  JOB_POLL_INTERVAL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(50).default(2000)),
  INGEST_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).default(10 * 1024 * 1024)),
  WEBHOOK_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(64 * 1024).default(25 * 1024 * 1024)),
  WEBHOOK_CATCH_UP_INTERVAL_MINUTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(24 * 60).default(30)),
  WEBHOOK_CATCH_UP_LOOKBACK_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(72).default(72)),
  WEBHOOK_CATCH_UP_MAX_PER_PASS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(50)),
  GITHUB_CLIENT_ID: optionalString,
  GITHUB_CLIENT_SECRET: optionalString,
  SESSION_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  ),
  PUBLIC_URL: z.preprocess(
    emptyAsUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be the URL people and Claude Code reach the app at, e.g. https://metrics.example.com' })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  ),
});

export type LogLevel = (typeof logLevels)[number];

/** Where GitHub delivers webhooks; Probot's middleware and the HTTP route must agree on it. */
export const WEBHOOKS_PATH = '/api/github/webhooks';

export interface GitHubAppCredentials {
  appId: string;
  privateKey: string;
  webhookSecret: string;
}

export interface Config {
  port: number;
  host: string;
  /**
   * `DATABASE_URL`: a `postgres://` or `postgresql://` URL opens PostgreSQL; anything else is the
   * path of the SQLite database file (`:memory:` for an in-memory database).
   */
  databaseUrl: string;
  logLevel: LogLevel;
  /** Absent when the app runs without GitHub credentials: webhooks are then refused. */
  github: GitHubAppCredentials | undefined;
  /** REST API base URL: github.com or a GitHub Enterprise Server (`GHE_HOST`). */
  githubApiBaseUrl: string;
  /** Set only to override the secret the app generates and keeps in its database. */
  fingerprintSecret: string | undefined;
  processSchedule: string;
  /**
   * Incremental processing: what changed (a merged PR enriched, telemetry, hook calls, an
   * identity link) is processed once the oldest change is this old (`PROCESS_DELAY_SECONDS`,
   * default 60); null (`off`) leaves it to the scheduled run.
   */
  processDelaySeconds: number | null;
  /** Days each scheduled or default run recomputes, ending today. */
  processLookbackDays: number;
  /** The attribution window around a merge (spec: 21 days before, 2 after). */
  attributionWindow: { daysBefore: number; daysAfter: number };
  /** An added line matches a line Claude Code wrote when their similarity reaches this (spec: 0.8; 1 = exact only). */
  attributionMinSimilarity: number;
  /** Label PRs attributed to Claude Code `claude-code-assisted` (needs `pull_requests: write`). */
  labelPullRequests: boolean;
  /** What a processing run may hold in memory (see `withProcessingMemory`). */
  processingMemory: { sessionLinesCache: number; sqliteCacheMb: number; sqliteMmapMb: number };
  /** Metrics API requests per minute per key. */
  apiRateLimitPerMinute: number;
  /** Claude Code seats (`SEATS`) for seat utilization; unset: each org's GitHub member count. */
  seats: number | undefined;
  /** Discount on list spend in percent (0–100): net spend = gross × (1 − discount ÷ 100). */
  discountPercent: number;
  /** How long the overview waits for the figures of a run that just ended before it shows the earlier run's (0: it does not wait). */
  pageFreshWaitMs: number;
  retentionDays: number;
  jobPollIntervalMs: number;
  /** Largest telemetry or hook body accepted, on the wire and once decompressed. */
  ingestMaxBodyBytes: number;
  /** Largest webhook body accepted; GitHub caps payloads at 25 MB. */
  webhookMaxBodyBytes: number;
  /**
   * Asking GitHub to redeliver webhooks that failed or never arrived: every `intervalMinutes` (0:
   * never) and at start, over the last `lookbackHours`, at most `maxPerPass` requests a pass.
   */
  webhookCatchUp: { intervalMinutes: number; lookbackHours: number; maxPerPass: number };
  /** The GitHub App's OAuth client, for signing in to the metrics pages; absent: nobody can sign in. */
  oauth: { clientId: string; clientSecret: string } | undefined;
  /** GitHub's web address (sign-in pages): github.com or the Enterprise Server. */
  githubWebUrl: string;
  /** Set only to override the cookie-signing key the app generates and keeps in its database. */
  sessionSecret: string | undefined;
  /** The address people reach the app at; by default, the address each request came to. */
  publicUrl: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `file:data/x.db` and `sqlite:data/x.db` are accepted as well as a plain path; a PostgreSQL URL is kept as it is. */
function databaseUrlFrom(url: string): string {
  return url.replace(/^(file|sqlite):(\/\/)?/, '');
}

/** The database as a log line may show it: a PostgreSQL URL without its password (a SQLite path as it is). */
export function databaseForLog(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    // A password may also ride in the query (`?password=`).
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  let privateKey = e.PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (!privateKey && e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(e.PRIVATE_KEY_PATH, 'utf8');
    } catch (error) {
      problems.push(`PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH} (${(error as Error).message})`);
    }
  }
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    problems.push('PRIVATE_KEY: is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----")');
  }

  let github: GitHubAppCredentials | undefined;
  const anyGitHub = e.APP_ID !== undefined || privateKey !== undefined || e.WEBHOOK_SECRET !== undefined;
  if (anyGitHub) {
    // Half a configuration is a mistake worth stopping for; none at all is a valid first run.
    if (!e.APP_ID) problems.push('APP_ID: required when PRIVATE_KEY or WEBHOOK_SECRET is set');
    if (!privateKey && !e.PRIVATE_KEY_PATH) problems.push('PRIVATE_KEY: required when APP_ID is set (or set PRIVATE_KEY_PATH)');
    if (!e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: required when APP_ID is set');
    if (e.APP_ID && privateKey && e.WEBHOOK_SECRET) {
      github = { appId: e.APP_ID, privateKey, webhookSecret: e.WEBHOOK_SECRET };
    }
  }
  if ((e.GITHUB_CLIENT_ID === undefined) !== (e.GITHUB_CLIENT_SECRET === undefined)) {
    problems.push(e.GITHUB_CLIENT_ID ? 'GITHUB_CLIENT_SECRET: required when GITHUB_CLIENT_ID is set' : 'GITHUB_CLIENT_ID: required when GITHUB_CLIENT_SECRET is set');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: databaseUrlFrom(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    github,
    githubApiBaseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : 'https://api.github.com',
    fingerprintSecret: e.FINGERPRINT_SECRET,
    processSchedule: e.PROCESS_SCHEDULE,
    processDelaySeconds: e.PROCESS_DELAY_SECONDS === 'off' ? null : e.PROCESS_DELAY_SECONDS,
    processLookbackDays: e.PROCESS_LOOKBACK_DAYS,
    attributionWindow: { daysBefore: e.ATTRIBUTION_DAYS_BEFORE, daysAfter: e.ATTRIBUTION_DAYS_AFTER },
    attributionMinSimilarity: e.ATTRIBUTION_MIN_SIMILARITY,
    labelPullRequests: e.LABEL_PULL_REQUESTS === 'true',
    processingMemory: { sessionLinesCache: e.PROCESSING_SESSION_LINES_CACHE, sqliteCacheMb: e.PROCESSING_SQLITE_CACHE_MB, sqliteMmapMb: e.PROCESSING_SQLITE_MMAP_MB },
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
    seats: e.SEATS,
    discountPercent: e.DISCOUNT_PERCENT,
    pageFreshWaitMs: e.PAGE_FRESH_WAIT_MS,
    retentionDays: e.RETENTION_DAYS,
    jobPollIntervalMs: e.JOB_POLL_INTERVAL_MS,
    ingestMaxBodyBytes: e.INGEST_MAX_BODY_BYTES,
    webhookMaxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
    webhookCatchUp: {
      intervalMinutes: e.WEBHOOK_CATCH_UP_INTERVAL_MINUTES,
      lookbackHours: e.WEBHOOK_CATCH_UP_LOOKBACK_HOURS,
      maxPerPass: e.WEBHOOK_CATCH_UP_MAX_PER_PASS,
    },
    oauth: e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET ? { clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET } : undefined,
    githubWebUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : 'https://github.com',
    sessionSecret: e.SESSION_SECRET,
    publicUrl: e.PUBLIC_URL,
  };
}
