import type { Logger } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import { WEBHOOKS_PATH, type GitHubAppCredentials } from '../config.js';

export interface ProbotOptions {
  credentials: GitHubAppCredentials;
  /** `https://api.github.com`, or `<GHE_PROTOCOL>://<GHE_HOST>/api/v3` for GitHub Enterprise Server. */
  baseUrl: string;
  log: Logger;
  /** Octokit's quick in-process retries of 5xx answers; tests turn them off to see the job queue's own. */
  octokitRetries?: boolean;
}

/**
 * The Probot instance, built from the validated config rather than from `process.env`, so the app
 * has one source of configuration. Every Octokit it hands out talks to `baseUrl` (GitHub Enterprise
 * Server included).
 */
export function createProbot({ credentials, baseUrl, log, octokitRetries = true }: ProbotOptions): Probot {
  // Rate limits are left to the durable job queue, which reschedules the job for GitHub's reset
  // time instead of holding the worker in an in-process wait. A function is needed here because
  // Probot passes its own throttle options to every Octokit it creates, and they would win over plain defaults.
  const Octokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
    ...options,
    throttle: {
      ...options.throttle,
      enabled: octokitRetries,
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
    },
    retry: { ...options.retry, enabled: octokitRetries },
  }));
  return new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    secret: credentials.webhookSecret,
    baseUrl,
    webhookPath: WEBHOOKS_PATH,
    log: log.child({ name: 'probot' }) as never,
    Octokit,
  });
}
